/**
 * The export's hashes and signed messages, recomputed with WebCrypto: the same bytes as chain.ts,
 * export-format.ts and FORMAT.md (entry hash formats 1 and 2, the register checkpoint, the export signature
 * over the canonical header). Kept apart from those Node modules because the page cannot load node:crypto;
 * verifier-page.node.test.ts checks both give the same verdicts on the same files.
 */
import { buffer, concat, sha256, toHex, uint32be, uint64be, utf8, type CryptoKey } from './bytes.ts';

/** Length-prefixed UTF-8 (uint32 BE byte length || bytes). */
const lp = (text: string): Uint8Array => {
  const bytes = utf8(text);
  return concat(uint32be(bytes.length), bytes);
};

/** Format 1 (chain.ts entryHash): the frame digest is appended as is, nothing when there is no frame. */
export function entryHash1(previous: Uint8Array, e: { seq: number; id: string; recordedAt: string; recordJson: string; frameSha256: Uint8Array | null }): Promise<Uint8Array> {
  return sha256(concat(utf8('xacminh-register-entry/1'), previous, uint64be(e.seq), lp(e.id), lp(e.recordedAt), lp(e.recordJson), e.frameSha256 ?? new Uint8Array(0)));
}

const opt = (digest: Uint8Array | null): Uint8Array => (digest ? concat(new Uint8Array([1]), digest) : new Uint8Array([0]));

/** Format 2 (FORMAT.md): the digests of the sealed blobs stand for them, so a purge keeps the chain verifiable. */
export function entryHash2(
  previous: Uint8Array,
  e: { seq: number; kind: string; id: string; recordedAt: string; publicJson: string; sealedSha256: Uint8Array | null; frameSha256: Uint8Array | null },
): Promise<Uint8Array> {
  return sha256(
    concat(utf8('xacminh-register-entry/2'), previous, uint64be(e.seq), lp(e.kind), lp(e.id), lp(e.recordedAt), lp(e.publicJson), opt(e.sealedSha256), opt(e.frameSha256)),
  );
}

const checkpointMessage = (seq: number, headHash: Uint8Array, signedAt: string): Uint8Array => utf8(`xacminh-register-checkpoint/1\n${seq}\n${toHex(headHash)}\n${signedAt}`);

const exportMessage = (version: number, headerSha256: string, seq: number, headHash: string, signedAt: string): Uint8Array =>
  utf8(`xacminh-register-export/${version}\n${headerSha256}\n${seq}\n${headHash}\n${signedAt}`);

/** ES256 in IEEE P1363 form (r || s), which is WebCrypto's own ECDSA signature format. */
async function es256Valid(key: CryptoKey, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  try {
    return await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, buffer(signature), buffer(message));
  } catch {
    return false;
  }
}

export const checkpointValid = (key: CryptoKey, c: { seq: number; headHash: Uint8Array; signedAt: string; signature: Uint8Array }): Promise<boolean> =>
  es256Valid(key, checkpointMessage(c.seq, c.headHash, c.signedAt), c.signature);

export const exportSignatureValid = (key: CryptoKey, version: number, headerSha256: string, seq: number, headHash: string, signedAt: string, signature: Uint8Array): Promise<boolean> =>
  es256Valid(key, exportMessage(version, headerSha256, seq, headHash, signedAt), signature);

/** JSON with object keys sorted, recursively (export-format.ts canonicalJson; RFC 8785 for the header's values). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const headerDigest = async (header: unknown): Promise<string> => toHex(await sha256(utf8(canonicalJson(header))));

/** AES-256-GCM: blob = nonce (12) || ciphertext || tag (16), AAD = entryId + "\n" + part (FORMAT.md "Sealing"). Null when the tag fails. */
export async function openSealed(blob: Uint8Array, key: Uint8Array, entryId: string, part: 'sealed' | 'frame'): Promise<Uint8Array | null> {
  if (blob.length < 28 || key.length !== 32) return null;
  try {
    const aes = await crypto.subtle.importKey('raw', buffer(key), 'AES-GCM', false, ['decrypt']);
    const clear = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buffer(blob.subarray(0, 12)), additionalData: buffer(utf8(`${entryId}\n${part}`)), tagLength: 128 }, aes, buffer(blob.subarray(12)));
    return new Uint8Array(clear);
  } catch {
    return null;
  }
}
