/**
 * The police export: a contiguous slice of the register as a self-verifying JSON Lines file. An inspector
 * checks it offline with nothing but the device's public key: every entry hash is recomputed from the hash
 * of the entry before the slice (the anchor), the register's own checkpoints in the slice are checked, and
 * a checkpoint the device signs at export time covers the slice's last entry — so an edited, removed or
 * reordered line, a changed anchor or a truncated file all show, by seq.
 *
 * JSON Lines rather than one JSON document: one entry per line, so a problem "at seq 42" is one line an
 * inspector can look at (grep, a text editor, jq -c); a truncated file is visible (the export checkpoint is
 * the last line); and the format can be read and written as a stream later without changing. `recordJson`
 * stays the exact stored text (a string inside the line), because the hash covers those bytes.
 *
 * The file holds personal data (names, ID numbers, optionally face frames): it is written 0600, atomically.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { XacminhError } from '../../drivers/errors.ts';
import { writeFileAtomicSync } from '../../drivers/atomic-file.ts';
import { keyIdOf } from '../datadir.ts';
import { GENESIS_HASH, checkpointProblem, entryHash, verifyChain, type ChainProblem, type Checkpoint } from './chain.ts';
import type { Register } from './register.ts';

export const EXPORT_FORMAT = 'xacminh-register-export';
export const EXPORT_VERSION = 1;

export interface ExportHeader {
  type: 'header';
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  createdAt: string;
  /** Distinct site and device ids found in the exported records. */
  siteIds: string[];
  deviceIds: string[];
  /** The current device key; `retiredKeys` (absent when the key never rotated) signed the older checkpoints. */
  device: { keyId: string; publicKeyJwk: JsonWebKey; retiredKeys?: { keyId: string; publicKeyJwk: JsonWebKey }[] };
  /** The times asked for ([from, to), null = open) and the contiguous seq slice that covers them. */
  range: { from: string | null; to: string | null; fromSeq: number; toSeq: number; entries: number };
  /** Hex hash of entry fromSeq - 1 (all zeros when the slice starts at the first entry). */
  previousHash: string;
  registerHeadSeq: number;
  /** Entries up to here were covered by the register's own checkpoints before the export; later ones only by the export's. */
  registerSignedThrough: number;
  frames: boolean;
  personalData: true;
  /** Problems the device found in its own chain when exporting. Not empty: the export is evidence, not signed. */
  registerProblems: ChainProblem[];
}

export interface ExportEntry {
  type: 'entry';
  seq: number;
  id: string;
  recordedAt: string;
  /** The record exactly as stored (the hash covers this text). */
  recordJson: string;
  /** Hex SHA-256 of the camera frame, or null when none was recorded. */
  frameSha256: string | null;
  /** Base64 JPEG, only with --frames. */
  frameJpeg?: string;
  hash: string;
}

export interface ExportCheckpoint {
  type: 'checkpoint' | 'export-checkpoint';
  seq: number;
  headHash: string;
  signedAt: string;
  keyId: string;
  /** base64url, ES256 in IEEE P1363 form (r || s). */
  signature: string;
}

export interface ExportBundle {
  header: ExportHeader;
  entries: ExportEntry[];
  checkpoints: ExportCheckpoint[];
  /** Signed by the device at export time over the last entry; null when the register did not verify. */
  exportCheckpoint: ExportCheckpoint | null;
}

export interface ExportOptions {
  from?: string;
  to?: string;
  frames?: boolean;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function checkpointLine(type: ExportCheckpoint['type'], c: Checkpoint): ExportCheckpoint {
  return { type, seq: c.seq, headHash: hex(c.headHash), signedAt: c.signedAt, keyId: c.keyId, signature: Buffer.from(c.signature).toString('base64url') };
}

/**
 * Reads the slice in one snapshot (safe while the agent appends), checks the stored chain from the first
 * entry to the slice's end, and signs the slice's last entry only if that chain verifies: the device never
 * vouches for a history it cannot prove. Throws INVALID_INPUT when no entry lies in the range.
 */
export function exportRegister(register: Register, options: ExportOptions = {}): ExportBundle {
  const createdAt = new Date().toISOString();
  return register.snapshot(() => {
    const range = register.seqRange({ ...(options.from ? { from: options.from } : {}), ...(options.to ? { to: options.to } : {}) });
    if (!range) throw new XacminhError('INVALID_INPUT', `No register entries recorded in [${options.from ?? 'start'}, ${options.to ?? 'now'})`, { from: options.from, to: options.to });
    const stored = register.checkpoints();
    const chain = verifyChain(register.entries(1, range.last), stored.filter((c) => c.seq <= range.last), register.verificationKeys);
    const previousHash = range.first <= 1 ? GENESIS_HASH : safePreviousHash(register, range.first);
    const siteIds = new Set<string>();
    const deviceIds = new Set<string>();
    const entries: ExportEntry[] = [];
    for (const row of register.entries(range.first, range.last)) {
      try {
        const record = JSON.parse(row.recordJson) as { siteId?: unknown; deviceId?: unknown };
        if (typeof record.siteId === 'string') siteIds.add(record.siteId);
        if (typeof record.deviceId === 'string') deviceIds.add(record.deviceId);
      } catch {
        // An unreadable record is still exported as stored; its hash tells whether it was altered.
      }
      entries.push({
        type: 'entry',
        seq: row.seq,
        id: row.id,
        recordedAt: row.recordedAt,
        recordJson: row.recordJson,
        frameSha256: row.frameSha256 ? hex(row.frameSha256) : null,
        ...(options.frames && row.frame ? { frameJpeg: Buffer.from(row.frame).toString('base64') } : {}),
        hash: hex(row.hash),
      });
    }
    const exportCheckpoint = chain.ok ? checkpointLine('export-checkpoint', register.attest(range.last, createdAt)) : null;
    const header: ExportHeader = {
      type: 'header',
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      createdAt,
      siteIds: [...siteIds],
      deviceIds: [...deviceIds],
      device: deviceKeysHeader(register),
      range: { from: options.from ?? null, to: options.to ?? null, fromSeq: range.first, toSeq: range.last, entries: entries.length },
      previousHash: hex(previousHash),
      registerHeadSeq: register.headSeq,
      registerSignedThrough: chain.signedThrough,
      frames: Boolean(options.frames),
      personalData: true,
      registerProblems: chain.problems,
    };
    return { header, entries, checkpoints: stored.filter((c) => c.seq >= range.first && c.seq <= range.last).map((c) => checkpointLine('checkpoint', c)), exportCheckpoint };
  });
}

/** A missing anchor entry is itself tampering; the export still goes out (as evidence) with a zero anchor. */
function safePreviousHash(register: Register, seq: number): Uint8Array {
  try {
    return register.previousHash(seq);
  } catch {
    return GENESIS_HASH;
  }
}

export function serializeExport(bundle: ExportBundle): string {
  const lines: unknown[] = [bundle.header, ...bundle.entries, ...bundle.checkpoints];
  if (bundle.exportCheckpoint) lines.push(bundle.exportCheckpoint);
  return `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`;
}

/** Writes the bundle atomically, readable by the owner only (it holds personal data). */
export function writeExport(path: string, bundle: ExportBundle): void {
  writeFileAtomicSync(path, serializeExport(bundle), 0o600, { keepMode: false });
}

/** Parses a bundle file; a line that is not JSON or not a known kind is a clear MALFORMED_DATA error with its line number. */
export function parseExport(text: string): ExportBundle {
  let header: ExportHeader | undefined;
  const entries: ExportEntry[] = [];
  const checkpoints: ExportCheckpoint[] = [];
  let exportCheckpoint: ExportCheckpoint | null = null;
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let value: { type?: unknown };
    try {
      value = JSON.parse(line) as { type?: unknown };
    } catch (error) {
      throw new XacminhError('MALFORMED_DATA', `Export line ${index + 1} is not JSON (${(error as Error).message}): the file is damaged or not a register export`, { line: index + 1 });
    }
    if (index === 0 || value.type === 'header') {
      const candidate = value as Partial<ExportHeader>;
      if (index !== 0 || candidate.type !== 'header' || candidate.format !== EXPORT_FORMAT) {
        throw new XacminhError('MALFORMED_DATA', `Not a register export: line 1 must be the ${EXPORT_FORMAT} header`, { line: index + 1 });
      }
      if (candidate.version !== EXPORT_VERSION) throw new XacminhError('UNSUPPORTED', `Register export version ${String(candidate.version)} is not supported (this software reads ${EXPORT_VERSION})`, { version: candidate.version });
      header = candidate as ExportHeader;
    } else if (value.type === 'entry') entries.push(value as ExportEntry);
    else if (value.type === 'checkpoint') checkpoints.push(value as ExportCheckpoint);
    else if (value.type === 'export-checkpoint' && !exportCheckpoint) exportCheckpoint = value as ExportCheckpoint;
    else throw new XacminhError('MALFORMED_DATA', `Export line ${index + 1}: unexpected line type ${JSON.stringify(value.type)}`, { line: index + 1 });
  }
  if (!header) throw new XacminhError('MALFORMED_DATA', 'The export is empty', {});
  return { header, entries, checkpoints, exportCheckpoint };
}

export interface ExportProblem {
  seq: number;
  kind: ChainProblem['kind'] | 'format' | 'key-mismatch' | 'unsigned' | 'register-problem';
  message: string;
}

export interface ExportReport {
  ok: boolean;
  entries: number;
  fromSeq: number;
  toSeq: number;
  /** The key the signatures were checked with, and whether the caller supplied it (else it came from the file). */
  key: { keyId: string; trusted: boolean };
  /** Valid register checkpoints inside the slice. */
  checkpoints: number;
  /** Last seq proven by a valid signature with no problem before it (the export checkpoint proves the whole slice). */
  signedThrough: number;
  exportSignedAt: string | null;
  problems: ExportProblem[];
}

/**
 * Checks a bundle offline. Without `trustedPublicKey` the key inside the file is used, which proves only
 * that the file is consistent with itself: `key.trusted` is then false and the caller should compare the key
 * id with the one on record for the terminal.
 */
export function verifyExport(bundle: ExportBundle, options: { trustedPublicKey?: KeyObject; trustedPublicKeys?: KeyObject[] } = {}): ExportReport {
  const problems: ExportProblem[] = [];
  const { header } = bundle;
  const toSeq = header.range?.toSeq ?? 0;
  const fromSeq = header.range?.fromSeq ?? 0;
  let embedded: KeyObject | undefined;
  try {
    embedded = createPublicKey({ key: header.device.publicKeyJwk, format: 'jwk' });
    if (keyIdOf(embedded) !== header.device.keyId) problems.push({ seq: 0, kind: 'format', message: `the header's key id ${header.device.keyId} is not the id of the key it carries` });
  } catch (error) {
    problems.push({ seq: 0, kind: 'format', message: `the header's device public key cannot be read: ${(error as Error).message}` });
  }
  // The inspector's keys, when given, are the only ones believed; otherwise the file's own (self-consistency only).
  const trustedKeys = [...(options.trustedPublicKey ? [options.trustedPublicKey] : []), ...(options.trustedPublicKeys ?? [])];
  const trusted = trustedKeys.length > 0;
  if (trusted && embedded && !trustedKeys.some((k) => keyIdOf(k) === keyIdOf(embedded!))) {
    problems.push({ seq: 0, kind: 'key-mismatch', message: `the export names device key ${header.device.keyId}, not a trusted key (${trustedKeys.map(keyIdOf).join(', ')}): it was not made by this terminal, or the file was re-signed` });
  }
  const keys = new Map<string, KeyObject>();
  if (trusted) for (const k of trustedKeys) keys.set(keyIdOf(k), k);
  else {
    for (const retired of header.device.retiredKeys ?? []) {
      try {
        const k = createPublicKey({ key: retired.publicKeyJwk, format: 'jwk' });
        keys.set(keyIdOf(k), k);
      } catch (error) {
        problems.push({ seq: 0, kind: 'format', message: `the header's retired key ${String(retired.keyId)} cannot be read: ${(error as Error).message}` });
      }
    }
    if (embedded) keys.set(keyIdOf(embedded), embedded);
  }
  const key = embedded && keys.has(keyIdOf(embedded)) ? embedded : trustedKeys[0];
  if (!key) return report(bundle, problems, { keyId: header.device?.keyId ?? '?', trusted: false }, 0, 0);

  const decode = (value: unknown, seq: number, field: string, encoding: 'hex' | 'base64' | 'base64url'): Uint8Array => {
    const pattern = encoding === 'hex' ? /^(?:[0-9a-f]{2})*$/ : encoding === 'base64' ? /^[A-Za-z0-9+/]*={0,2}$/ : /^[A-Za-z0-9_-]*$/;
    if (typeof value !== 'string' || !pattern.test(value)) {
      problems.push({ seq, kind: 'format', message: `entry ${seq}: ${field} is not ${encoding}` });
      return new Uint8Array(0);
    }
    return new Uint8Array(Buffer.from(value, encoding));
  };

  const anchor = decode(header.previousHash, fromSeq, 'previousHash', 'hex');
  const chained = bundle.entries.map((e) => ({
    seq: e.seq,
    id: String(e.id),
    recordedAt: String(e.recordedAt),
    recordJson: String(e.recordJson),
    frameSha256: e.frameSha256 === null ? null : decode(e.frameSha256, e.seq, 'frameSha256', 'hex'),
    frame: e.frameJpeg === undefined ? null : decode(e.frameJpeg, e.seq, 'frameJpeg', 'base64'),
    hash: decode(e.hash, e.seq, 'hash', 'hex'),
  }));
  const toCheckpoint = (c: ExportCheckpoint): Checkpoint => ({
    seq: c.seq,
    headHash: decode(c.headHash, c.seq, 'checkpoint headHash', 'hex'),
    signedAt: String(c.signedAt),
    keyId: String(c.keyId),
    signature: decode(c.signature, c.seq, 'checkpoint signature', 'base64url'),
  });
  const chain = verifyChain(chained, bundle.checkpoints.map(toCheckpoint), keys, { seq: fromSeq - 1, hash: anchor });
  problems.push(...chain.problems);

  const last = chained.at(-1);
  if (chained.length !== header.range.entries) problems.push({ seq: last?.seq ?? fromSeq, kind: 'gap', message: `the header announces ${header.range.entries} entries, the file has ${chained.length}` });
  if (!last || last.seq < toSeq) problems.push({ seq: last ? last.seq + 1 : fromSeq, kind: 'gap', message: `entries ${last ? last.seq + 1 : fromSeq}..${toSeq} are missing from the end of the export` });
  for (const problem of header.registerProblems ?? []) {
    problems.push({ seq: problem.seq, kind: 'register-problem', message: `the terminal's register already failed verification when exported: ${problem.message}` });
  }

  let signedThrough = chain.signedThrough;
  const exported = bundle.exportCheckpoint;
  if (!exported) {
    problems.push({ seq: toSeq, kind: 'unsigned', message: 'the export carries no signature of the terminal made at export time (the register did not verify, or the last line was removed)' });
  } else if (last) {
    const checkpoint = toCheckpoint(exported);
    const beforeLast = chained.length > 1 ? chained[chained.length - 2]!.hash : anchor;
    if (checkpoint.seq !== last.seq) problems.push({ seq: checkpoint.seq, kind: 'checkpoint-mismatch', message: `the export checkpoint covers entry ${checkpoint.seq}, but the last entry is ${last.seq}` });
    else if (checkpointProblem(keys, checkpoint, 'the export checkpoint')) problems.push({ seq: last.seq, kind: 'bad-checkpoint', message: checkpointProblem(keys, checkpoint, 'the export checkpoint')! });
    else if (!Buffer.from(checkpoint.headHash).equals(entryHash(beforeLast, last))) {
      problems.push({ seq: last.seq, kind: 'checkpoint-mismatch', message: `the export checkpoint at ${last.seq} signed a different history` });
    } else if (problems.length === 0) signedThrough = last.seq;
  }
  return report(bundle, problems, { keyId: keyIdOf(key), trusted }, chain.checkpoints, signedThrough);
}

function report(bundle: ExportBundle, problems: ExportProblem[], key: ExportReport['key'], checkpoints: number, signedThrough: number): ExportReport {
  problems.sort((a, b) => a.seq - b.seq);
  return {
    ok: problems.length === 0,
    entries: bundle.entries.length,
    fromSeq: bundle.header.range?.fromSeq ?? 0,
    toSeq: bundle.header.range?.toSeq ?? 0,
    key,
    checkpoints,
    signedThrough,
    exportSignedAt: bundle.exportCheckpoint?.signedAt ?? null,
    problems,
  };
}

function deviceKeysHeader(register: Register): ExportHeader['device'] {
  const retired = [...register.verificationKeys].filter(([keyId]) => keyId !== register.deviceKeyId);
  return {
    keyId: register.deviceKeyId,
    publicKeyJwk: register.publicKey.export({ format: 'jwk' }),
    ...(retired.length ? { retiredKeys: retired.map(([keyId, key]) => ({ keyId, publicKeyJwk: key.export({ format: 'jwk' }) })) } : {}),
  };
}
