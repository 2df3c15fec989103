/**
 * The police export's file format (JSON Lines), shared by the writer (export.ts) and the verifier
 * (export-verify.ts): the line types, and what the device signs at export time.
 *
 * Version 3 (FORMAT.md "Export format 3"): format-2 entries carry their public JSON, the digests of their
 * encrypted parts, the blobs and the per-entry keys that open them (and nothing else: the data key never
 * leaves the device); a purged entry keeps its digests only and still verifies.
 *
 * Line order (version 2 and 3): the header; every entry in seq order, each register checkpoint right after the
 * entry it covers (so a verifier reading the file as a stream checks it there, holding one line at a time);
 * the export checkpoint last. The export signature covers a digest of the canonical header and the hash of
 * the last entry; the hash chain from `header.previousHash` binds every entry to that hash, so the
 * signature covers the header and every entry, and patching the range or the anchor breaks it.
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import type { ChainProblem } from './chain.ts';

export const EXPORT_FORMAT = 'xacminh-register-export';
export const EXPORT_VERSION = 3;
/** Versions verify-export still reads: 2 (format-1 entries only, signed under the /2 prefix) and 3. */
export const READABLE_EXPORT_VERSIONS: readonly number[] = [2, 3];

export interface ExportHeader {
  type: 'header';
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION | 2;
  createdAt: string;
  /** Distinct site and device ids found in the exported records. */
  siteIds: string[];
  deviceIds: string[];
  /**
   * Ids of the device keys that signed (the current one, and those retired at certificate renewal). Only ids:
   * a key carried in the file proves nothing, the inspector brings the device's key or certificate.
   */
  device: { keyId: string; retiredKeyIds?: string[] };
  /**
   * What was asked for (times [from, to) or seqs, null = not given) and the contiguous seq slice exported.
   * A time range is resolved to the slice once, in the same snapshot as the entries: every entry between the
   * first and the last one recorded in the range is exported, even one whose clock time lies outside it.
   */
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
  /** The register's identity from its genesis entry (null for a register from before genesis entries). Absent in version 2. */
  register?: { registerId: string | null; genesisHash: string | null };
}

export interface ExportEntry {
  type: 'entry';
  seq: number;
  id: string;
  format: 1 | 2;
  kind: string;
  recordedAt: string;
  /** Format 1: the record exactly as stored (the hash covers this text). */
  recordJson?: string;
  /** Format 2: the public part exactly as stored. */
  publicJson?: string;
  /** Format 2: hex SHA-256 of the encrypted personal part; its blob (base64) and per-entry key (base64) unless purged. */
  sealedSha256?: string | null;
  sealed?: string;
  sealedKey?: string;
  /** Hex SHA-256 of the frame (format 1: the clear JPEG; format 2: its encrypted blob), or null when none was recorded. */
  frameSha256: string | null;
  /** Format 1: base64 JPEG, only with --frames. */
  frameJpeg?: string;
  /** Format 2: base64 encrypted frame blob (with --frames) and its per-entry key. */
  frame?: string;
  frameKey?: string;
  hash: string;
}

export interface ExportCheckpoint {
  type: 'checkpoint' | 'export-checkpoint';
  seq: number;
  headHash: string;
  signedAt: string;
  keyId: string;
  /** base64url, ES256 in IEEE P1363 form (r || s), over the register checkpoint message (seq, head hash, time). */
  signature: string;
  /** Export checkpoint only: hex SHA-256 of the canonical header. */
  headerSha256?: string;
  /** Export checkpoint only: base64url ES256 (P1363) over exportMessage(header digest, seq, head hash, time). */
  exportSignature?: string;
}

export interface ExportBundle {
  header: ExportHeader;
  entries: ExportEntry[];
  checkpoints: ExportCheckpoint[];
  /** Signed by the device at export time over the header and the last entry; null when the register did not verify. */
  exportCheckpoint: ExportCheckpoint | null;
}

export type ExportLine = ExportHeader | ExportEntry | ExportCheckpoint;

/**
 * JSON with object keys sorted, recursively: the same bytes whatever order a tool rewrote the keys in. The
 * header holds only strings, integers, booleans, null, arrays and objects, for which this is RFC 8785 (JCS).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function headerDigest(header: ExportHeader): string {
  return createHash('sha256').update(canonicalJson(header)).digest('hex');
}

function exportMessage(headerSha256: string, seq: number, headHash: string, signedAt: string, version: number = EXPORT_VERSION): Buffer {
  return Buffer.from(`xacminh-register-export/${version}\n${headerSha256}\n${seq}\n${headHash}\n${signedAt}`, 'utf8');
}

export function signExport(key: KeyObject, headerSha256: string, seq: number, headHash: string, signedAt: string): string {
  return sign('sha256', exportMessage(headerSha256, seq, headHash, signedAt), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
}

export function exportSignatureValid(key: KeyObject, headerSha256: string, seq: number, headHash: string, signedAt: string, signature: Uint8Array, version: number = EXPORT_VERSION): boolean {
  return verify('sha256', exportMessage(headerSha256, seq, headHash, signedAt, version), { key, dsaEncoding: 'ieee-p1363' }, signature);
}

/** The bundle's lines in file order: each register checkpoint right after its entry (one left without its entry goes before the export checkpoint). */
export function* bundleLines(bundle: ExportBundle): Generator<ExportLine> {
  yield bundle.header;
  const bySeq = new Map(bundle.checkpoints.map((c) => [c.seq, c]));
  for (const entry of bundle.entries) {
    yield entry;
    const checkpoint = bySeq.get(entry.seq);
    if (checkpoint) {
      bySeq.delete(entry.seq);
      yield checkpoint;
    }
  }
  yield* bySeq.values();
  if (bundle.exportCheckpoint) yield bundle.exportCheckpoint;
}
