/**
 * The register's tamper evidence, as pure functions: each entry's hash covers the previous hash, its
 * position, its id, its time, the exact stored record text and the frame's digest; a checkpoint is the
 * device key's ES256 signature over (seq, head hash, time). Editing, removing or reordering any entry
 * breaks every later hash; rewriting the whole chain needs the device key to re-sign the checkpoints.
 */
import * as cryptoModule from 'node:crypto';
import { createHash, sign, verify, type KeyObject } from 'node:crypto';

export const GENESIS_HASH = new Uint8Array(32);

/** Text fields may come as their UTF-8 bytes (the verifier reads them so from SQLite: no decode and re-encode per entry). */
export type TextOrBytes = string | Uint8Array;

export interface ChainedEntry {
  seq: number;
  id: TextOrBytes;
  recordedAt: TextOrBytes;
  /** Format 1: the whole record; format 2: the public part (publicJson), exactly as stored. */
  recordJson: TextOrBytes;
  frameSha256: Uint8Array | null;
  /** Absent = 1 (rows and export lines from before format 2). */
  format?: 1 | 2;
  kind?: TextOrBytes;
  sealedSha256?: Uint8Array | null;
}

/** crypto.hash (Node ≥ 20.12) hashes without a Hash object per call; createHash where it is missing. */
const oneShot: (data: Uint8Array | string) => Buffer =
  typeof (cryptoModule as { hash?: unknown }).hash === 'function' ? (data) => cryptoModule.hash('sha256', data, 'buffer') : (data) => createHash('sha256').update(data).digest();

export function sha256(data: Uint8Array | string): Buffer {
  return oneShot(data);
}

export const textOf = (value: TextOrBytes): string => (typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8'));

const PREFIX_1 = Buffer.from('xacminh-register-entry/1');
const PREFIX_2 = Buffer.from('xacminh-register-entry/2');
/** One growing scratch buffer: an entry's hash input is assembled here and hashed in one call (a million entries, a million fewer allocations). */
let scratch = Buffer.allocUnsafe(8192);

function put(out: Buffer, at: number, field: TextOrBytes): number {
  if (typeof field === 'string') {
    const length = out.write(field, at + 4, 'utf8');
    out.writeUInt32BE(length, at);
    return at + 4 + length;
  }
  out.writeUInt32BE(field.length, at);
  out.set(field, at + 4);
  return at + 4 + field.length;
}

const room = (field: TextOrBytes): number => 4 + (typeof field === 'string' ? field.length * 3 : field.length);

/**
 * Fields are length-prefixed so no two different entries can serialise to the same bytes.
 * Format 1: SHA-256("xacminh-register-entry/1" || previous || seq u64 BE || lp(id) || lp(recordedAt) || lp(recordJson) || frameSha256?)
 * Format 2 (FORMAT.md): covers the kind, the public JSON and the digests of the encrypted blobs (not the
 * blobs), so deleting the blobs at purge keeps the chain verifiable; opt() marks absence explicitly.
 */
export function entryHash(previous: Uint8Array, entry: ChainedEntry): Buffer {
  const v2 = entry.format === 2;
  const fields = v2 ? [entry.kind ?? 'verification', entry.id, entry.recordedAt, entry.recordJson] : [entry.id, entry.recordedAt, entry.recordJson];
  // An upper bound (UTF-8 takes at most 3 bytes per UTF-16 unit): no byteLength pass over the text.
  let size = 24 + previous.length + 8 + 66;
  for (const field of fields) size += room(field);
  if (scratch.length < size) scratch = Buffer.allocUnsafe(size * 2);
  const out = scratch;
  const prefix = v2 ? PREFIX_2 : PREFIX_1;
  out.set(prefix, 0);
  let at = prefix.length;
  out.set(previous, at);
  at += previous.length;
  out.writeBigUInt64BE(BigInt(entry.seq), at);
  at += 8;
  for (const field of fields) at = put(out, at, field);
  if (v2) {
    for (const digest of [entry.sealedSha256 ?? null, entry.frameSha256]) {
      if (digest) {
        out[at] = 1;
        out.set(digest, at + 1);
        at += 1 + digest.length;
      } else out[at++] = 0;
    }
  } else if (entry.frameSha256) {
    out.set(entry.frameSha256, at);
    at += entry.frameSha256.length;
  }
  return oneShot(out.subarray(0, at));
}

export interface Checkpoint {
  seq: number;
  headHash: Uint8Array;
  signedAt: string;
  keyId: string;
  signature: Uint8Array;
}

function checkpointMessage(seq: number, headHash: Uint8Array, signedAt: string): Buffer {
  return Buffer.from(`xacminh-register-checkpoint/1\n${seq}\n${Buffer.from(headHash).toString('hex')}\n${signedAt}`, 'utf8');
}

export function signCheckpoint(key: KeyObject, keyId: string, seq: number, headHash: Uint8Array, signedAt: string): Checkpoint {
  const signature = sign('sha256', checkpointMessage(seq, headHash, signedAt), { key, dsaEncoding: 'ieee-p1363' });
  return { seq, headHash, signedAt, keyId, signature: new Uint8Array(signature) };
}

/**
 * What checkpoints are checked against: one key (an inspector's trusted key), or the device's keys by key id
 * (its key rotates at certificate renewal; each checkpoint names the key that signed it).
 */
export type CheckpointKeys = KeyObject | ReadonlyMap<string, KeyObject>;

function keyFor(keys: CheckpointKeys, checkpoint: Checkpoint): KeyObject | undefined {
  return keys instanceof Map ? keys.get(checkpoint.keyId) : (keys as KeyObject);
}

/** Why a checkpoint does not verify, or null when it does (the key it names is known and signed it). */
export function checkpointProblem(keys: CheckpointKeys, checkpoint: Checkpoint, what = 'checkpoint'): string | null {
  const key = keyFor(keys, checkpoint);
  if (!key) return `${what} at ${checkpoint.seq} is signed with key ${checkpoint.keyId}, which is not one of this device's keys`;
  return checkpointValid(key, checkpoint) ? null : `${what} at ${checkpoint.seq} is not signed by this device's key`;
}

export function checkpointValid(publicKey: KeyObject, checkpoint: Checkpoint): boolean {
  return verify('sha256', checkpointMessage(checkpoint.seq, checkpoint.headHash, checkpoint.signedAt), { key: publicKey, dsaEncoding: 'ieee-p1363' }, checkpoint.signature);
}

export interface ChainProblem {
  seq: number;
  kind: 'hash-mismatch' | 'gap' | 'bad-checkpoint' | 'checkpoint-mismatch' | 'frame-mismatch' | 'sealed-mismatch';
  message: string;
}

export interface ChainReport {
  entries: number;
  checkpoints: number;
  /** seq of the last entry covered by a valid signed checkpoint (0 if none). */
  signedThrough: number;
  headHash: string;
  problems: ChainProblem[];
  ok: boolean;
}

/** Walks entries in seq order (a generator, so a large register is never held in memory at once). */
export function verifyChain(
  entries: Iterable<ChainedEntry & { hash: Uint8Array; frame?: Uint8Array | null; sealed?: Uint8Array | null }>,
  checkpoints: Checkpoint[],
  keys: CheckpointKeys,
  start: { seq: number; hash: Uint8Array } = { seq: 0, hash: GENESIS_HASH },
): ChainReport {
  const problems: ChainProblem[] = [];
  const wanted = new Map(checkpoints.map((c) => [c.seq, c]));
  let previous = start.hash;
  let expectedSeq = start.seq + 1;
  let count = 0;
  let signedThrough = 0;
  let validCheckpoints = 0;
  for (const entry of entries) {
    count++;
    if (entry.seq !== expectedSeq) problems.push({ seq: entry.seq, kind: 'gap', message: `entry ${expectedSeq} is missing (next is ${entry.seq})` });
    if (entry.frame && entry.frameSha256 && !sha256(entry.frame).equals(entry.frameSha256)) {
      problems.push({ seq: entry.seq, kind: 'frame-mismatch', message: `entry ${entry.seq}: the stored camera frame is not the one recorded` });
    }
    if (entry.sealed && entry.sealedSha256 && !sha256(entry.sealed).equals(entry.sealedSha256)) {
      problems.push({ seq: entry.seq, kind: 'sealed-mismatch', message: `entry ${entry.seq}: the stored personal data is not the one recorded` });
    }
    const computed = entryHash(previous, entry);
    if (!computed.equals(entry.hash)) problems.push({ seq: entry.seq, kind: 'hash-mismatch', message: `entry ${entry.seq} (${textOf(entry.id)}) was altered, or an entry before it was` });
    previous = entry.hash;
    expectedSeq = entry.seq + 1;
    const checkpoint = wanted.get(entry.seq);
    if (checkpoint) {
      wanted.delete(entry.seq);
      const invalid = checkpointProblem(keys, checkpoint);
      if (invalid) problems.push({ seq: entry.seq, kind: 'bad-checkpoint', message: invalid });
      else if (!computed.equals(checkpoint.headHash)) problems.push({ seq: entry.seq, kind: 'checkpoint-mismatch', message: `checkpoint at ${entry.seq} signed a different history` });
      else {
        validCheckpoints++;
        if (problems.length === 0) signedThrough = entry.seq;
      }
    }
  }
  for (const orphan of wanted.values()) {
    if (orphan.seq > start.seq) problems.push({ seq: orphan.seq, kind: 'gap', message: `a checkpoint covers entry ${orphan.seq}, which is gone: entries were removed` });
  }
  return { entries: count, checkpoints: validCheckpoints, signedThrough, headHash: Buffer.from(previous).toString('hex'), problems, ok: problems.length === 0 };
}
