/**
 * Chip Authentication keys (ICAO 9303-11 §6.2, BSI TR-03110): the chip's static public key from a DG14
 * ChipAuthenticationPublicKeyInfo, read into the group the key agreement runs in. EC keys come with a
 * named curve or, as on many real chips, with explicit domain parameters; DH keys as X9.42 dhpublicnumber
 * (p, g, q). The PACE group code does the arithmetic and validates every received public value.
 * Also the chip-side key pair the virtual card holds (private scalar + the SPKI DG14 publishes).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { weierstrass } from '@noble/curves/abstract/weierstrass.js';
import { XacminhError } from '../../errors.ts';
import { bigintFromBytes, bigintToBytes, concat, defaultRandom, type RandomSource } from '../crypto/bytes.ts';
import { derOid, expectTag, malformed } from '../lds/der.ts';
import { OID, oidToBytes } from '../oids.ts';
import { getDomainParameters, type DhDomainParameters, type DomainParameters, type EcDomainParameters } from '../pace/domain-parameters.ts';
import { standardGroup, type GroupElement, type PaceGroup } from '../pace/group.ts';
import { encodeTlv, readSingle, readTlvList, type Tlv } from '../tlv.ts';
import { readExplicitEcKey, type ExplicitEcKey } from './ec-explicit.ts';

export interface CaPublicKey {
  kind: 'EC' | 'DH';
  domain: DomainParameters;
  group: PaceGroup;
  publicKey: GroupElement;
}

/** Named curves by OID → the standardized domain parameter IDs of 9303-11 §9.5.1. */
const CURVE_IDS: Record<string, number> = {
  '1.2.840.10045.3.1.1': 8,
  '1.3.36.3.3.2.8.1.1.3': 9,
  '1.3.132.0.33': 10,
  '1.3.36.3.3.2.8.1.1.5': 11,
  '1.2.840.10045.3.1.7': 12,
  '1.3.36.3.3.2.8.1.1.7': 13,
  '1.3.36.3.3.2.8.1.1.9': 14,
  '1.3.132.0.34': 15,
  '1.3.36.3.3.2.8.1.1.11': 16,
  '1.3.36.3.3.2.8.1.1.13': 17,
  '1.3.132.0.35': 18,
};
const DH_IDS = [0, 1, 2];

/** Reads a CA public key SPKI; MALFORMED_DATA for a broken one, UNSUPPORTED for an algorithm we lack. */
export function readCaPublicKey(spki: Uint8Array): CaPublicKey {
  const [algorithm, key] = readTlvList(readSingle(spki, 0x30, 'CA SubjectPublicKeyInfo').value);
  const [oidTlv, parameters] = readTlvList(expectTag(algorithm, 0x30, 'CA key algorithm').value);
  const oid = derOid(oidTlv, 'CA key algorithm');
  const bits = expectTag(key, 0x03, 'CA public key').value;
  if (bits.length < 2 || bits[0] !== 0) throw malformed('CA public key', 'bad BIT STRING');
  const domain = oid === OID.ecPublicKey ? ecDomain(spki, parameters) : oid === OID.dhpublicnumber ? dhDomain(parameters) : undefined;
  if (!domain) throw new XacminhError('UNSUPPORTED', `Chip Authentication key of algorithm ${oid} is not supported`, { oid });
  const group = standardGroup(domain);
  // EC: the BIT STRING holds the point; DH: it holds an INTEGER y, which the group wants at the length of p.
  const value = domain.kind === 'EC' ? bits.subarray(1) : dhPublicValue(bits.subarray(1), domain);
  return { kind: domain.kind, domain, group, publicKey: group.decode(value) };
}

function ecDomain(spki: Uint8Array, parameters: Tlv | undefined): EcDomainParameters {
  if (parameters?.tag === 0x06) {
    const curve = derOid(parameters, 'EC named curve');
    const id = CURVE_IDS[curve];
    if (id === undefined) throw new XacminhError('UNSUPPORTED', `Chip Authentication on curve ${curve} is not supported`, { curve });
    return getDomainParameters(id) as EcDomainParameters;
  }
  const explicit = readExplicitEcKey(spki);
  if (!explicit) throw malformed('CA EC key', 'neither a named curve nor explicit parameters');
  // A standard curve spelled out: use the table (and its cached arithmetic).
  const standard = standardCurve(explicit);
  if (standard) return getDomainParameters(standard.id) as EcDomainParameters;
  try {
    const Point = weierstrass({ p: explicit.p, n: explicit.n, h: explicit.h, a: explicit.a, b: explicit.b, Gx: explicit.gx, Gy: explicit.gy });
    const size = (v: bigint) => Math.ceil(v.toString(16).length / 2);
    return { kind: 'EC', id: -1, name: 'explicit curve', nodeName: '', fieldSize: size(explicit.p), orderSize: size(explicit.n), n: explicit.n, Point };
  } catch (error) {
    throw new XacminhError('MALFORMED_DATA', `CA EC domain parameters rejected: ${(error as Error).message}`, {}, { cause: error });
  }
}

/** The 9303 table curve that explicit parameters spell out, if any (id and named-curve OID). */
export function standardCurve(explicit: ExplicitEcKey): { id: number; oid: string } | undefined {
  for (const [oid, id] of Object.entries(CURVE_IDS)) {
    const d = getDomainParameters(id) as EcDomainParameters;
    const c = d.Point.CURVE();
    if (d.n === explicit.n && c.p === explicit.p && c.a === explicit.a && c.b === explicit.b && c.Gx === explicit.gx && c.Gy === explicit.gy) return { id, oid };
  }
  return undefined;
}

/** The same key re-encoded with its named-curve OID, so node:crypto verifies with it natively. */
export function namedCurveSpki(explicit: ExplicitEcKey): Uint8Array | undefined {
  const curve = standardCurve(explicit);
  if (!curve) return undefined;
  const algorithm = encodeTlv(0x30, concat(encodeTlv(0x06, oidToBytes(OID.ecPublicKey)), encodeTlv(0x06, oidToBytes(curve.oid))));
  return encodeTlv(0x30, concat(algorithm, encodeTlv(0x03, concat(Uint8Array.of(0), explicit.point))));
}

function positiveInteger(tlv: Tlv | undefined, what: string): bigint {
  const v = expectTag(tlv, 0x02, what).value;
  if (v.length === 0 || v.length > 513 || (v[0]! & 0x80) !== 0) throw malformed(what, 'not a positive INTEGER of at most 4096 bits');
  return bigintFromBytes(v);
}

/** X9.42 DomainParameters ::= SEQUENCE { p, g, q, j OPTIONAL, validationParms OPTIONAL }. */
function dhDomain(parameters: Tlv | undefined): DhDomainParameters {
  const [pT, gT, qT] = readTlvList(expectTag(parameters, 0x30, 'DH domain parameters').value);
  const p = positiveInteger(pT, 'DH p');
  const g = positiveInteger(gT, 'DH g');
  const q = positiveInteger(qT, 'DH q');
  for (const id of DH_IDS) {
    const d = getDomainParameters(id) as DhDomainParameters;
    if (d.p === p && d.g === g && d.q === q) return d;
  }
  // Non-standard groups: accept only a plausible prime-order subgroup (the decode check needs q | p-1).
  if (p < 1n << 1023n || q < 1n << 159n || (p - 1n) % q !== 0n || g <= 1n || g >= p - 1n) throw malformed('DH domain parameters', 'not a usable prime-order subgroup');
  const size = (v: bigint) => Math.ceil(v.toString(16).length / 2);
  return { kind: 'DH', id: -1, name: 'explicit DH group', p, g, q, size: size(p), orderSize: size(q) };
}

function dhPublicValue(integer: Uint8Array, domain: DhDomainParameters): Uint8Array {
  const y = positiveInteger(readSingle(integer, 0x02, 'DH public key'), 'DH public key');
  if (y >= domain.p) throw malformed('DH public key', 'not below p');
  return bigintToBytes(y, domain.size);
}

/** The chip's side: the private scalar and the SPKI that DG14 carries. */
export interface CaKeyPair {
  spki: Uint8Array;
  privateScalar: bigint;
}

/** From a node:crypto EC private key (as card-files generates it): the scalar is read out of its PKCS#8. */
export function caKeyPairFromKeyObject(privateKey: KeyObject): CaKeyPair {
  if (privateKey.asymmetricKeyType !== 'ec') throw new XacminhError('INVALID_INPUT', 'Chip Authentication key must be an EC key (or use generateDhCaKeyPair)');
  const pkcs8 = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }));
  // PrivateKeyInfo { version, algorithm, OCTET STRING { ECPrivateKey { version, OCTET STRING d, … } } }
  const [, , wrapped] = readTlvList(readSingle(pkcs8, 0x30, 'PKCS#8').value);
  const ecPrivateKey = readSingle(expectTag(wrapped, 0x04, 'PKCS#8 key').value, 0x30, 'ECPrivateKey');
  const d = expectTag(readTlvList(ecPrivateKey.value)[1], 0x04, 'ECPrivateKey d').value;
  return { spki: new Uint8Array(createPublicKey(privateKey).export({ type: 'spki', format: 'der' })), privateScalar: bigintFromBytes(d) };
}

/** A DH key pair on a standardized RFC 5114 group (IDs 0–2), encoded as X9.42 dhpublicnumber. */
export function generateDhCaKeyPair(parameterId: 0 | 1 | 2 = 2, random: RandomSource = defaultRandom): CaKeyPair {
  const domain = getDomainParameters(parameterId) as DhDomainParameters;
  const group = standardGroup(domain);
  const x = group.randomScalar(random);
  const y = bigintFromBytes(group.encode(group.multiply(group.generator, x)));
  const int = (v: bigint) => {
    const bytes = bigintToBytes(v, Math.ceil((v.toString(16).length + 1) / 2)); // a leading 00 keeps it positive
    return encodeTlv(0x02, bytes[0]! & 0x80 ? concat(Uint8Array.of(0), bytes) : bytes);
  };
  const algorithm = encodeTlv(0x30, concat(encodeTlv(0x06, oidToBytes(OID.dhpublicnumber)), encodeTlv(0x30, concat(int(domain.p), int(domain.g), int(domain.q)))));
  const spki = encodeTlv(0x30, concat(algorithm, encodeTlv(0x03, concat(Uint8Array.of(0), int(y)))));
  return { spki, privateScalar: x };
}
