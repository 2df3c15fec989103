/**
 * ECDSA verification for public keys that carry EXPLICIT domain parameters (RFC 3279 ECParameters) instead
 * of a named-curve OID, as several CSCAs do (Vietnam's: brainpoolP512r1 spelled out). OpenSSL accepts the
 * ones that match a curve it knows; this is the path for the ones it refuses, with noble-curves arithmetic
 * on the p, a, b, G, n, h taken from the key itself.
 */
import { weierstrass, ecdsa, type WeierstrassPointCons } from '@noble/curves/abstract/weierstrass.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { XacminhError } from '../../errors.ts';
import { bigintFromBytes, hex } from '../crypto/bytes.ts';
import { derOid, expectTag, malformed } from '../lds/der.ts';
import { readSingle, readTlvList, type Tlv } from '../tlv.ts';

const ID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const ID_PRIME_FIELD = '1.2.840.10045.1.1';

export interface ExplicitEcKey {
  p: bigint;
  a: bigint;
  b: bigint;
  gx: bigint;
  gy: bigint;
  n: bigint;
  h: bigint;
  /** The public point as encoded in the key (04 || x || y, or compressed). */
  point: Uint8Array;
}

/** Reads an EC SubjectPublicKeyInfo with explicit parameters; undefined for a named-curve or non-EC key. */
export function readExplicitEcKey(spki: Uint8Array): ExplicitEcKey | undefined {
  const [algorithm, key] = readTlvList(readSingle(spki, 0x30, 'SubjectPublicKeyInfo').value);
  const [oid, parameters] = readTlvList(expectTag(algorithm, 0x30, 'SubjectPublicKeyInfo algorithm').value);
  if (derOid(oid, 'key algorithm') !== ID_EC_PUBLIC_KEY || parameters?.tag !== 0x30) return undefined;
  const bits = expectTag(key, 0x03, 'EC public key').value;
  if (bits.length < 2 || bits[0] !== 0) throw malformed('EC public key', 'bad BIT STRING');
  // ECParameters ::= SEQUENCE { version, fieldID, curve, base, order, cofactor OPTIONAL }
  const [, fieldId, curve, base, order, cofactor] = readTlvList(parameters.value);
  const [fieldType, prime] = readTlvList(expectTag(fieldId, 0x30, 'EC fieldID').value);
  if (derOid(fieldType, 'EC field type') !== ID_PRIME_FIELD) throw new XacminhError('UNSUPPORTED', 'EC key over a binary field');
  const [a, b] = readTlvList(expectTag(curve, 0x30, 'EC curve').value);
  const g = expectTag(base, 0x04, 'EC base point').value;
  const p = positive(prime, 'EC prime');
  const size = Math.ceil(p.toString(16).length / 2);
  if (g.length !== 1 + 2 * size || g[0] !== 0x04) throw new XacminhError('UNSUPPORTED', 'EC base point is not in uncompressed form');
  return {
    p,
    a: bigintFromBytes(expectTag(a, 0x04, 'EC curve a').value),
    b: bigintFromBytes(expectTag(b, 0x04, 'EC curve b').value),
    gx: bigintFromBytes(g.subarray(1, 1 + size)),
    gy: bigintFromBytes(g.subarray(1 + size)),
    n: positive(order, 'EC order'),
    h: cofactor ? positive(cofactor, 'EC cofactor') : 1n,
    point: bits.slice(1),
  };
}

function positive(tlv: Tlv | undefined, what: string): bigint {
  const value = expectTag(tlv, 0x02, what).value;
  if (value.length === 0 || value.length > 80 || (value[0]! & 0x80) !== 0) throw malformed(what, 'not a positive INTEGER of at most 640 bits');
  const v = bigintFromBytes(value);
  if (v === 0n) throw malformed(what, 'zero');
  return v;
}

const curves = new Map<string, WeierstrassPointCons<bigint>>();

function curveOf(key: ExplicitEcKey): WeierstrassPointCons<bigint> {
  const id = [key.p, key.a, key.b, key.gx, key.gy, key.n, key.h].map((v) => v.toString(16)).join(':');
  let Point = curves.get(id);
  if (!Point) {
    try {
      Point = weierstrass({ p: key.p, n: key.n, h: key.h, a: key.a, b: key.b, Gx: key.gx, Gy: key.gy });
    } catch (error) {
      throw new XacminhError('MALFORMED_DATA', `EC domain parameters rejected: ${(error as Error).message}`, { curve: hex(key.point.subarray(0, 8)) });
    }
    curves.set(id, Point);
  }
  return Point;
}

/**
 * Verifies a DER ECDSA signature over an already computed digest. The hash given to noble only drives
 * RFC 6979 nonces when signing; with `prehash: false` verification uses `digest` as it is.
 */
export function verifyEcdsaExplicit(key: ExplicitEcKey, digest: Uint8Array, signatureDer: Uint8Array): boolean {
  const signer = ecdsa(curveOf(key), sha512);
  try {
    return signer.verify(signatureDer, digest, key.point, { prehash: false, lowS: false, format: 'der' });
  } catch {
    // Noble throws on a point off the curve or a signature that does not decode: both mean "not valid".
    return false;
  }
}
