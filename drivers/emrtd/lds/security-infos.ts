/**
 * SecurityInfos (ICAO 9303-11 §9.2): the SET in EF.CardAccess and DG14 that announces PACE, Chip
 * Authentication, Terminal Authentication and Active Authentication. Unknown entries are kept raw.
 */
import { OID, oidToBytes } from '../oids.ts';
import { encodeTlv, readSingle, readTlvList } from '../tlv.ts';
import { derInteger, derOid, encodeDerInteger, malformed, TAG } from './der.ts';
import { concat } from '../crypto/bytes.ts';

export type SecurityInfo =
  | { type: 'PACEInfo'; oid: string; version: number; parameterId?: number }
  | { type: 'PACEDomainParameterInfo'; oid: string; raw: Uint8Array; parameterId?: number }
  | { type: 'ChipAuthenticationInfo'; oid: string; version: number; keyId?: number }
  | { type: 'ChipAuthenticationPublicKeyInfo'; oid: string; publicKey: Uint8Array; keyId?: number }
  | { type: 'TerminalAuthenticationInfo'; oid: string; version: number }
  | { type: 'ActiveAuthenticationInfo'; oid: string; version: number; signatureAlgorithm: string }
  | { type: 'unknown'; oid: string; raw: Uint8Array };

const startsWith = (oid: string, prefix: string) => oid.startsWith(`${prefix}.`);

export function parseSecurityInfos(bytes: Uint8Array): SecurityInfo[] {
  const set = readSingle(bytes, TAG.SET, 'SecurityInfos');
  return readTlvList(set.value).map((entry) => {
    if (entry.tag !== TAG.SEQUENCE) throw malformed('SecurityInfos', `entry with tag ${entry.tag.toString(16)}`);
    const parts = readTlvList(entry.value);
    const oid = derOid(parts[0], 'SecurityInfo protocol');
    const optionalInt = (i: number) => (parts[i] ? derInteger(parts[i], 'SecurityInfo') : undefined);
    const withOptional = <T extends object>(info: T, key: string, value: number | undefined): T => (value === undefined ? info : { ...info, [key]: value });
    if (startsWith(oid, OID['id-PACE']) && parts[1]?.tag === TAG.INTEGER) {
      return withOptional({ type: 'PACEInfo' as const, oid, version: derInteger(parts[1], 'PACEInfo version') }, 'parameterId', optionalInt(2));
    }
    if (startsWith(oid, OID['id-PACE'])) {
      return withOptional({ type: 'PACEDomainParameterInfo' as const, oid, raw: entry.value }, 'parameterId', optionalInt(2));
    }
    if (startsWith(oid, OID['id-PK-DH']) || startsWith(oid, OID['id-PK-ECDH']) || oid === OID['id-PK-DH'] || oid === OID['id-PK-ECDH']) {
      const key = parts[1];
      if (!key || key.tag !== TAG.SEQUENCE) throw malformed('ChipAuthenticationPublicKeyInfo', 'no SubjectPublicKeyInfo');
      const spki = entry.value.slice(parts[0]!.totalLength, parts[0]!.totalLength + key.totalLength);
      return withOptional({ type: 'ChipAuthenticationPublicKeyInfo' as const, oid, publicKey: spki }, 'keyId', optionalInt(2));
    }
    if (startsWith(oid, OID['id-CA-DH']) || startsWith(oid, OID['id-CA-ECDH'])) {
      return withOptional({ type: 'ChipAuthenticationInfo' as const, oid, version: derInteger(parts[1], 'ChipAuthenticationInfo version') }, 'keyId', optionalInt(2));
    }
    if (oid === OID['id-TA'] || startsWith(oid, OID['id-TA'])) {
      return { type: 'TerminalAuthenticationInfo' as const, oid, version: derInteger(parts[1], 'TerminalAuthenticationInfo version') };
    }
    if (oid === OID['id-AA']) {
      return {
        type: 'ActiveAuthenticationInfo' as const,
        oid,
        version: derInteger(parts[1], 'ActiveAuthenticationInfo version'),
        signatureAlgorithm: derOid(parts[2], 'ActiveAuthenticationInfo signature algorithm'),
      };
    }
    return { type: 'unknown' as const, oid, raw: entry.value.slice() };
  });
}

const int = encodeDerInteger;
const oidTlv = (oid: string) => encodeTlv(TAG.OID, oidToBytes(oid));

export function encodeSecurityInfos(infos: SecurityInfo[]): Uint8Array {
  const entries = infos.map((info) => {
    const parts: Uint8Array[] = [oidTlv(info.oid)];
    switch (info.type) {
      case 'PACEInfo':
        parts.push(int(info.version));
        if (info.parameterId !== undefined) parts.push(int(info.parameterId));
        break;
      case 'ChipAuthenticationInfo':
        parts.push(int(info.version));
        if (info.keyId !== undefined) parts.push(int(info.keyId));
        break;
      case 'ChipAuthenticationPublicKeyInfo':
        parts.push(info.publicKey);
        if (info.keyId !== undefined) parts.push(int(info.keyId));
        break;
      case 'TerminalAuthenticationInfo':
        parts.push(int(info.version));
        break;
      case 'ActiveAuthenticationInfo':
        parts.push(int(info.version), oidTlv(info.signatureAlgorithm));
        break;
      default:
        return encodeTlv(TAG.SEQUENCE, info.raw);
    }
    return encodeTlv(TAG.SEQUENCE, concat(...parts));
  });
  return encodeTlv(TAG.SET, concat(...entries));
}
