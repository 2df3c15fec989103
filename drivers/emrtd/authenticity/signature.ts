/**
 * One signature check for everything Passive Authentication verifies (SOD, DS certificate, CRL, master
 * list): RSA PKCS#1 v1.5, RSA-PSS with the parameters its AlgorithmIdentifier names, and ECDSA. node:crypto
 * does the work when it can load the key; an EC key with explicit domain parameters it refuses goes to
 * noble-curves (ec-explicit.ts).
 */
import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { XacminhError } from '../../errors.ts';
import { DIGEST_BY_OID } from '../crypto/digests.ts';
import { readExplicitEcKey, verifyEcdsaExplicit } from './ec-explicit.ts';

export interface AlgorithmId {
  oid: string;
  /** Encoded parameters (DER), when present. */
  parameters?: Uint8Array;
}

/** Signature algorithm OID → [family, hash]; a hash of undefined comes from the CMS digestAlgorithm. */
const SIGNATURE_ALGORITHMS: Record<string, [family: 'ec' | 'rsa' | 'pss', hash: string | undefined, name: string]> = {
  '1.2.840.10045.4.1': ['ec', 'sha1', 'ecdsa-with-SHA1'],
  '1.2.840.10045.4.3.1': ['ec', 'sha224', 'ecdsa-with-SHA224'],
  '1.2.840.10045.4.3.2': ['ec', 'sha256', 'ecdsa-with-SHA256'],
  '1.2.840.10045.4.3.3': ['ec', 'sha384', 'ecdsa-with-SHA384'],
  '1.2.840.10045.4.3.4': ['ec', 'sha512', 'ecdsa-with-SHA512'],
  // Some issuers name the key type instead of the signature algorithm; the hash is the CMS digest.
  '1.2.840.10045.2.1': ['ec', undefined, 'ecdsa'],
  '1.2.840.113549.1.1.5': ['rsa', 'sha1', 'sha1WithRSAEncryption'],
  '1.2.840.113549.1.1.14': ['rsa', 'sha224', 'sha224WithRSAEncryption'],
  '1.2.840.113549.1.1.11': ['rsa', 'sha256', 'sha256WithRSAEncryption'],
  '1.2.840.113549.1.1.12': ['rsa', 'sha384', 'sha384WithRSAEncryption'],
  '1.2.840.113549.1.1.13': ['rsa', 'sha512', 'sha512WithRSAEncryption'],
  '1.2.840.113549.1.1.1': ['rsa', undefined, 'rsaEncryption'],
  '1.2.840.113549.1.1.10': ['pss', undefined, 'RSASSA-PSS'],
};
const ID_MGF1 = '1.2.840.113549.1.1.8';

export function signatureAlgorithmName(algorithm: AlgorithmId): string {
  const known = SIGNATURE_ALGORITHMS[algorithm.oid];
  if (!known) return algorithm.oid;
  return known[0] === 'pss' ? `RSASSA-PSS/${pssParameters(algorithm).hash}` : known[2];
}

interface PssParameters {
  hash: string;
  saltLength: number;
}

/** RSASSA-PSS-params (RFC 4055); absent fields take the SHA-1 defaults. */
function pssParameters(algorithm: AlgorithmId): PssParameters {
  let params: RsaSaPssParams;
  let mgfInner: string | undefined;
  try {
    params = algorithm.parameters && algorithm.parameters.length > 2 ? AsnConvert.parse(algorithm.parameters, RsaSaPssParams) : new RsaSaPssParams();
    const mgfParameters = params.maskGenAlgorithm.parameters;
    if (mgfParameters) mgfInner = AsnConvert.parse(mgfParameters, AlgorithmIdentifier).algorithm;
  } catch (error) {
    throw new XacminhError('MALFORMED_DATA', `RSA-PSS parameters do not parse: ${(error as Error).message}`);
  }
  const hash = DIGEST_BY_OID[params.hashAlgorithm.algorithm];
  if (!hash) throw new XacminhError('UNSUPPORTED', `RSA-PSS with hash ${params.hashAlgorithm.algorithm}`);
  const mgf = params.maskGenAlgorithm;
  if (mgf.algorithm !== ID_MGF1) throw new XacminhError('UNSUPPORTED', `RSA-PSS mask generation ${mgf.algorithm}`);
  // node:crypto uses MGF1 with the signature hash: a different MGF1 hash cannot be checked here.
  const mgfHash = mgfInner === undefined ? 'sha1' : (DIGEST_BY_OID[mgfInner] ?? mgfInner);
  if (mgfHash !== hash) throw new XacminhError('UNSUPPORTED', `RSA-PSS with MGF1/${mgfHash} under ${hash}`);
  if (params.trailerField !== 1) throw new XacminhError('UNSUPPORTED', `RSA-PSS trailer field ${params.trailerField}`);
  return { hash, saltLength: params.saltLength };
}

const keyCache = new WeakMap<Uint8Array, KeyObject | 'explicit'>();

/** node:crypto key, or 'explicit' when only the noble path can use it. */
function loadKey(spki: Uint8Array): KeyObject | 'explicit' {
  const cached = keyCache.get(spki);
  if (cached) return cached;
  let key: KeyObject | 'explicit';
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (error) {
    if (!readExplicitEcKey(spki)) throw new XacminhError('UNSUPPORTED', `Public key not usable: ${(error as Error).message}`);
    key = 'explicit';
  }
  keyCache.set(spki, key);
  return key;
}

/**
 * True when `signature` is `algorithm` over `data` by the key in `spki`. False for a signature that does
 * not verify; UNSUPPORTED / MALFORMED_DATA (XacminhError) when the question cannot be asked at all.
 * `cmsDigest` is the hash for algorithms that do not name one (rsaEncryption, ecPublicKey).
 */
export function verifySignature(spki: Uint8Array, algorithm: AlgorithmId, data: Uint8Array, signature: Uint8Array, cmsDigest?: string): boolean {
  const known = SIGNATURE_ALGORITHMS[algorithm.oid];
  if (!known) throw new XacminhError('UNSUPPORTED', `Unsupported signature algorithm ${algorithm.oid}`);
  const [family, fixedHash] = known;
  const key = loadKey(spki);
  if (family === 'pss') {
    const { hash, saltLength } = pssParameters(algorithm);
    if (key === 'explicit' || key.asymmetricKeyType?.startsWith('rsa') !== true) throw new XacminhError('MALFORMED_DATA', 'RSA-PSS signature with a non-RSA key');
    return safe(() => verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature));
  }
  const hash = fixedHash ?? cmsDigest;
  if (!hash) throw new XacminhError('MALFORMED_DATA', `Signature algorithm ${algorithm.oid} needs a digest algorithm`);
  if (key === 'explicit') {
    if (family !== 'ec') throw new XacminhError('MALFORMED_DATA', `${known[2]} signature with an EC key`);
    return verifyEcdsaExplicit(readExplicitEcKey(spki)!, createHash(hash).update(data).digest(), signature);
  }
  const type = key.asymmetricKeyType;
  if ((family === 'ec') !== (type === 'ec')) throw new XacminhError('MALFORMED_DATA', `${known[2]} signature with a ${type ?? 'unknown'} key`);
  return safe(() => verify(hash, data, type === 'ec' ? { key, dsaEncoding: 'der' } : key, signature));
}

/** OpenSSL throws on some malformed signatures (wrong length, bad DER) instead of returning false. */
function safe(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

/** Key type and size for listings: 'EC brainpoolP512r1', 'RSA 4096'. */
export function describeKey(spki: Uint8Array): { keyType: string; curve?: string; bits?: number } {
  try {
    const key = loadKey(spki);
    if (key === 'explicit') {
      const explicit = readExplicitEcKey(spki)!;
      return { keyType: 'EC', curve: 'explicit parameters', bits: explicit.p.toString(2).length };
    }
    const details = key.asymmetricKeyDetails;
    if (key.asymmetricKeyType === 'ec') {
      const curve = details?.namedCurve;
      return curve ? { keyType: 'EC', curve } : { keyType: 'EC' };
    }
    const type = (key.asymmetricKeyType ?? 'unknown').toUpperCase();
    return details?.modulusLength ? { keyType: type, bits: details.modulusLength } : { keyType: type };
  } catch {
    return { keyType: 'unknown' };
  }
}
