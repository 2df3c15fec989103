/**
 * EF.SOD: tag 77 wrapping a CMS SignedData whose content is the LDSSecurityObject — the hash of every
 * data group, signed by the document signer. Here we only take it apart (and build one for the virtual
 * card); verifying it is Passive Authentication's job.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  Attribute,
  CertificateChoices,
  CertificateSet,
  ContentInfo,
  EncapsulatedContent,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
  DigestAlgorithmIdentifiers,
  id_signedData,
} from '@peculiar/asn1-cms';
import { AlgorithmIdentifier, Certificate } from '@peculiar/asn1-x509';
import { isXacminhError, XacminhError } from '../../errors.ts';
import { DIGEST_BY_OID, OID_BY_DIGEST } from '../crypto/digests.ts';
import { OID, oidToBytes } from '../oids.ts';
import { encodeTlv, readSingle, readTlvList } from '../tlv.ts';
import { byteText, derInteger, derOid, malformed, TAG } from './der.ts';
import { concat } from '../crypto/bytes.ts';

export interface Sod {
  raw: Uint8Array;
  signedData: SignedData;
  digestAlgorithm: string;
  dataGroupHashes: Map<number, Uint8Array>;
  ldsVersion?: string;
}

export function parseSod(bytes: Uint8Array): Sod {
  const cms = readSingle(bytes, 0x77, 'EF.SOD').value;
  let signedData: SignedData;
  try {
    const info = AsnConvert.parse(cms, ContentInfo);
    if (info.contentType !== id_signedData) throw malformed('EF.SOD', `content type ${info.contentType} is not SignedData`);
    signedData = AsnConvert.parse(info.content, SignedData);
  } catch (error) {
    if (isXacminhError(error)) throw error;
    throw malformed('EF.SOD', `CMS structure: ${(error as Error).message}`);
  }
  const content = signedData.encapContentInfo;
  if (content.eContentType !== OID['id-icao-mrtd-security-ldsSecurityObject']) throw malformed('EF.SOD', `content is ${content.eContentType}, not an LDS security object`);
  const eContent = content.eContent?.single?.buffer ?? content.eContent?.any;
  if (!eContent) throw malformed('EF.SOD', 'no LDS security object');
  return { raw: bytes, signedData, ...parseLdsSecurityObject(new Uint8Array(eContent)) };
}

/** LDSSecurityObject ::= SEQUENCE { version, hashAlgorithm, dataGroupHashValues SEQUENCE OF { number, hash } [, ldsVersionInfo] } */
function parseLdsSecurityObject(bytes: Uint8Array): Pick<Sod, 'digestAlgorithm' | 'dataGroupHashes' | 'ldsVersion'> {
  const parts = readTlvList(readSingle(bytes, TAG.SEQUENCE, 'LDS security object').value);
  derInteger(parts[0], 'LDS security object version');
  const algorithm = parts[1];
  if (algorithm?.tag !== TAG.SEQUENCE) throw malformed('LDS security object', 'no hash algorithm');
  const oid = derOid(readTlvList(algorithm.value)[0], 'hash algorithm');
  const digestAlgorithm = DIGEST_BY_OID[oid];
  if (!digestAlgorithm) throw malformed('LDS security object', `unknown hash algorithm ${oid}`);
  const hashes = parts[2];
  if (hashes?.tag !== TAG.SEQUENCE) throw malformed('LDS security object', 'no data-group hashes');
  const dataGroupHashes = new Map<number, Uint8Array>();
  for (const entry of readTlvList(hashes.value)) {
    if (entry.tag !== TAG.SEQUENCE) throw malformed('LDS security object', 'data-group hash is not a SEQUENCE');
    const [number, hash] = readTlvList(entry.value);
    const dg = derInteger(number, 'data-group number');
    if (hash?.tag !== TAG.OCTET_STRING) throw malformed('LDS security object', `hash of DG${dg} is not an OCTET STRING`);
    if (dg < 1 || dg > 16 || dataGroupHashes.has(dg)) throw malformed('LDS security object', `bad or repeated data-group number ${dg}`);
    dataGroupHashes.set(dg, hash.value.slice());
  }
  const result: Pick<Sod, 'digestAlgorithm' | 'dataGroupHashes' | 'ldsVersion'> = { digestAlgorithm, dataGroupHashes };
  const versionInfo = parts[3];
  if (versionInfo?.tag === TAG.SEQUENCE) {
    const [lds] = readTlvList(versionInfo.value);
    if (lds && lds.tag === 0x13) result.ldsVersion = byteText(lds.value);
  }
  return result;
}

export interface SodInput {
  digestAlgorithm: 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
  /** Hash of each data group's full file bytes. */
  dataGroups: Map<number, Uint8Array>;
  signerKey: KeyObject;
  signerCertificateDer: Uint8Array;
  /** When given, an LDS 1.8 security object (version 1) with LDSVersionInfo, e.g. { lds: '0108', unicode: '040000' }. */
  ldsVersion?: { lds: string; unicode: string };
}

const SIGNATURE_OIDS: Record<string, Record<string, string>> = {
  ec: { sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3', sha512: '1.2.840.10045.4.3.4', sha224: '1.2.840.10045.4.3.1', sha1: '1.2.840.10045.4.1' },
  rsa: { sha256: '1.2.840.113549.1.1.11', sha384: '1.2.840.113549.1.1.12', sha512: '1.2.840.113549.1.1.13', sha224: '1.2.840.113549.1.1.14', sha1: '1.2.840.113549.1.1.5' },
};

/** Builds a real, signed EF.SOD (for the virtual card). */
export function encodeSod(input: SodInput): Uint8Array {
  const digestOid = OID_BY_DIGEST[input.digestAlgorithm];
  const keyType = input.signerKey.asymmetricKeyType;
  // RSA-PSS and EdDSA would need other signature OIDs and parameters: refuse rather than mislabel.
  if (!digestOid || (keyType !== 'ec' && keyType !== 'rsa')) {
    throw new XacminhError('INVALID_INPUT', `encodeSod: cannot sign with ${keyType ?? 'unknown'} key and ${input.digestAlgorithm}`);
  }
  if (input.signerKey.type !== 'private') throw new XacminhError('INVALID_INPUT', 'encodeSod: the signer key must be a private key');
  const hashes = [...input.dataGroups].sort(([a], [b]) => a - b).map(([dg, hash]) =>
    encodeTlv(TAG.SEQUENCE, concat(encodeTlv(TAG.INTEGER, Uint8Array.of(dg)), encodeTlv(TAG.OCTET_STRING, hash))),
  );
  const printable = (s: string) => encodeTlv(0x13, new TextEncoder().encode(s));
  const versionInfo = input.ldsVersion ? [encodeTlv(TAG.SEQUENCE, concat(printable(input.ldsVersion.lds), printable(input.ldsVersion.unicode)))] : [];
  const lso = encodeTlv(
    TAG.SEQUENCE,
    concat(
      encodeTlv(TAG.INTEGER, Uint8Array.of(input.ldsVersion ? 1 : 0)),
      encodeTlv(TAG.SEQUENCE, concat(encodeTlv(TAG.OID, oidToBytes(digestOid)), Uint8Array.of(0x05, 0x00))),
      encodeTlv(TAG.SEQUENCE, concat(...hashes)),
      ...versionInfo,
    ),
  );
  const certificate = AsnConvert.parse(input.signerCertificateDer, Certificate);
  const attrs = [
    new Attribute({ attrType: '1.2.840.113549.1.9.3', attrValues: [toArrayBuffer(encodeTlv(TAG.OID, oidToBytes(OID['id-icao-mrtd-security-ldsSecurityObject'])))] }),
    new Attribute({ attrType: '1.2.840.113549.1.9.4', attrValues: [toArrayBuffer(encodeTlv(TAG.OCTET_STRING, createHash(input.digestAlgorithm).update(lso).digest()))] }),
  ];
  // The signature covers the signed attributes DER-encoded as a SET (RFC 5652 §5.4).
  const attrsDer = concat(...attrs.map((a) => new Uint8Array(AsnConvert.serialize(a))));
  const signature = sign(input.digestAlgorithm, encodeTlv(TAG.SET, attrsDer), { key: input.signerKey, dsaEncoding: 'der' });
  const signerInfo = new SignerInfo({
    version: 1,
    sid: new SignerIdentifier({ issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: certificate.tbsCertificate.issuer, serialNumber: certificate.tbsCertificate.serialNumber }) }),
    digestAlgorithm: new AlgorithmIdentifier({ algorithm: digestOid }),
    signedAttrs: attrs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: SIGNATURE_OIDS[keyType]![input.digestAlgorithm]! }),
    signature: new OctetString(signature),
  });
  const signedData = new SignedData({
    version: 3,
    digestAlgorithms: new DigestAlgorithmIdentifiers([new AlgorithmIdentifier({ algorithm: digestOid })]),
    encapContentInfo: new EncapsulatedContentInfo({
      eContentType: OID['id-icao-mrtd-security-ldsSecurityObject'],
      eContent: new EncapsulatedContent({ single: new OctetString(lso) }),
    }),
    certificates: new CertificateSet([new CertificateChoices({ certificate })]),
    signerInfos: new SignerInfos([signerInfo]),
  });
  const contentInfo = new ContentInfo({ contentType: id_signedData, content: AsnConvert.serialize(signedData) });
  return encodeTlv(0x77, new Uint8Array(AsnConvert.serialize(contentInfo)));
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}
