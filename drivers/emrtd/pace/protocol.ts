/**
 * What the terminal and chip sides of PACE share (ICAO 9303-11 §4.4): the suite an OID selects,
 * the password key K_π, the public-key data object the tokens are computed over, and the
 * dynamic-authentication-data wrapper '7C'.
 */
import { XacminhError } from '../../errors.ts';
import { mrzInformation, type BacKeyInput } from '../bac.ts';
import { aesCmac } from '../crypto/aes.ts';
import { concat } from '../crypto/bytes.ts';
import { retailMac } from '../crypto/des.ts';
import { cipherSuite, type CipherSuite } from '../crypto/cipher-suite.ts';
import { KDF_ENC, KDF_MAC, KDF_PACE, deriveKey, sha1, type KeyLength } from '../crypto/kdf.ts';
import { encodeTlv, readTlvList } from '../tlv.ts';
import { describePaceOid, oidToBytes } from '../oids.ts';
import type { SessionKeys } from '../secure-channel.ts';
import { getDomainParameters, type DomainParameters } from './domain-parameters.ts';

export type PacePassword = { type: 'CAN'; can: string } | { type: 'MRZ'; mrz: BacKeyInput };

export interface PaceParameters {
  protocolOid: string;
  parameterId: number;
}

export interface PaceSuite {
  oid: string;
  oidBytes: Uint8Array;
  suite: CipherSuite;
  keyLength: KeyLength;
  domain: DomainParameters;
}

/** Resolves the protocol OID and parameter ID; UNSUPPORTED for IM/CAM or a DH/ECDH mismatch. */
export function resolvePaceSuite(params: PaceParameters): PaceSuite {
  const info = describePaceOid(params.protocolOid);
  if (!info) throw new XacminhError('UNSUPPORTED', `Not a PACE protocol OID: ${params.protocolOid}`, { oid: params.protocolOid });
  if (info.mapping !== 'GM') {
    throw new XacminhError('UNSUPPORTED', `PACE ${info.mapping} mapping is not implemented (generic mapping only)`, { oid: params.protocolOid });
  }
  const domain = getDomainParameters(params.parameterId);
  if ((domain.kind === 'EC') !== (info.agreement === 'ECDH')) {
    throw new XacminhError('UNSUPPORTED', `PACE ${info.agreement} cannot use domain parameters ${params.parameterId} (${domain.name})`, {
      oid: params.protocolOid,
      parameterId: params.parameterId,
    });
  }
  return { oid: params.protocolOid, oidBytes: oidToBytes(params.protocolOid), suite: cipherSuite(info.cipher), keyLength: info.keyLength, domain };
}

/** Password reference of MSE:Set AT: 01 MRZ, 02 CAN. */
export function passwordReference(password: PacePassword): 1 | 2 {
  return password.type === 'MRZ' ? 1 : 2;
}

/** The shared secret π: SHA-1 of the MRZ information, or the CAN's characters. */
export function passwordSecret(password: PacePassword): Uint8Array {
  if (password.type === 'MRZ') return sha1(new TextEncoder().encode(mrzInformation(password.mrz)));
  const can = password.can.trim();
  if (!/^\d{6}$/.test(can)) throw new XacminhError('INVALID_INPUT', 'The CAN must be 6 digits (the last 6 digits of the ID number)');
  return new TextEncoder().encode(can);
}

export function passwordKey(password: PacePassword, suite: PaceSuite): Uint8Array {
  return deriveKey(passwordSecret(password), suite.suite.cipher, suite.keyLength, KDF_PACE);
}

export function sessionKeys(sharedSecret: Uint8Array, suite: PaceSuite): SessionKeys {
  const cipher = suite.suite.cipher;
  return {
    cipher,
    kEnc: deriveKey(sharedSecret, cipher, suite.keyLength, KDF_ENC),
    kMac: deriveKey(sharedSecret, cipher, suite.keyLength, KDF_MAC),
    ssc: new Uint8Array(suite.suite.blockSize), // PACE starts the counter at zero
  };
}

/** MSE:Set AT data: 80 OID, 83 password reference, 84 domain parameter ID. */
export function mseSetAtData(suite: PaceSuite, password: PacePassword, parameterId: number): Uint8Array {
  return concat(encodeTlv(0x80, suite.oidBytes), encodeTlv(0x83, Uint8Array.of(passwordReference(password))), encodeTlv(0x84, Uint8Array.of(parameterId)));
}

/** Authentication token: MAC over 7F49 { 06 OID, 86/84 public value } of the other side's ephemeral key. */
export function authenticationToken(suite: PaceSuite, kMac: Uint8Array, publicValueTag: number, publicValue: Uint8Array): Uint8Array {
  const dataObject = encodeTlv(0x7f49, concat(encodeTlv(0x06, suite.oidBytes), encodeTlv(publicValueTag, publicValue)));
  // AES tokens are a plain CMAC (no padding, checked against Appendix G); 3DES uses the padded retail MAC.
  if (suite.suite.cipher === 'AES') return aesCmac(kMac, dataObject).slice(0, 8);
  return retailMac(kMac, dataObject);
}

/** Wraps dynamic authentication data objects in '7C'. */
export function dynamicAuthData(...objects: Uint8Array[]): Uint8Array {
  return encodeTlv(0x7c, concat(...objects));
}

/** Opens '7C' and returns its inner objects by tag; MALFORMED_DATA for anything else. */
export function openDynamicAuthData(data: Uint8Array): Map<number, Uint8Array> {
  const outer = readTlvList(data);
  if (outer.length !== 1 || outer[0]!.tag !== 0x7c) throw new XacminhError('MALFORMED_DATA', 'GENERAL AUTHENTICATE data is not a single 7C object');
  const inner = new Map<number, Uint8Array>();
  for (const tlv of readTlvList(outer[0]!.value)) {
    if (inner.has(tlv.tag)) throw new XacminhError('MALFORMED_DATA', `Duplicate tag ${tlv.tag.toString(16)} in 7C`);
    inner.set(tlv.tag, tlv.value);
  }
  return inner;
}

export function requireObject(objects: Map<number, Uint8Array>, tag: number): Uint8Array {
  const value = objects.get(tag);
  if (!value) throw new XacminhError('MALFORMED_DATA', `GENERAL AUTHENTICATE data lacks tag ${tag.toString(16).toUpperCase()}`);
  return value;
}
