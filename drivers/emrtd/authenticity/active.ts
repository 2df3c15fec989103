/**
 * Active Authentication (ICAO 9303-11 §6.1): the chip signs a fresh random challenge with the private key
 * whose public half is in DG15 (covered by the SOD). A copied chip has the data but not the key.
 * RSA keys sign with ISO/IEC 9796-2 scheme 1 (partial message recovery); EC keys with plain ECDSA.
 */
import { constants, createHash, createPublicKey, publicDecrypt, randomBytes, verify, type KeyObject } from 'node:crypto';
import { XacminhError, formatSw } from '../../errors.ts';
import type { CardSession } from '../card-session.ts';

export interface ActiveAuthResult {
  ok: boolean;
  algorithm: 'RSA-ISO9796-2' | 'ECDSA';
  reason?: string;
}

/** ISO/IEC 10118-3 hash identifiers used in the two-byte 9796-2 trailer (xx CC). */
const TRAILER_HASHES: Record<number, string> = { 0x33: 'sha1', 0x38: 'sha224', 0x34: 'sha256', 0x36: 'sha384', 0x35: 'sha512' };
const HASH_LENGTHS: Record<string, number> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

export async function performActiveAuthentication(
  session: CardSession,
  publicKeyInfo: Uint8Array,
  options: { ecdsaHash?: string; random?: (n: number) => Uint8Array } = {},
): Promise<ActiveAuthResult> {
  const key = loadKey(publicKeyInfo);
  const algorithm = key.asymmetricKeyType === 'rsa' ? 'RSA-ISO9796-2' : 'ECDSA';
  const challenge = options.random ? options.random(8) : new Uint8Array(randomBytes(8));
  const response = await session.send({ cla: 0x00, ins: 0x88, p1: 0x00, p2: 0x00, data: challenge, ne: 256 });
  if (response.sw !== 0x9000) return { ok: false, algorithm, reason: `The chip refused INTERNAL AUTHENTICATE (SW ${formatSw(response.sw)})` };
  const ok = algorithm === 'RSA-ISO9796-2' ? verifyIso9796(key, challenge, response.data) : verifyEcdsa(key, challenge, response.data, options.ecdsaHash ?? 'sha256');
  return ok ? { ok, algorithm } : { ok, algorithm, reason: 'The chip’s answer does not match the key in DG15: clone suspected' };
}

function loadKey(spki: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (error) {
    throw new XacminhError('MALFORMED_DATA', `DG15 holds no usable public key: ${(error as Error).message}`, {}, { cause: error });
  }
}

/** Recovers F = s^e mod n and checks 6A || M1 || H(M1 || challenge) || trailer. */
export function verifyIso9796(key: KeyObject, challenge: Uint8Array, signature: Uint8Array): boolean {
  let f: Uint8Array;
  try {
    f = new Uint8Array(publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature));
  } catch {
    return false;
  }
  if (f.length < 24 || f[0] !== 0x6a) return false;
  const last = f[f.length - 1];
  const hash = last === 0xbc ? 'sha1' : last === 0xcc ? TRAILER_HASHES[f[f.length - 2]!] : undefined;
  if (!hash) return false;
  const trailerLength = last === 0xbc ? 1 : 2;
  const hashLength = HASH_LENGTHS[hash]!;
  const digestStart = f.length - trailerLength - hashLength;
  if (digestStart <= 1) return false;
  const m1 = f.subarray(1, digestStart);
  const expected = createHash(hash).update(m1).update(challenge).digest();
  return expected.equals(f.subarray(digestStart, f.length - trailerLength));
}

/** BSI TR-03111 plain signature r || s. */
function verifyEcdsa(key: KeyObject, challenge: Uint8Array, signature: Uint8Array, hash: string): boolean {
  try {
    return verify(hash, challenge, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}
