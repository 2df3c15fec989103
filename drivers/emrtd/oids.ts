/**
 * Protocol object identifiers of ICAO 9303 Part 11 §9.2 and BSI TR-03110 (PACE, CA, TA, AA) and the LDS
 * security object. One table, dotted strings, shared by the protocol code and the LDS parsers.
 */
import { XacminhError } from '../errors.ts';
import type { SmCipher } from './secure-channel.ts';

const BSI = '0.4.0.127.0.7';
const PK = `${BSI}.2.2.1`;
const TA = `${BSI}.2.2.2`;
const CA = `${BSI}.2.2.3`;
const PACE = `${BSI}.2.2.4`;

export const OID = {
  // Public keys in EF.DG14 / EF.CardSecurity (ChipAuthenticationPublicKeyInfo, PACE-CAM).
  'id-PK-DH': `${PK}.1`,
  'id-PK-ECDH': `${PK}.2`,

  'id-TA': TA,
  'id-TA-RSA': `${TA}.1`,
  'id-TA-ECDSA': `${TA}.2`,

  'id-CA-DH': `${CA}.1`,
  'id-CA-DH-3DES-CBC-CBC': `${CA}.1.1`,
  'id-CA-DH-AES-CBC-CMAC-128': `${CA}.1.2`,
  'id-CA-DH-AES-CBC-CMAC-192': `${CA}.1.3`,
  'id-CA-DH-AES-CBC-CMAC-256': `${CA}.1.4`,
  'id-CA-ECDH': `${CA}.2`,
  'id-CA-ECDH-3DES-CBC-CBC': `${CA}.2.1`,
  'id-CA-ECDH-AES-CBC-CMAC-128': `${CA}.2.2`,
  'id-CA-ECDH-AES-CBC-CMAC-192': `${CA}.2.3`,
  'id-CA-ECDH-AES-CBC-CMAC-256': `${CA}.2.4`,

  'id-PACE': PACE,
  // The bare mapping ids name the protocol of PACEDomainParameterInfo.
  'id-PACE-DH-GM': `${PACE}.1`,
  'id-PACE-DH-GM-3DES-CBC-CBC': `${PACE}.1.1`,
  'id-PACE-DH-GM-AES-CBC-CMAC-128': `${PACE}.1.2`,
  'id-PACE-DH-GM-AES-CBC-CMAC-192': `${PACE}.1.3`,
  'id-PACE-DH-GM-AES-CBC-CMAC-256': `${PACE}.1.4`,
  'id-PACE-ECDH-GM': `${PACE}.2`,
  'id-PACE-ECDH-GM-3DES-CBC-CBC': `${PACE}.2.1`,
  'id-PACE-ECDH-GM-AES-CBC-CMAC-128': `${PACE}.2.2`,
  'id-PACE-ECDH-GM-AES-CBC-CMAC-192': `${PACE}.2.3`,
  'id-PACE-ECDH-GM-AES-CBC-CMAC-256': `${PACE}.2.4`,
  'id-PACE-DH-IM': `${PACE}.3`,
  'id-PACE-DH-IM-3DES-CBC-CBC': `${PACE}.3.1`,
  'id-PACE-DH-IM-AES-CBC-CMAC-128': `${PACE}.3.2`,
  'id-PACE-DH-IM-AES-CBC-CMAC-192': `${PACE}.3.3`,
  'id-PACE-DH-IM-AES-CBC-CMAC-256': `${PACE}.3.4`,
  'id-PACE-ECDH-IM': `${PACE}.4`,
  'id-PACE-ECDH-IM-3DES-CBC-CBC': `${PACE}.4.1`,
  'id-PACE-ECDH-IM-AES-CBC-CMAC-128': `${PACE}.4.2`,
  'id-PACE-ECDH-IM-AES-CBC-CMAC-192': `${PACE}.4.3`,
  'id-PACE-ECDH-IM-AES-CBC-CMAC-256': `${PACE}.4.4`,
  'id-PACE-ECDH-CAM': `${PACE}.6`,
  'id-PACE-ECDH-CAM-AES-CBC-CMAC-128': `${PACE}.6.2`,
  'id-PACE-ECDH-CAM-AES-CBC-CMAC-192': `${PACE}.6.3`,
  'id-PACE-ECDH-CAM-AES-CBC-CMAC-256': `${PACE}.6.4`,

  // PACEDomainParameterInfo.domainParameter algorithm for standardized parameters (TR-03110-3 A.2.1.1).
  standardizedDomainParameters: `${BSI}.1.2`,
  ecPublicKey: '1.2.840.10045.2.1',
  dhpublicnumber: '1.2.840.10046.2.1',

  'id-icao-mrtd-security-ldsSecurityObject': '2.23.136.1.1.1',
  'id-icao-cscaMasterList': '2.23.136.1.1.2',
  'id-AA': '2.23.136.1.1.5',
} as const;

export type OidName = keyof typeof OID;

export interface PaceOidInfo {
  mapping: 'GM' | 'IM' | 'CAM';
  agreement: 'DH' | 'ECDH';
  cipher: SmCipher;
  keyLength: 16 | 24 | 32;
}

const PACE_MAPPINGS: Record<string, Pick<PaceOidInfo, 'mapping' | 'agreement'>> = {
  '1': { mapping: 'GM', agreement: 'DH' },
  '2': { mapping: 'GM', agreement: 'ECDH' },
  '3': { mapping: 'IM', agreement: 'DH' },
  '4': { mapping: 'IM', agreement: 'ECDH' },
  '6': { mapping: 'CAM', agreement: 'ECDH' },
};

const CIPHERS: Record<string, Pick<PaceOidInfo, 'cipher' | 'keyLength'>> = {
  '1': { cipher: '3DES', keyLength: 16 },
  '2': { cipher: 'AES', keyLength: 16 },
  '3': { cipher: 'AES', keyLength: 24 },
  '4': { cipher: 'AES', keyLength: 32 },
};

/** Decodes a full PACE protocol OID (mapping + cipher suffix); undefined for anything else. */
export function describePaceOid(oid: string): PaceOidInfo | undefined {
  if (!oid.startsWith(`${PACE}.`)) return undefined;
  const rest = oid.slice(PACE.length + 1).split('.');
  if (rest.length !== 2) return undefined;
  const mapping = PACE_MAPPINGS[rest[0]!];
  const cipher = CIPHERS[rest[1]!];
  if (!mapping || !cipher) return undefined;
  if (mapping.mapping === 'CAM' && cipher.cipher === '3DES') return undefined; // CAM is defined for AES only
  return { ...mapping, ...cipher };
}

/** Name of a known OID, for messages and logs. */
export function oidName(oid: string): OidName | undefined {
  for (const [name, value] of Object.entries(OID)) if (value === oid) return name as OidName;
  return undefined;
}

/** DER content octets of an OID (without tag and length), as MSE:Set AT and 7F49 objects carry it. */
export function oidToBytes(oid: string): Uint8Array {
  const arcs = oid.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw new XacminhError('INVALID_INPUT', `Invalid OID: ${oid}`);
    return BigInt(a);
  });
  if (arcs.length < 2 || arcs[0]! > 2n) throw new XacminhError('INVALID_INPUT', `Invalid OID: ${oid}`);
  const out: number[] = [];
  const push = (value: bigint): void => {
    const groups: number[] = [Number(value & 0x7fn)];
    for (let v = value >> 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...groups);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const arc of arcs.slice(2)) push(arc);
  return Uint8Array.from(out);
}
