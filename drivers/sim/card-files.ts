/**
 * Builds the files of a virtual CCCD from a persona and a photo: EF.CardAccess as real CCCDs carry it,
 * EF.COM, DG1 (TD1 MRZ), DG2 (JPEG), DG13, DG14 (chip-authentication key), DG15 (active-authentication
 * key) and an EF.SOD really signed by a test document signer over the data-group hashes.
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { OID } from '../emrtd/oids.ts';
import { mrzCheckDigit, formatTd1 } from '../emrtd/mrz.ts';
import { encodeCom } from '../emrtd/lds/com.ts';
import { encodeDg1 } from '../emrtd/lds/dg1.ts';
import { encodeDg2 } from '../emrtd/lds/dg2.ts';
import { encodeDg13 } from '../emrtd/lds/dg13.ts';
import { encodeDg15 } from '../emrtd/lds/dg15.ts';
import { encodeSecurityInfos } from '../emrtd/lds/security-infos.ts';
import { encodeSod } from '../emrtd/lds/sod.ts';
import { encodeTlv } from '../emrtd/tlv.ts';
import { mrzName, toYymmdd, type Persona } from './persona.ts';
import { PORTRAIT_HEIGHT, PORTRAIT_WIDTH } from './portrait.ts';
import type { TestPki } from './test-pki.ts';

export interface CardKeys {
  chipAuthentication: { privateKey: KeyObject; publicKey: KeyObject };
  activeAuthentication: { privateKey: KeyObject; publicKey: KeyObject };
}

export interface CardFiles {
  /** By LDS name: EF.CardAccess, EF.COM, DG1, DG2, DG3, DG13, DG14, DG15, EF.SOD. */
  files: Map<string, Uint8Array>;
  keys: CardKeys;
  mrzLines: string[];
}

/** CCCD data groups, as EF.COM lists them on real cards (DG3 is present but EAC-protected). */
export const CCCD_DATA_GROUPS = [1, 2, 3, 13, 14, 15];

export function generateCardKeys(): CardKeys {
  return {
    chipAuthentication: generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }),
    activeAuthentication: generateKeyPairSync('rsa', { modulusLength: 1024 }),
  };
}

export function cccdMrzLines(persona: Persona): string[] {
  const id = persona.idNumber;
  const { primary, secondary } = mrzName(persona.fullName);
  return formatTd1({
    documentCode: 'ID',
    issuingState: 'VNM',
    documentNumber: id.slice(3),
    optionalData1: `${id}<<${mrzCheckDigit(id)}`,
    dateOfBirth: toYymmdd(persona.dateOfBirth),
    sex: persona.sex === 'Nam' ? 'M' : 'F',
    dateOfExpiry: toYymmdd(persona.dateOfExpiry),
    nationality: 'VNM',
    optionalData2: '',
    primaryIdentifier: primary,
    secondaryIdentifier: secondary,
  });
}

export function cardAccessFile(): Uint8Array {
  // In DER SET order, as the real cards carry it (byte-identical to a published CCCD EF.CardAccess).
  return encodeSecurityInfos([
    { type: 'TerminalAuthenticationInfo', oid: OID['id-TA'], version: 1 },
    { type: 'ChipAuthenticationInfo', oid: OID['id-CA-ECDH-AES-CBC-CMAC-128'], version: 1 },
    { type: 'PACEInfo', oid: OID['id-PACE-ECDH-GM-AES-CBC-CMAC-128'], version: 2, parameterId: 13 },
  ]);
}

/** Variations for tests of Chip and Active Authentication. */
export interface CardFileOptions {
  /** The id-CA-… protocol DG14 advertises (default id-CA-ECDH-AES-CBC-CMAC-128). */
  chipAuthenticationProtocol?: string;
  /** A CA public key other than keys.chipAuthentication (e.g. a DH key). */
  chipAuthenticationSpki?: Uint8Array;
  chipAuthenticationKeyId?: number;
  /** ActiveAuthenticationInfo signature algorithm; EC AA keys get ecdsa-plain-SHA256 unless told. */
  activeAuthenticationSignatureAlgorithm?: string;
  /** A card without DG15 (no Active Authentication). */
  withoutActiveAuthentication?: boolean;
  /** A DG14 without Chip Authentication infos (older chips): only PACEInfo (and AA info) remain. */
  withoutChipAuthentication?: boolean;
  /** Changes a data group after the SOD was signed (a forger editing the data). */
  alterAfterSigning?: (dataGroups: Map<number, Uint8Array>) => void;
}

const ECDSA_PLAIN_SHA256 = '0.4.0.127.0.7.1.1.4.1.3';

export function buildCardFiles(persona: Persona, photoJpeg: Uint8Array, pki: TestPki, keys: CardKeys = generateCardKeys(), options: CardFileOptions = {}): CardFiles {
  const mrzLines = cccdMrzLines(persona);
  const caPublicKey = options.chipAuthenticationSpki ?? new Uint8Array(keys.chipAuthentication.publicKey.export({ type: 'spki', format: 'der' }));
  const caProtocol = options.chipAuthenticationProtocol ?? OID['id-CA-ECDH-AES-CBC-CMAC-128'];
  const caKeyId = options.chipAuthenticationKeyId !== undefined ? { keyId: options.chipAuthenticationKeyId } : {};
  const aaAlgorithm =
    options.activeAuthenticationSignatureAlgorithm ?? (keys.activeAuthentication.publicKey.asymmetricKeyType === 'ec' ? ECDSA_PLAIN_SHA256 : undefined);
  const dataGroups = new Map<number, Uint8Array>([
    [1, encodeDg1(mrzLines)],
    [2, encodeDg2(photoJpeg, { width: PORTRAIT_WIDTH, height: PORTRAIT_HEIGHT })],
    // DG3 holds fingerprints behind EAC; the virtual card only needs it to refuse access realistically.
    [3, encodeTlv(0x63, new Uint8Array(64))],
    [13, encodeDg13(persona)],
    [
      14,
      encodeTlv(
        0x6e,
        encodeSecurityInfos([
          ...(options.withoutChipAuthentication
            ? []
            : [
                { type: 'ChipAuthenticationInfo' as const, oid: caProtocol, version: 1, ...caKeyId },
                {
                  type: 'ChipAuthenticationPublicKeyInfo' as const,
                  oid: caProtocol.startsWith(OID['id-CA-DH']) ? OID['id-PK-DH'] : OID['id-PK-ECDH'],
                  publicKey: caPublicKey,
                  ...caKeyId,
                },
              ]),
          { type: 'PACEInfo', oid: OID['id-PACE-ECDH-GM-AES-CBC-CMAC-128'], version: 2, parameterId: 13 },
          ...(aaAlgorithm ? [{ type: 'ActiveAuthenticationInfo' as const, oid: OID['id-AA'], version: 1, signatureAlgorithm: aaAlgorithm }] : []),
        ]),
      ),
    ],
    [15, encodeDg15(new Uint8Array(keys.activeAuthentication.publicKey.export({ type: 'spki', format: 'der' })))],
  ]);
  if (options.withoutActiveAuthentication) dataGroups.delete(15);
  const hashes = new Map([...dataGroups].map(([dg, bytes]) => [dg, new Uint8Array(createHash('sha256').update(bytes).digest())]));
  const sod = encodeSod({ digestAlgorithm: 'sha256', dataGroups: hashes, signerKey: pki.documentSignerKey, signerCertificateDer: pki.documentSignerCertificate });
  options.alterAfterSigning?.(dataGroups);
  const files = new Map<string, Uint8Array>([
    ['EF.CardAccess', cardAccessFile()],
    ['EF.COM', encodeCom(CCCD_DATA_GROUPS.filter((dg) => dataGroups.has(dg)))],
    ...[...dataGroups].map(([dg, bytes]) => [`DG${dg}`, bytes] as [string, Uint8Array]),
    ['EF.SOD', sod],
  ]);
  return { files, keys, mrzLines };
}
