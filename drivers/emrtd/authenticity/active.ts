/**
 * Active Authentication (ICAO 9303-11 §6.1): the chip signs a fresh random challenge with the private key
 * whose public half is in DG15 (covered by the SOD). A copied chip has the data but not the key.
 * RSA keys sign with ISO/IEC 9796-2 scheme 1 (message recovery: F = header ‖ M1 ‖ H(M1 ‖ challenge) ‖
 * trailer BC for SHA-1, or xx CC naming the hash); EC keys with ECDSA, plain r ‖ s (BSI TR-03111) over the
 * challenge, with the hash DG14's ActiveAuthenticationInfo names.
 *
 * A signature that is well formed but wrong answers { ok: false } ("clone suspected"); an answer that
 * cannot be a signature at all (wrong length) and a DG15/DG14 that cannot be read throw MALFORMED_DATA.
 */
import { constants, createHash, createPublicKey, KeyObject, publicDecrypt, timingSafeEqual, verify } from 'node:crypto';
import { XacminhError, formatSw } from '../../errors.ts';
import { bigintFromBytes, defaultRandom, type RandomSource } from '../crypto/bytes.ts';
import type { CardSession } from '../card-session.ts';
import { parseDg15 } from '../lds/dg15.ts';
import type { SecurityInfo } from '../lds/security-infos.ts';
import { EC_PARAMETER_IDS, getDomainParameters } from '../pace/domain-parameters.ts';
import { HASH_LENGTHS, TRAILER_HASH_IDS, type AaHash } from './active-chip.ts';
import { namedCurveSpki } from './ca-key.ts';
import { readExplicitEcKey, verifyEcdsaExplicit, type ExplicitEcKey } from './ec-explicit.ts';

export type AaAlgorithm = 'RSA-ISO9796-2' | 'ECDSA';

export interface ActiveAuthResult {
  ok: boolean;
  algorithm: AaAlgorithm;
  reason?: string;
}

export type AaPublicKey =
  | { algorithm: 'RSA-ISO9796-2'; key: KeyObject; modulusBytes: number }
  | { algorithm: 'ECDSA'; orderBytes: number; key: KeyObject | ExplicitEcKey };

const HASH_BY_TRAILER_ID = new Map(Object.entries(TRAILER_HASH_IDS).map(([name, id]) => [id, name as AaHash]));
const ALL_HASHES: readonly AaHash[] = ['sha1', 'sha224', 'sha256', 'sha384', 'sha512'];

/** Signature algorithm OIDs an ActiveAuthenticationInfo may name: BSI ecdsa-plain-SHA* and X9.62 ecdsa-with-SHA*. */
const ECDSA_HASH_BY_OID: Readonly<Record<string, AaHash>> = {
  '0.4.0.127.0.7.1.1.4.1.1': 'sha1',
  '0.4.0.127.0.7.1.1.4.1.2': 'sha224',
  '0.4.0.127.0.7.1.1.4.1.3': 'sha256',
  '0.4.0.127.0.7.1.1.4.1.4': 'sha384',
  '0.4.0.127.0.7.1.1.4.1.5': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

/** The ECDSA hash DG14 names; undefined when DG14 has no ActiveAuthenticationInfo; UNSUPPORTED for an unknown OID. */
export function ecdsaHashFromDg14(infos: readonly SecurityInfo[]): AaHash | undefined {
  const info = infos.find((i) => i.type === 'ActiveAuthenticationInfo');
  if (!info || info.type !== 'ActiveAuthenticationInfo') return undefined;
  const hash = ECDSA_HASH_BY_OID[info.signatureAlgorithm];
  if (!hash) throw new XacminhError('UNSUPPORTED', `Active Authentication signature algorithm ${info.signatureAlgorithm} is not supported`);
  return hash;
}

/** Reads the AA public key from DG15 (the whole 6F file) or from a bare SubjectPublicKeyInfo. */
export function readAaPublicKey(dg15OrSpki: Uint8Array): AaPublicKey {
  const spki = dg15OrSpki[0] === 0x6f ? parseDg15(dg15OrSpki).publicKeyInfo : dg15OrSpki;
  // Explicit EC parameters (common on real chips): verify with the parameters themselves, not OpenSSL's guess.
  // A table curve spelled out is re-read as the named curve (node:crypto is fast and checks the point);
  // other explicit curves are verified with noble-curves on the parameters from the key itself.
  const explicit = readExplicitEcKey(spki);
  const named = explicit && namedCurveSpki(explicit);
  if (explicit && !named) return { algorithm: 'ECDSA', key: explicit, orderBytes: Math.ceil(explicit.n.toString(16).length / 2) };
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(named ?? spki), format: 'der', type: 'spki' });
  } catch (error) {
    throw new XacminhError('MALFORMED_DATA', `DG15 holds no usable public key: ${(error as Error).message}`, {}, { cause: error });
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 512) throw new XacminhError('MALFORMED_DATA', `DG15 RSA key of ${bits} bits`);
    return { algorithm: 'RSA-ISO9796-2', key, modulusBytes: Math.ceil(bits / 8) };
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const id = EC_PARAMETER_IDS.find((i) => (getDomainParameters(i) as { nodeName?: string }).nodeName === curve);
    if (id !== undefined) return { algorithm: 'ECDSA', key, orderBytes: (getDomainParameters(id) as { orderSize: number }).orderSize };
    throw new XacminhError('UNSUPPORTED', `DG15 EC key on curve ${curve ?? '?'} is not supported`);
  }
  throw new XacminhError('UNSUPPORTED', `DG15 key of type ${key.asymmetricKeyType ?? '?'} is not supported for Active Authentication`);
}

/**
 * Checks an INTERNAL AUTHENTICATE answer against the challenge. False for a wrong signature; throws
 * MALFORMED_DATA when the answer cannot be a signature of this key at all.
 */
export function verifyAaSignature(key: AaPublicKey, challenge: Uint8Array, signature: Uint8Array, options: { ecdsaHash?: AaHash } = {}): boolean {
  if (key.algorithm === 'RSA-ISO9796-2') return verifyIso9796(key.key, challenge, signature, key.modulusBytes);
  if (signature.length !== 2 * key.orderBytes) {
    throw new XacminhError('MALFORMED_DATA', `ECDSA AA signature of ${signature.length} bytes, expected r ‖ s of ${2 * key.orderBytes}`);
  }
  // Without an ActiveAuthenticationInfo the hash is unknown: any standard one will do (a forger gains nothing).
  const hashes = options.ecdsaHash ? [options.ecdsaHash] : ALL_HASHES;
  return hashes.some((hash) => verifyEcdsaPlain(key.key, hash, challenge, signature, key.orderBytes));
}

function verifyEcdsaPlain(key: KeyObject | ExplicitEcKey, hash: AaHash, challenge: Uint8Array, signature: Uint8Array, orderBytes: number): boolean {
  if (key instanceof KeyObject) {
    try {
      return verify(hash, challenge, { key, dsaEncoding: 'ieee-p1363' }, signature);
    } catch {
      return false;
    }
  }
  const digest = new Uint8Array(createHash(hash).update(challenge).digest());
  return verifyEcdsaExplicit(key, digest, plainToDer(signature, orderBytes));
}

function plainToDer(signature: Uint8Array, size: number): Uint8Array {
  const int = (v: bigint): number[] => {
    let h = v.toString(16);
    if (h.length % 2) h = `0${h}`;
    const bytes = [...Buffer.from(h, 'hex')];
    if (bytes[0]! & 0x80) bytes.unshift(0);
    return [0x02, bytes.length, ...bytes];
  };
  const body = [...int(bigintFromBytes(signature.subarray(0, size))), ...int(bigintFromBytes(signature.subarray(size)))];
  return Uint8Array.from([0x30, ...(body.length < 128 ? [body.length] : [0x81, body.length]), ...body]);
}

/**
 * ISO/IEC 9796-2 scheme 1 verification with partial recovery: F = s^e mod n must read
 * 01 1 [padding BB…BA | A] ‖ M1 ‖ H(M1 ‖ challenge) ‖ trailer.
 */
export function verifyIso9796(key: KeyObject, challenge: Uint8Array, signature: Uint8Array, modulusBytes?: number): boolean {
  const k = modulusBytes ?? Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  if (signature.length === 0 || signature.length > k) throw new XacminhError('MALFORMED_DATA', `RSA AA signature of ${signature.length} bytes for a ${k}-byte modulus`);
  let f: Uint8Array;
  try {
    // A chip may drop leading zero bytes of s; put them back so OpenSSL takes it.
    const padded = new Uint8Array(k);
    padded.set(signature, k - signature.length);
    f = new Uint8Array(publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, padded));
  } catch {
    return false; // s >= n: not a signature of this key
  }
  if ((f[0]! & 0xc0) !== 0x40 || (f[0]! & 0x20) === 0) return false; // header 01, partial recovery
  const last = f[f.length - 1];
  const hash = last === 0xbc ? 'sha1' : last === 0xcc ? HASH_BY_TRAILER_ID.get(f[f.length - 2]!) : undefined;
  if (!hash) return false;
  const trailerLength = last === 0xbc ? 1 : 2;
  // Padding: either none (first nibble pair 6A) or 6B BB … BA; M1 starts after the A nibble.
  let mStart = 0;
  while (mStart < f.length && (f[mStart]! & 0x0f) !== 0x0a) {
    if ((mStart === 0 && (f[0]! & 0x0f) !== 0x0b) || (mStart > 0 && f[mStart] !== 0xbb)) return false;
    mStart++;
  }
  if (mStart > 0 && f[mStart] !== 0xba) return false;
  mStart++;
  const digestStart = f.length - trailerLength - HASH_LENGTHS[hash];
  if (digestStart < mStart) return false;
  const expected = createHash(hash).update(f.subarray(mStart, digestStart)).update(challenge).digest();
  return timingSafeEqual(expected, f.subarray(digestStart, f.length - trailerLength));
}

export interface ActiveAuthOptions {
  random?: RandomSource;
  /** The ECDSA hash, if the caller already read it from DG14. */
  ecdsaHash?: string;
  /** DG14's SecurityInfos: the ECDSA hash comes from its ActiveAuthenticationInfo. */
  dg14?: readonly SecurityInfo[];
}

/** Sends INTERNAL AUTHENTICATE with a fresh 8-byte challenge (under the session's secure channel) and checks the answer. */
export async function performActiveAuthentication(session: CardSession, dg15: Uint8Array, options: ActiveAuthOptions = {}): Promise<ActiveAuthResult> {
  const key = readAaPublicKey(dg15);
  const ecdsaHash = options.ecdsaHash ?? (options.dg14 ? ecdsaHashFromDg14(options.dg14) : undefined);
  if (ecdsaHash !== undefined && !ALL_HASHES.includes(ecdsaHash as AaHash)) throw new XacminhError('UNSUPPORTED', `ECDSA hash ${ecdsaHash} is not supported`);
  const challenge = (options.random ?? defaultRandom)(8);
  const expectedLength = key.algorithm === 'RSA-ISO9796-2' ? key.modulusBytes : 2 * key.orderBytes;
  const response = await session.send({ cla: 0x00, ins: 0x88, p1: 0x00, p2: 0x00, data: challenge, ne: expectedLength > 256 ? 65536 : 256 });
  const algorithm = key.algorithm;
  if (response.sw !== 0x9000) return { ok: false, algorithm, reason: `The chip refused INTERNAL AUTHENTICATE (SW ${formatSw(response.sw)})` };
  const ok = verifyAaSignature(key, challenge, response.data, ecdsaHash ? { ecdsaHash: ecdsaHash as AaHash } : {});
  return ok ? { ok, algorithm } : { ok, algorithm, reason: 'The chip’s answer does not match the key in DG15: clone suspected' };
}
