/**
 * The police export: a contiguous slice of the register as a self-verifying JSON Lines file (format in
 * export-format.ts, checking in export-verify.ts). An inspector checks it offline with the device's public
 * key or certificate: every entry hash is recomputed from the hash of the entry before the slice (the anchor),
 * the register's own checkpoints in the slice are checked, and the device signs at export time the header
 * (range, anchor, creation time, key ids) together with the last entry's hash — so an edited, removed or
 * reordered line, a patched header (a dropped head), a changed anchor or a truncated file all show, by seq.
 *
 * JSON Lines rather than one JSON document: one entry per line, so a problem "at seq 42" is one line an
 * inspector can look at (grep, a text editor, jq -c); the file is written and read as a stream, so an export
 * of a year of entries with their frames never sits in memory. `recordJson` stays the exact stored text
 * (a string inside the line), because the hash covers those bytes.
 *
 * The file holds personal data (names, ID numbers, optionally face frames): it is written 0600, atomically.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { XacminhError } from '../../drivers/errors.ts';
import { openAtomicStreamSync } from '../../drivers/atomic-file.ts';
import { keyIdOf } from '../datadir.ts';
import { GENESIS_HASH, signCheckpoint, verifyChain, type Checkpoint } from './chain.ts';
import { bundleLines, EXPORT_FORMAT, EXPORT_VERSION, headerDigest, signExport, type ExportBundle, type ExportCheckpoint, type ExportEntry, type ExportHeader, type ExportLine } from './export-format.ts';
import type { EntryRowView, Register } from './register.ts';

export * from './export-format.ts';
export { openExportEntry, parseExport, readExportFile, verifyExport, type ExportProblem, type ExportReport, type VerifyExportOptions } from './export-verify.ts';

export interface ExportOptions {
  /** The device's current private key: signs the export. It must be the key the register signs with. */
  signingKey: KeyObject;
  /** A time range [from, to) (ISO) … */
  from?: string;
  to?: string;
  /** … or a seq range [fromSeq, toSeq] (toSeq past the head is the head). Not both. */
  fromSeq?: number;
  toSeq?: number;
  frames?: boolean;
  /** The export's creation time (tests); default now. */
  now?: () => Date;
}

/** What was written: the header, and the export checkpoint (null when the register did not verify: evidence, unsigned). */
export interface ExportSummary {
  header: ExportHeader;
  exportCheckpoint: ExportCheckpoint | null;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function checkpointLine(c: Checkpoint): ExportCheckpoint {
  return { type: 'checkpoint', seq: c.seq, headHash: hex(c.headHash), signedAt: c.signedAt, keyId: c.keyId, signature: Buffer.from(c.signature).toString('base64url') };
}

/**
 * Produces the export line by line into `emit`, in one snapshot (safe while the agent appends): first the
 * range is resolved to seqs and the stored chain checked from the first entry to the slice's end (collecting
 * the header's ids on the way), then the header, entries and checkpoints are emitted. The device signs only
 * if that chain verifies: it never vouches for a history it cannot prove. Throws INVALID_INPUT when no entry
 * lies in the range.
 */
export function streamExport(register: Register, options: ExportOptions, emit: (line: ExportLine) => void): ExportSummary {
  const signerId = keyIdOf(createPublicKey(options.signingKey));
  if (signerId !== register.deviceKeyId) {
    throw new XacminhError('INVALID_INPUT', `The export signing key ${signerId} is not the register's device key ${register.deviceKeyId}`, { keyId: signerId });
  }
  const createdAt = (options.now?.() ?? new Date()).toISOString();
  return register.snapshot(() => {
    const range = resolveRange(register, options);
    const stored = register.checkpoints();
    const siteIds = new Set<string>();
    const deviceIds = new Set<string>();
    let entries = 0;
    let lastHash: Uint8Array | null = null;
    const scan = function* () {
      for (const row of register.entries(1, range.last)) {
        if (row.seq >= range.first) {
          entries++;
          lastHash = row.hash;
          collectIds(row.recordJson, siteIds, deviceIds);
        }
        yield row;
      }
    };
    const chain = verifyChain(scan(), stored.filter((c) => c.seq <= range.last), register.verificationKeys);
    const retiredKeyIds = [...register.verificationKeys.keys()].filter((keyId) => keyId !== register.deviceKeyId);
    const header: ExportHeader = {
      type: 'header',
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      createdAt,
      siteIds: [...siteIds],
      deviceIds: [...deviceIds],
      device: { keyId: register.deviceKeyId, ...(retiredKeyIds.length ? { retiredKeyIds } : {}) },
      range: { from: options.from ?? null, to: options.to ?? null, fromSeq: range.first, toSeq: range.last, entries },
      previousHash: hex(range.first <= 1 ? GENESIS_HASH : safePreviousHash(register, range.first)),
      registerHeadSeq: register.headSeq,
      registerSignedThrough: chain.signedThrough,
      frames: Boolean(options.frames),
      personalData: true,
      registerProblems: chain.problems,
      register: registerIdentity(register),
    };
    const signedHash = lastHash as Uint8Array | null;
    let exportCheckpoint: ExportCheckpoint | null = null;
    if (chain.ok && signedHash) {
      const headHash = hex(signedHash);
      const headerSha256 = headerDigest(header);
      exportCheckpoint = {
        ...checkpointLine(signCheckpoint(options.signingKey, signerId, range.last, signedHash, createdAt)),
        type: 'export-checkpoint',
        headerSha256,
        exportSignature: signExport(options.signingKey, headerSha256, range.last, headHash, createdAt),
      };
    }
    emit(header);
    const bySeq = new Map(stored.filter((c) => c.seq >= range.first && c.seq <= range.last).map((c) => [c.seq, checkpointLine(c)]));
    for (const row of register.entries(range.first, range.last)) {
      emit(exportEntry(register, row, Boolean(options.frames)));
      const checkpoint = bySeq.get(row.seq);
      if (checkpoint) {
        bySeq.delete(row.seq);
        emit(checkpoint);
      }
    }
    // A checkpoint whose entry is gone (tampering) still goes out: the verifier reports it.
    for (const orphan of bySeq.values()) emit(orphan);
    if (exportCheckpoint) emit(exportCheckpoint);
    return { header, exportCheckpoint };
  });
}

/** The whole export in memory: for small slices and tests. A file goes through writeRegisterExport. */
export function exportRegister(register: Register, options: ExportOptions): ExportBundle {
  const entries: ExportEntry[] = [];
  const checkpoints: ExportCheckpoint[] = [];
  const { header, exportCheckpoint } = streamExport(register, options, (line) => {
    if (line.type === 'entry') entries.push(line);
    else if (line.type === 'checkpoint') checkpoints.push(line);
  });
  return { header, entries, checkpoints, exportCheckpoint };
}

/** Streams the export to `path` (0600, atomic: the file appears complete or not at all). */
export function writeRegisterExport(path: string, register: Register, options: ExportOptions): ExportSummary {
  return writeLines(path, (emit) => streamExport(register, options, emit));
}

export function serializeExport(bundle: ExportBundle): string {
  return [...bundleLines(bundle)].map((line) => `${JSON.stringify(line)}\n`).join('');
}

/** Writes a bundle already in memory, the same way. */
export function writeExport(path: string, bundle: ExportBundle): void {
  writeLines(path, (emit) => {
    for (const line of bundleLines(bundle)) emit(line);
  });
}

function writeLines<T>(path: string, produce: (emit: (line: ExportLine) => void) => T): T {
  const out = openAtomicStreamSync(path, 0o600);
  try {
    const result = produce((line) => out.write(`${JSON.stringify(line)}\n`));
    out.commit();
    return result;
  } finally {
    out.abort();
  }
}

/**
 * The seq slice to export. A time range becomes [first, last] of the entries recorded in it, read in the
 * caller's snapshot, so the header's hashes and the entries come from the same rows even if the clock went
 * back (recorded_at is not monotonic; seq is).
 */
function resolveRange(register: Register, options: ExportOptions): { first: number; last: number } {
  const bySeq = options.fromSeq !== undefined || options.toSeq !== undefined;
  if (bySeq && (options.from !== undefined || options.to !== undefined)) {
    throw new XacminhError('INVALID_INPUT', 'Give a time range (--from/--to) or a seq range (--from-seq/--to-seq), not both', { field: 'from-seq' });
  }
  if (!bySeq) {
    const range = register.seqRange({ ...(options.from ? { from: options.from } : {}), ...(options.to ? { to: options.to } : {}) });
    if (!range) throw new XacminhError('INVALID_INPUT', `No register entries recorded in [${options.from ?? 'start'}, ${options.to ?? 'now'})`, { from: options.from, to: options.to });
    return range;
  }
  const head = register.headSeq;
  const first = options.fromSeq ?? 1;
  const last = Math.min(options.toSeq ?? head, head);
  for (const [field, value] of [['from-seq', options.fromSeq], ['to-seq', options.toSeq]] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) throw new XacminhError('INVALID_INPUT', `--${field} must be a whole number ≥ 1, got ${value}`, { field });
  }
  if (options.toSeq !== undefined && first > options.toSeq) throw new XacminhError('INVALID_INPUT', `--from-seq ${first} is after --to-seq ${options.toSeq}`, { field: 'from-seq' });
  if (first > head) throw new XacminhError('INVALID_INPUT', `No register entry ${first}: the register has ${head} entries`, { field: 'from-seq', head });
  return { first, last };
}

function collectIds(recordJson: string, siteIds: Set<string>, deviceIds: Set<string>): void {
  try {
    const record = JSON.parse(recordJson) as { siteId?: unknown; deviceId?: unknown };
    if (typeof record.siteId === 'string') siteIds.add(record.siteId);
    if (typeof record.deviceId === 'string') deviceIds.add(record.deviceId);
  } catch {
    // An unreadable record is still exported as stored; its hash tells whether it was altered.
  }
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/**
 * One entry line. Format 2 hands out the blobs with their per-entry keys (never the data key), so the
 * inspector reads exactly the personal data of the entries exported; a purged entry keeps only its digests.
 */
function exportEntry(register: Register, row: EntryRowView, frames: boolean): ExportEntry {
  const common = { type: 'entry' as const, seq: row.seq, id: row.id, format: row.format, kind: row.kind, recordedAt: row.recordedAt };
  if (row.format === 1) {
    return { ...common, recordJson: row.recordJson, frameSha256: row.frameSha256 ? hex(row.frameSha256) : null, ...(frames && row.frame ? { frameJpeg: b64(row.frame) } : {}), hash: hex(row.hash) };
  }
  const sealedKey = row.sealed ? register.partKey(row.id, 'sealed') : null;
  const frameKey = frames && row.frame ? register.partKey(row.id, 'frame') : null;
  return {
    ...common,
    publicJson: row.publicJson,
    sealedSha256: row.sealedSha256 ? hex(row.sealedSha256) : null,
    ...(row.sealed ? { sealed: b64(row.sealed) } : {}),
    ...(sealedKey ? { sealedKey: b64(sealedKey) } : {}),
    frameSha256: row.frameSha256 ? hex(row.frameSha256) : null,
    ...(frames && row.frame ? { frame: b64(row.frame) } : {}),
    ...(frameKey ? { frameKey: b64(frameKey) } : {}),
    hash: hex(row.hash),
  };
}

/** registerId and genesis hash from a genesis entry at seq 1; nulls for a register from before genesis entries. */
function registerIdentity(register: Register): ExportHeader['register'] {
  const first = register.read(1);
  if (!first || first.kind !== 'genesis') return { registerId: null, genesisHash: null };
  const registerId = (first.public as { registerId?: unknown } | null)?.registerId;
  return { registerId: typeof registerId === 'string' ? registerId : null, genesisHash: first.hash };
}

/** A missing anchor entry is itself tampering; the export still goes out (as evidence) with a zero anchor. */
function safePreviousHash(register: Register, seq: number): Uint8Array {
  try {
    return register.previousHash(seq);
  } catch {
    return GENESIS_HASH;
  }
}
