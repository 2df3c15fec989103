/**
 * Test doubles and fixtures for agent/events: an in-memory OutboxStore with the contract's semantics, a
 * sample VerificationRecord, and a minimal JSON Schema checker for the event schema (the subset it uses).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ulid } from 'ulid';
import { XacminhError } from '../../drivers/errors.ts';
import type { VerificationRecord } from '../session/record.ts';
import type { OutboxMessage, OutboxStore } from './outbox-store.ts';

export class MemoryOutbox implements OutboxStore {
  private readonly rows = new Map<string, OutboxMessage>();
  private nextSeq = 1;
  /** Every acknowledged id, in order (to prove nothing is acknowledged before its PUBACK). */
  readonly acknowledged: string[] = [];

  constructor(readonly capacity = 1_000_000) {}

  add(message: { id: string; topic: string; payload: string }): OutboxMessage {
    if (this.rows.size >= this.capacity) throw new XacminhError('OUTBOX_FULL', `The outbox holds ${this.capacity} events`, { capacity: this.capacity });
    const row: OutboxMessage = { seq: this.nextSeq++, id: message.id, topic: message.topic, payload: message.payload, createdAt: new Date().toISOString(), attempts: 0 };
    this.rows.set(row.id, row);
    return row;
  }

  peek(limit: number): OutboxMessage[] {
    // Map iteration is insertion order, which is seq order.
    const out: OutboxMessage[] = [];
    for (const row of this.rows.values()) {
      if (out.length >= limit) break;
      out.push({ ...row });
    }
    return out;
  }

  acknowledge(ids: readonly string[]): void {
    for (const id of ids) {
      this.acknowledged.push(id);
      this.rows.delete(id);
    }
  }

  recordAttempts(ids: readonly string[]): void {
    for (const id of ids) {
      const row = this.rows.get(id);
      if (row) row.attempts++;
    }
  }

  count(): number {
    return this.rows.size;
  }
}

export function testKeys(): { deviceKey: KeyObject; devicePublicKey: KeyObject; deviceKeyId: string; authorityPublicKey: KeyObject; authorityPrivateKey: KeyObject } {
  const device = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const authority = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { deviceKey: device.privateKey, devicePublicKey: device.publicKey, deviceKeyId: 'test-device-key', authorityPublicKey: authority.publicKey, authorityPrivateKey: authority.privateKey };
}

export const SAMPLE_NAME = 'Nguyễn Văn Thử';
export const SAMPLE_ID_NUMBER = '079203001234';

export function sampleRecord(overrides: Partial<VerificationRecord> = {}): VerificationRecord {
  return {
    schemaVersion: 1,
    id: ulid(),
    siteId: 'site-1',
    deviceId: 'dev-a',
    startedAt: '2026-11-22T10:00:00.000Z',
    finishedAt: '2026-11-22T10:00:04.200Z',
    decision: 'verified',
    reasons: [{ code: 'face-match', messageVi: 'Khuôn mặt khớp với ảnh trong chip', detail: `holder ${SAMPLE_NAME}` }],
    accessKeySource: 'id-number',
    identity: {
      idNumber: SAMPLE_ID_NUMBER,
      fullName: SAMPLE_NAME,
      dateOfBirth: '1990-01-15',
      sex: 'Nam',
      nationality: 'Việt Nam',
      placeOfOrigin: 'Hà Nội',
      placeOfResidence: '12 Lê Lợi, Quận 1, TP. Hồ Chí Minh',
      dateOfIssue: '2021-05-01',
      dateOfExpiry: '2035-01-15',
      documentNumber: '001090012345',
    },
    chip: { accessProtocol: 'BAC', verdict: 'genuine', passive: 'passed', active: 'passed', chip: 'not-checked', photoSha256: 'ab'.repeat(32) },
    face: {
      decision: 'match',
      reasons: [],
      liveness: { decision: 'live', passiveScore: 0.93, passiveFrames: 12, challenge: 'blink', challengePassed: true, reasons: [] },
      similarity: 0.71,
      threshold: 0.45,
      quality: null,
      model: { name: 'test', sha256: 'cd'.repeat(32) },
      timings: { total: 900 },
      framesSeen: 30,
    },
    steps: [
      { step: 'access-key', ms: 5, outcome: 'ok' },
      { step: 'read-chip', ms: 2100, outcome: 'ok' },
      { step: 'face', ms: 1500, outcome: 'ok' },
    ],
    operatorReference: 'HĐ-2026-000123',
    ...overrides,
  };
}

type Schema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean;
  items?: Schema;
  pattern?: string;
  minLength?: number;
  minimum?: number;
  format?: string;
};

export function loadEventSchema(): Schema {
  return JSON.parse(readFileSync(new URL('./schema/verification-event.v1.json', import.meta.url), 'utf8')) as Schema;
}

/** Checks `value` against the JSON Schema subset our schema uses; returns the problems (empty = valid). */
export function checkSchema(schema: Schema, value: unknown, path = '$'): string[] {
  const problems: string[] = [];
  const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) return [`${path}: ${actual} is not ${types.join('|')}`];
  }
  if ('const' in schema && value !== schema.const) problems.push(`${path}: must be ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'string') {
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) problems.push(`${path}: does not match ${schema.pattern}`);
    if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${path}: shorter than ${schema.minLength}`);
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) problems.push(`${path}: not a date-time`);
  }
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum) problems.push(`${path}: below ${schema.minimum}`);
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => problems.push(...checkSchema(schema.items!, item, `${path}[${i}]`)));
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in object)) problems.push(`${path}.${key}: required`);
    for (const [key, child] of Object.entries(object)) {
      const sub = schema.properties?.[key];
      if (sub) problems.push(...checkSchema(sub, child, `${path}.${key}`));
      else if (schema.additionalProperties === false) problems.push(`${path}.${key}: not allowed`);
    }
  }
  return problems;
}

export function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (predicate()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}
