/**
 * Checking a police export offline, one line at a time (a year of entries with frames is read as a stream):
 * the chain from the header's anchor, each register checkpoint where it stands, and the export signature
 * over the header and the last entry. Only keys the inspector brings are believed: the file names key ids,
 * never carries a key to check itself with.
 */
import { createReadStream } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { XacminhError } from '../../drivers/errors.ts';
import { keyIdOf } from '../datadir.ts';
import { checkpointProblem, entryHash, sha256, type ChainProblem, type Checkpoint } from './chain.ts';
import { openWithKey, type SealPart } from './seal.ts';
import { bundleLines, exportSignatureValid, headerDigest, type ExportBundle, type ExportCheckpoint, type ExportEntry, type ExportHeader, type ExportLine } from './export-format.ts';
import { linesOf, parseExportLine } from './export-verify-lines.ts';

export { parseExport, parseExportLine } from './export-verify-lines.ts';

export interface ExportProblem {
  seq: number;
  kind: ChainProblem['kind'] | 'format' | 'key-mismatch' | 'unsigned' | 'register-problem' | 'header-mismatch' | 'decrypt-failed';
  message: string;
}

export interface ExportReport {
  ok: boolean;
  entries: number;
  fromSeq: number;
  toSeq: number;
  /** The key the header says signed the export, and whether it is one of the keys the inspector gave. */
  key: { keyId: string; trusted: boolean };
  /** Ids of the keys the inspector gave. */
  trustedKeyIds: string[];
  /** Valid register checkpoints inside the slice. */
  checkpoints: number;
  /** Last seq proven by a valid signature with no problem before it (the export signature proves the whole slice). */
  signedThrough: number;
  exportSignedAt: string | null;
  problems: ExportProblem[];
}

export interface VerifyExportOptions {
  /** The device's public keys (current, and retired ones for older checkpoints); at least one. */
  trustedPublicKeys?: KeyObject[];
  trustedPublicKey?: KeyObject;
}

/** Checks a bundle held in memory against the inspector's keys. Throws INVALID_INPUT without a key. */
export function verifyExport(bundle: ExportBundle, options: VerifyExportOptions): ExportReport {
  const verifier = new ExportVerifier(trustedKeys(options));
  for (const line of bundleLines(bundle)) verifier.add(line);
  return verifier.finish();
}

/** Reads and checks an export file as a stream. Returns the header too (for display). */
export async function readExportFile(path: string, options: VerifyExportOptions): Promise<{ header: ExportHeader; report: ExportReport }> {
  const verifier = new ExportVerifier(trustedKeys(options));
  const input = createReadStream(path, { highWaterMark: 1 << 20 });
  let lineNumber = 0;
  let header: ExportHeader | undefined;
  try {
    for await (const line of linesOf(input)) {
      lineNumber++;
      if (line.trim() === '') continue;
      const value = parseExportLine(line, lineNumber);
      if (value.type === 'header') header = value;
      verifier.add(value);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('E')) throw new XacminhError('INVALID_INPUT', `Cannot read the export ${path} (${code})`, { path, code }, { cause: error });
    throw error;
  } finally {
    // A malformed line stops the loop early: release the file now, not at garbage collection.
    input.destroy();
  }
  if (!header) throw new XacminhError('MALFORMED_DATA', `The export ${path} is empty`, { path });
  return { header, report: verifier.finish() };
}

export function trustedKeys(options: VerifyExportOptions): KeyObject[] {
  const keys = [...(options.trustedPublicKey ? [options.trustedPublicKey] : []), ...(options.trustedPublicKeys ?? [])];
  if (keys.length === 0) {
    throw new XacminhError('INVALID_INPUT', "Cannot tell whether the export is genuine without the terminal's public key or certificate: a key inside the file would prove nothing", { field: 'public-key' });
  }
  return keys;
}

const PATTERNS = { hex: /^(?:[0-9a-f]{2})*$/, base64: /^[A-Za-z0-9+/]*={0,2}$/, base64url: /^[A-Za-z0-9_-]*$/ } as const;

/** The `seq` and `hash` stated by the entry line just before a slice of the file (as parsed, unchecked). */
export interface SliceStart {
  seq: unknown;
  hash: unknown;
}

/**
 * What the check of one slice of the file found (export-verify-parallel.ts), plain data so it crosses from a
 * worker thread; ExportVerifier.merge joins the slices, in file order, into what one pass would say.
 */
export interface ExportSliceResult {
  entries: number;
  checkpoints: number;
  /** The last seq a valid checkpoint in the slice proved with no problem before it in the slice; null: none. */
  signedThrough: number | null;
  /** In the order found (the merge sorts them stably, as one pass does). */
  problems: ExportProblem[];
  /** The slice's last entry and the hash computed for it (hex). */
  last: { seq: number; computed: string } | null;
  exportCheckpoint: ExportCheckpoint | null;
}

/**
 * The streaming check: add() every line in file order, then finish(). The same class checks one slice of the
 * file in a worker (constructed with the header and the slice's start, then sliceResult()); only the slice
 * that starts at the header reports the header's own problems.
 */
export class ExportVerifier {
  private readonly keys = new Map<string, KeyObject>();
  private readonly problems: ExportProblem[] = [];
  private header: ExportHeader | undefined;
  private previous: Uint8Array = new Uint8Array(0);
  private expectedSeq = 0;
  private last: { seq: number; computed: Uint8Array } | null = null;
  private count = 0;
  private validCheckpoints = 0;
  private signedThrough: number | null = null;
  private exportCheckpoint: ExportCheckpoint | null = null;

  /** `slice`: check a part of the file that follows `header`; `start` null = the part right after the header line. */
  constructor(keys: KeyObject[], slice?: { header: ExportHeader; start: SliceStart | null }) {
    for (const key of keys) this.keys.set(keyIdOf(key), key);
    if (!slice) return;
    if (!slice.start) {
      this.onHeader(slice.header);
      return;
    }
    // The slice before this one reports that entry's own problems; here it is only where the chain goes on from.
    this.header = slice.header;
    this.expectedSeq = Number(slice.start.seq) + 1;
    const hash = slice.start.hash;
    this.previous = typeof hash === 'string' && PATTERNS.hex.test(hash) ? new Uint8Array(Buffer.from(hash, 'hex')) : new Uint8Array(0);
  }

  sliceResult(): ExportSliceResult {
    const last = this.last;
    return {
      entries: this.count,
      checkpoints: this.validCheckpoints,
      signedThrough: this.signedThrough,
      problems: this.problems,
      last: last ? { seq: last.seq, computed: Buffer.from(last.computed).toString('hex') } : null,
      exportCheckpoint: this.exportCheckpoint,
    };
  }

  /**
   * The report one pass over the whole file would give, from its slices in file order. Exact only when no
   * slice but the last holds the export checkpoint (lines after it are problems one pass reports line by line):
   * the caller checks that first.
   */
  static merge(keys: KeyObject[], header: ExportHeader, slices: readonly ExportSliceResult[]): ExportReport {
    const merged = new ExportVerifier(keys);
    merged.header = header;
    let clean = true;
    for (const slice of slices) {
      merged.count += slice.entries;
      merged.validCheckpoints += slice.checkpoints;
      // One pass moves signed-through on only while nothing before it was a problem.
      if (clean && slice.signedThrough !== null) merged.signedThrough = slice.signedThrough;
      clean &&= slice.problems.length === 0;
      for (const problem of slice.problems) merged.problems.push(problem);
      if (slice.last) merged.last = { seq: slice.last.seq, computed: new Uint8Array(Buffer.from(slice.last.computed, 'hex')) };
      merged.exportCheckpoint ??= slice.exportCheckpoint;
    }
    return merged.finish();
  }

  add(line: ExportLine): void {
    if (line.type === 'header') return this.onHeader(line);
    if (!this.header) throw new XacminhError('MALFORMED_DATA', 'Not a register export: the header must come first', {});
    if (this.exportCheckpoint) this.problems.push({ seq: Number(line.seq) || 0, kind: 'format', message: `a ${line.type} line follows the export signature, which must be the last line` });
    if (line.type === 'entry') this.onEntry(line);
    else if (line.type === 'checkpoint') this.onCheckpoint(line);
    else if (!this.exportCheckpoint) this.exportCheckpoint = line;
  }

  private onHeader(header: ExportHeader): void {
    if (this.header) throw new XacminhError('MALFORMED_DATA', 'A second export header', {});
    this.header = header;
    const keyId = String(header.device?.keyId);
    if (!this.keys.has(keyId)) {
      this.problems.push({ seq: 0, kind: 'key-mismatch', message: `the export names device key ${keyId}, not a key given (${[...this.keys.keys()].join(', ')}): it was not made by this terminal, or the file was re-signed` });
    }
    const fromSeq = Number(header.range?.fromSeq);
    this.expectedSeq = Number.isSafeInteger(fromSeq) ? fromSeq : 0;
    this.previous = this.decode(header.previousHash, this.expectedSeq, 'previousHash', 'hex');
  }

  private onEntry(e: ExportEntry): void {
    this.count++;
    const seq = Number(e.seq);
    const format = e.format === 2 ? 2 : 1;
    const digest = (value: unknown, field: string) => (value === null || value === undefined ? null : this.decode(value, seq, field, 'hex'));
    const entry = {
      seq,
      id: String(e.id),
      recordedAt: String(e.recordedAt),
      format,
      kind: String(e.kind ?? 'verification'),
      recordJson: String(format === 2 ? e.publicJson : e.recordJson),
      frameSha256: digest(e.frameSha256, 'frameSha256'),
      sealedSha256: format === 2 ? digest(e.sealedSha256, 'sealedSha256') : null,
    } as const;
    const stated = this.decode(e.hash, seq, 'hash', 'hex');
    if (seq !== this.expectedSeq) this.problems.push({ seq, kind: 'gap', message: `entry ${this.expectedSeq} is missing (next is ${seq})` });
    if (format === 1) {
      const frame = e.frameJpeg === undefined ? null : this.decode(e.frameJpeg, seq, 'frameJpeg', 'base64');
      if (frame && entry.frameSha256 && !sha256(frame).equals(entry.frameSha256)) {
        this.problems.push({ seq, kind: 'frame-mismatch', message: `entry ${seq}: the camera frame is not the one recorded` });
      }
    } else {
      this.checkBlob(e, seq, 'sealed', entry.sealedSha256);
      this.checkBlob(e, seq, 'frame', entry.frameSha256);
    }
    const computed = entryHash(this.previous, entry);
    if (!computed.equals(stated)) this.problems.push({ seq, kind: 'hash-mismatch', message: `entry ${seq} (${entry.id}) was altered, or an entry before it was` });
    this.previous = stated;
    this.expectedSeq = seq + 1;
    this.last = { seq, computed };
  }

  /** A blob given must hash to its digest (which the chain covers) and open with the key given: otherwise a problem at that seq. */
  private checkBlob(e: ExportEntry, seq: number, part: SealPart, digest: Uint8Array | null): void {
    const given = part === 'sealed' ? e.sealed : e.frame;
    if (given === undefined) return;
    const blob = this.decodeBlob(given, seq, part);
    const what = part === 'sealed' ? 'personal data' : 'camera frame';
    if (!digest || !sha256(blob).equals(digest)) {
      this.problems.push({ seq, kind: part === 'sealed' ? 'sealed-mismatch' : 'frame-mismatch', message: `entry ${seq}: the encrypted ${what} is not the one recorded` });
      return;
    }
    const keyText = part === 'sealed' ? e.sealedKey : e.frameKey;
    if (keyText === undefined) return;
    const key = this.decode(keyText, seq, `${part}Key`, 'base64');
    if (key.length !== 32 || !openWithKey(key, String(e.id), part, blob)) {
      this.problems.push({ seq, kind: 'decrypt-failed', message: `entry ${seq}: the ${what} does not open with the key given (a wrong key, or a changed blob)` });
    }
  }

  private onCheckpoint(line: ExportCheckpoint): void {
    const checkpoint = this.checkpointOf(line);
    if (!this.last || this.last.seq !== checkpoint.seq) {
      this.problems.push({ seq: checkpoint.seq, kind: 'gap', message: `a checkpoint covers entry ${checkpoint.seq}, which is not the line before it: entries were removed or lines moved` });
      return;
    }
    const invalid = checkpointProblem(this.keys, checkpoint);
    if (invalid) this.problems.push({ seq: checkpoint.seq, kind: 'bad-checkpoint', message: invalid });
    else if (!Buffer.from(checkpoint.headHash).equals(this.last.computed)) this.problems.push({ seq: checkpoint.seq, kind: 'checkpoint-mismatch', message: `checkpoint at ${checkpoint.seq} signed a different history` });
    else {
      this.validCheckpoints++;
      if (this.problems.length === 0) this.signedThrough = checkpoint.seq;
    }
  }

  finish(): ExportReport {
    const header = this.header;
    if (!header) throw new XacminhError('MALFORMED_DATA', 'The export is empty', {});
    const fromSeq = Number(header.range?.fromSeq) || 0;
    const toSeq = Number(header.range?.toSeq) || 0;
    const last = this.last;
    if (this.count !== header.range?.entries) this.problems.push({ seq: last?.seq ?? fromSeq, kind: 'gap', message: `the header announces ${header.range?.entries} entries, the file has ${this.count}` });
    if (!last || last.seq < toSeq) this.problems.push({ seq: last ? last.seq + 1 : fromSeq, kind: 'gap', message: `entries ${last ? last.seq + 1 : fromSeq}..${toSeq} are missing from the end of the export` });
    for (const problem of header.registerProblems ?? []) {
      this.problems.push({ seq: problem.seq, kind: 'register-problem', message: `the terminal's register already failed verification when exported: ${problem.message}` });
    }
    this.checkExportSignature(header, toSeq);
    const problems = this.problems.sort((a, b) => a.seq - b.seq);
    return {
      ok: problems.length === 0,
      entries: this.count,
      fromSeq,
      toSeq,
      key: { keyId: String(header.device?.keyId), trusted: this.keys.has(String(header.device?.keyId)) },
      trustedKeyIds: [...this.keys.keys()],
      checkpoints: this.validCheckpoints,
      signedThrough: this.signedThrough ?? 0,
      exportSignedAt: this.exportCheckpoint?.signedAt ?? null,
      problems,
    };
  }

  /** The export checkpoint: the register-style signature over the last entry, and the export signature over the header with it. */
  private checkExportSignature(header: ExportHeader, toSeq: number): void {
    const line = this.exportCheckpoint;
    const last = this.last;
    if (!line) {
      this.problems.push({ seq: toSeq, kind: 'unsigned', message: 'the export carries no signature of the terminal made at export time (the register did not verify, or the last line was removed)' });
      return;
    }
    if (!last) return;
    const checkpoint = this.checkpointOf(line);
    const add = (kind: ExportProblem['kind'], message: string): void => void this.problems.push({ seq: last.seq, kind, message });
    if (checkpoint.seq !== last.seq) return void this.problems.push({ seq: checkpoint.seq, kind: 'checkpoint-mismatch', message: `the export checkpoint covers entry ${checkpoint.seq}, but the last entry is ${last.seq}` });
    if (checkpoint.keyId !== header.device?.keyId) return add('header-mismatch', `the export is signed with key ${checkpoint.keyId}, the header names ${String(header.device?.keyId)}`);
    const invalid = checkpointProblem(this.keys, checkpoint, 'the export checkpoint');
    if (invalid) return add('bad-checkpoint', invalid);
    if (!Buffer.from(checkpoint.headHash).equals(last.computed)) return add('checkpoint-mismatch', `the export checkpoint at ${last.seq} signed a different history`);
    const digest = headerDigest(header);
    if (line.headerSha256 !== digest) {
      return void this.problems.push({ seq: 0, kind: 'header-mismatch', message: 'the header (range, first entry, previous hash, time, key ids) is not the one the terminal signed: it was changed after export' });
    }
    const signature = this.decode(line.exportSignature, last.seq, 'exportSignature', 'base64url');
    if (!exportSignatureValid(this.keys.get(checkpoint.keyId)!, digest, checkpoint.seq, String(line.headHash), checkpoint.signedAt, signature, Number(header.version))) {
      return void this.problems.push({ seq: 0, kind: 'header-mismatch', message: "the export signature over the header is not the terminal's: the header or its digest was changed after export" });
    }
    if (this.problems.length === 0) this.signedThrough = last.seq;
  }

  private checkpointOf(c: ExportCheckpoint): Checkpoint {
    const seq = Number(c.seq);
    return {
      seq,
      headHash: this.decode(c.headHash, seq, 'checkpoint headHash', 'hex'),
      signedAt: String(c.signedAt),
      keyId: String(c.keyId),
      signature: this.decode(c.signature, seq, 'checkpoint signature', 'base64url'),
    };
  }

  /**
   * A large base64 blob is decoded without a pattern check: it is only believed through its digest (which
   * the chain covers), so any changed character shows as a mismatch at its seq anyway.
   */
  private decodeBlob(value: unknown, seq: number, field: string): Uint8Array {
    if (typeof value !== 'string') return this.decode(value, seq, field, 'base64');
    return Buffer.from(value, 'base64');
  }

  private decode(value: unknown, seq: number, field: string, encoding: keyof typeof PATTERNS): Uint8Array {
    if (typeof value !== 'string' || !PATTERNS[encoding].test(value)) {
      this.problems.push({ seq, kind: 'format', message: `entry ${seq}: ${field} is not ${encoding}` });
      return new Uint8Array(0);
    }
    // A Buffer is a Uint8Array: no second copy (a million entries, several fields each).
    return Buffer.from(value, encoding);
  }
}

/** What an inspector sees of one export entry: its public part, and the personal data and frame opened with the keys the export gives (null when purged or absent). */
export function openExportEntry(e: ExportEntry): { public: unknown; sealed: unknown | null; frameJpeg: Uint8Array | null; purged: boolean } {
  const parse = (text: unknown): unknown => {
    try {
      return JSON.parse(String(text)) as unknown;
    } catch {
      return null;
    }
  };
  if (e.format !== 2) return { public: parse(e.recordJson), sealed: null, frameJpeg: e.frameJpeg ? new Uint8Array(Buffer.from(e.frameJpeg, 'base64')) : null, purged: false };
  const open = (blob: string | undefined, key: string | undefined, part: SealPart) =>
    blob && key ? openWithKey(new Uint8Array(Buffer.from(key, 'base64')), String(e.id), part, new Uint8Array(Buffer.from(blob, 'base64'))) : null;
  const sealed = open(e.sealed, e.sealedKey, 'sealed');
  return {
    public: parse(e.publicJson),
    sealed: sealed ? parse(Buffer.from(sealed).toString('utf8')) : null,
    frameJpeg: open(e.frame, e.frameKey, 'frame'),
    purged: Boolean(e.sealedSha256) && e.sealed === undefined,
  };
}
