/**
 * How the register's rows are read: the SQL that joins an entry with its private row, and the views built
 * from it (the chain view for verification and exports, the opened entry for pages and the CLI). Schema 1
 * files opened read-only (no migration) read as format-1 rows through the same columns.
 */
import type { VerificationRecord } from '../session/record.ts';
import type { ChainedEntry } from './chain.ts';
import { unseal } from './seal.ts';

export interface EntryRow {
  seq: number;
  id: string;
  recorded_at: string;
  decision: string;
  record_json: string;
  frame_jpeg: Buffer | null;
  frame_sha256: Buffer | null;
  hash: Buffer;
  format: 1 | 2;
  kind: string;
  sealed_sha256: Buffer | null;
  p_sealed: Buffer | null;
  p_frame: Buffer | null;
  has_private: number;
}

export function entrySelect(schemaVersion: number): string {
  return schemaVersion >= 2
    ? 'SELECT e.seq, e.id, e.recorded_at, e.decision, e.record_json, e.frame_jpeg, e.frame_sha256, e.hash, e.format, e.kind, e.sealed_sha256, p.sealed AS p_sealed, p.frame AS p_frame, p.seq IS NOT NULL AS has_private FROM entries e LEFT JOIN entry_private p ON p.seq = e.seq'
    : "SELECT e.seq, e.id, e.recorded_at, e.decision, e.record_json, e.frame_jpeg, e.frame_sha256, e.hash, 1 AS format, 'verification' AS kind, NULL AS sealed_sha256, NULL AS p_sealed, NULL AS p_frame, 0 AS has_private FROM entries e";
}

/** One stored entry as the chain sees it (blobs as stored: encrypted for format 2). */
export interface EntryRowView {
  seq: number;
  id: string;
  recordedAt: string;
  decision: string;
  format: 1 | 2;
  kind: string;
  /** The stored text the hash covers: the whole record (format 1) or the public part (format 2). */
  recordJson: string;
  publicJson: string;
  /** Format 1: the clear JPEG; format 2: the encrypted frame blob (null once purged). */
  frame: Uint8Array | null;
  frameSha256: Uint8Array | null;
  /** Format 2: the encrypted personal part (null once purged, or none). */
  sealed: Uint8Array | null;
  sealedSha256: Uint8Array | null;
  hash: Uint8Array;
  /** Format 2 with digests but no private row left: retention removed the personal data. */
  purged: boolean;
}

export function viewOf(row: EntryRow): EntryRowView {
  const format = row.format === 2 ? 2 : 1;
  return {
    seq: row.seq,
    id: row.id,
    recordedAt: row.recorded_at,
    decision: row.decision,
    format,
    kind: row.kind,
    recordJson: row.record_json,
    publicJson: row.record_json,
    // Buffers are Uint8Arrays already: no copy per row (a million-entry verify allocates enough as it is).
    frame: format === 2 ? row.p_frame : row.frame_jpeg,
    frameSha256: row.frame_sha256,
    sealed: row.p_sealed,
    sealedSha256: row.sealed_sha256,
    hash: row.hash,
    purged: format === 2 && (row.sealed_sha256 !== null || row.frame_sha256 !== null) && !row.has_private,
  };
}

export interface EntrySummary {
  seq: number;
  id: string;
  recordedAt: string;
  decision: string;
}

export interface RegisterEntry {
  seq: number;
  id: string;
  kind: string;
  format: 1 | 2;
  recordedAt: string;
  decision: string;
  /** Parsed public JSON; for format 1 the whole record. */
  public: unknown;
  sealed: unknown | null;
  sealedState: 'present' | 'purged' | 'locked' | 'none';
  /** Decrypted (or format 1's clear frame); null when none, purged or locked. */
  frameJpeg: Uint8Array | null;
  hash: string;
}

/** Opens an entry's sealed part and frame with the data key (absent: 'locked'; a failed tag reads as locked too). */
export function openEntry(row: EntryRow, dataKey: Uint8Array | undefined): RegisterEntry {
  const view = viewOf(row);
  const base = { seq: row.seq, id: row.id, kind: row.kind, format: view.format, recordedAt: row.recorded_at, decision: row.decision, public: parseJson(row.record_json), hash: row.hash.toString('hex') };
  if (view.format === 1) return { ...base, sealed: null, sealedState: 'none', frameJpeg: row.frame_jpeg ? new Uint8Array(row.frame_jpeg) : null };
  let sealed: unknown = null;
  let sealedState: RegisterEntry['sealedState'] = 'none';
  if (row.sealed_sha256) {
    if (!row.p_sealed) sealedState = 'purged';
    else if (!dataKey) sealedState = 'locked';
    else {
      const plain = unseal(dataKey, row.id, 'sealed', row.p_sealed);
      sealedState = plain ? 'present' : 'locked';
      sealed = plain ? parseJson(Buffer.from(plain).toString('utf8')) : null;
    }
  }
  const frameJpeg = row.p_frame && dataKey ? unseal(dataKey, row.id, 'frame', row.p_frame) : null;
  return { ...base, sealed, sealedState, frameJpeg };
}

/** A verification record as recorded: the public part with the identity restored from the sealed part when it could be opened. */
export function recordOf(entry: RegisterEntry): VerificationRecord {
  const record = entry.public as VerificationRecord;
  if (entry.format === 1) return record;
  const identity = (entry.sealed as { identity?: VerificationRecord['identity'] } | null)?.identity ?? null;
  return { ...record, identity };
}

export function summaryOf(row: { seq: number; id: string; recorded_at: string; decision: string }): EntrySummary {
  return { seq: row.seq, id: row.id, recordedAt: row.recorded_at, decision: row.decision };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A damaged row is still shown as stored; verify() says whether it was altered.
    return text;
  }
}

/**
 * The verifier's rows, as arrays rather than named objects (raw mode). Text stays text: a BLOB column costs
 * a Buffer (and garbage collection) per row, a string is cheaper to get and is encoded straight into the
 * hash input (chain.ts).
 */
export function chainSelect(schemaVersion: number): string {
  const text = 'e.seq, e.id, e.recorded_at, e.record_json, e.frame_sha256, e.hash';
  return schemaVersion >= 2
    ? `SELECT ${text}, e.format, e.kind, e.sealed_sha256, p.sealed, CASE WHEN e.format = 2 THEN p.frame ELSE e.frame_jpeg END FROM entries e LEFT JOIN entry_private p ON p.seq = e.seq WHERE e.seq >= ? AND e.seq <= ? ORDER BY e.seq`
    : `SELECT ${text}, 1, NULL, NULL, NULL, e.frame_jpeg FROM entries e WHERE e.seq >= ? AND e.seq <= ? ORDER BY e.seq`;
}

type ChainRaw = [number, string, string, string, Buffer | null, Buffer, 1 | 2, string | null, Buffer | null, Buffer | null, Buffer | null];

export function* chainRows(rows: Iterable<unknown>): Generator<ChainedEntry & { hash: Uint8Array; frame: Uint8Array | null; sealed: Uint8Array | null }> {
  for (const raw of rows) {
    const [seq, id, recordedAt, recordJson, frameSha256, hash, format, kind, sealedSha256, sealed, frame] = raw as ChainRaw;
    yield { seq, id, recordedAt, recordJson, frameSha256, hash, format: format === 2 ? 2 : 1, kind: kind ?? 'verification', sealedSha256, sealed, frame };
  }
}
