/**
 * One-time enrolment codes: bound to one site, valid at most 15 minutes, used once. Only a SHA-256 of each
 * code is stored (the code has 120 random bits, so a plain hash cannot be searched back).
 */
import { createHash, randomInt } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { XacminhError } from '../../../drivers/errors.ts';
import { assertId } from '../pki.ts';
import { readJson, writeJson } from '../json-file.ts';

export const MAX_CODE_TTL_MINUTES = 15;

const codesSchema = z.array(z.strictObject({ hash: z.string(), siteId: z.string(), expiresAt: z.iso.datetime(), usedAt: z.iso.datetime().nullable(), usedBy: z.string().nullable() }));
type CodeEntry = z.infer<typeof codesSchema>[number];

const ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ0123456789'; // Crockford-like: no I, L, O, U to misread

function hashOf(code: string): string {
  return createHash('sha256').update(code.trim().toUpperCase().replace(/[\s-]/g, '')).digest('hex');
}

export class CodeBook {
  private readonly path: string;
  constructor(dir: string) {
    this.path = join(dir, 'codes.json');
  }

  issue(siteId: string, ttlMinutes: number, now: Date): { code: string; expiresAt: string } {
    assertId(siteId, 'site');
    if (!Number.isFinite(ttlMinutes) || ttlMinutes <= 0 || ttlMinutes > MAX_CODE_TTL_MINUTES) {
      throw new XacminhError('INVALID_INPUT', `--ttl-minutes must be more than 0 and at most ${MAX_CODE_TTL_MINUTES} (got ${ttlMinutes})`, { ttlMinutes });
    }
    let code = '';
    for (let i = 0; i < 24; i++) code += ALPHABET[randomInt(ALPHABET.length)];
    const grouped = code.match(/.{4}/g)?.join('-') ?? code;
    const expiresAt = new Date(now.getTime() + ttlMinutes * 60_000).toISOString();
    // Expired codes are dropped as new ones are issued: the file stays small.
    const kept = this.read().filter((c) => Date.parse(c.expiresAt) > now.getTime());
    writeJson(this.path, [...kept, { hash: hashOf(grouped), siteId, expiresAt, usedAt: null, usedBy: null }]);
    return { code: grouped, expiresAt };
  }

  /** Why this code cannot enrol a device of `siteId` now, or null when it can. */
  problem(code: string, siteId: string, now: Date): string | null {
    const entry = this.find(code);
    if (!entry) return 'unknown enrolment code';
    if (entry.usedAt) return 'this enrolment code was already used: issue a new one';
    if (Date.parse(entry.expiresAt) <= now.getTime()) return 'this enrolment code expired: issue a new one';
    if (entry.siteId !== siteId) return `this enrolment code is for another site, not ${siteId}`;
    return null;
  }

  consume(code: string, deviceId: string, now: Date): void {
    const hash = hashOf(code);
    writeJson(this.path, this.read().map((c): CodeEntry => (c.hash === hash ? { ...c, usedAt: now.toISOString(), usedBy: deviceId } : c)));
  }

  private find(code: string): CodeEntry | undefined {
    const hash = hashOf(code);
    return this.read().find((c) => c.hash === hash);
  }

  private read(): CodeEntry[] {
    return readJson(this.path, codesSchema, []);
  }
}
