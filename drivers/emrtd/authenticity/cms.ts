/**
 * CMS SignedData (RFC 5652) as ICAO uses it for EF.SOD and CSCA master lists. Read with the strict TLV
 * reader so every byte that is signed (eContent, signed attributes, certificates) is taken exactly as
 * received: re-encoding a parsed structure could "repair" it and change what the signature covers.
 */
import { createHash } from 'node:crypto';
import { XacminhError, isXacminhError } from '../../errors.ts';
import { DIGEST_BY_OID } from '../crypto/digests.ts';
import { bytesEqual, hex } from '../crypto/bytes.ts';
import { derInteger, derOid, expectTag, malformed } from '../lds/der.ts';
import { readSingle, readTlvList, type Tlv } from '../tlv.ts';
import { nameKeyOfDer, parseCertificate, type CertificateInfo } from './certificate.ts';
import { verifySignature, type AlgorithmId } from './signature.ts';

const ID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const ATTR_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const ATTR_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';

export interface SignerInfoParts {
  sid: { issuer: Uint8Array; serial: string } | { subjectKeyId: string };
  digestAlgorithm: string;
  /** The signed attributes re-tagged as the SET OF they are signed as (RFC 5652 §5.4), or undefined. */
  signedAttributes?: Uint8Array;
  attributes: Map<string, Uint8Array[]>;
  signatureAlgorithm: AlgorithmId;
  signature: Uint8Array;
}

export interface SignedDataParts {
  contentType: string;
  content: Uint8Array;
  certificates: CertificateInfo[];
  signerInfo: SignerInfoParts;
}

/** Parses a ContentInfo holding SignedData; MALFORMED_DATA for anything else. */
export function parseSignedData(der: Uint8Array, what: string): SignedDataParts {
  try {
    return parseUnsafe(der, what);
  } catch (error) {
    if (isXacminhError(error)) throw new XacminhError(error.code, `${what}: ${error.message}`, { ...error.evidence }, { cause: error });
    throw new XacminhError('MALFORMED_DATA', `${what}: ${(error as Error).message}`, {}, { cause: error });
  }
}

function parseUnsafe(der: Uint8Array, what: string): SignedDataParts {
  const [type, explicit] = readTlvList(readSingle(der, 0x30, 'ContentInfo').value);
  const contentType = derOid(type, 'ContentInfo type');
  if (contentType !== ID_SIGNED_DATA) throw malformed('ContentInfo', `content type ${contentType} is not SignedData`);
  const signedData = readSingle(expectTag(explicit, 0xa0, 'ContentInfo content').value, 0x30, 'SignedData');
  const parts = readTlvList(signedData.value);
  // SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo, [0] certificates, [1] crls, signerInfos SET }
  const encap = readTlvList(expectTag(parts[2], 0x30, 'EncapsulatedContentInfo').value);
  const eContentType = derOid(encap[0], 'eContentType');
  const wrapped = expectTag(encap[1], 0xa0, 'eContent');
  // DER only: a constructed (BER-chunked) OCTET STRING is refused rather than reassembled.
  const content = readSingle(wrapped.value, 0x04, 'eContent').value;
  let index = 3;
  const certificates: CertificateInfo[] = [];
  if (parts[index]?.tag === 0xa0) {
    for (const choice of readTlvList(parts[index]!.value)) {
      if (choice.tag === 0x30) certificates.push(parseCertificate(choice.raw, `${what} certificate`));
    }
    index++;
  }
  if (parts[index]?.tag === 0xa1) index++;
  const signerInfos = readTlvList(expectTag(parts[index], 0x31, 'signerInfos').value);
  if (signerInfos.length !== 1 || parts.length !== index + 1) throw malformed('SignedData', `${signerInfos.length} signers, ${parts.length} fields (expected one signer, last)`);
  const signerInfo = parseSignerInfo(signerInfos[0]!);
  // Unsigned, but a SignedData whose header disagrees with its signer is not one we take apart further.
  if (![1, 3, 4, 5].includes(derInteger(parts[0], 'SignedData version'))) throw malformed('SignedData', 'unknown version');
  const digests = readTlvList(expectTag(parts[1], 0x31, 'digestAlgorithms').value).map((a) => algorithmId(a, 'digestAlgorithms').oid);
  if (!digests.some((oid) => DIGEST_BY_OID[oid] === signerInfo.digestAlgorithm)) throw malformed('SignedData', 'the signer\'s digest algorithm is not listed in digestAlgorithms');
  return { contentType: eContentType, content, certificates, signerInfo };
}

function algorithmId(tlv: Tlv | undefined, what: string): AlgorithmId {
  const [oid, parameters] = readTlvList(expectTag(tlv, 0x30, what).value);
  const result: AlgorithmId = { oid: derOid(oid, what) };
  if (parameters && parameters.tag !== 0x05) result.parameters = parameters.raw;
  return result;
}

function parseSignerInfo(tlv: Tlv): SignerInfoParts {
  const fields = readTlvList(expectTag(tlv, 0x30, 'SignerInfo').value);
  const version = derInteger(fields[0], 'SignerInfo version');
  const sidTlv = fields[1];
  // RFC 5652 §5.3: version 1 goes with issuerAndSerialNumber, 3 with subjectKeyIdentifier.
  if (version !== (sidTlv?.tag === 0x80 ? 3 : 1)) throw malformed('SignerInfo', `version ${version} does not match its signer identifier`);
  let sid: SignerInfoParts['sid'];
  if (sidTlv?.tag === 0x30) {
    const [issuer, serial] = readTlvList(sidTlv.value);
    sid = { issuer: expectTag(issuer, 0x30, 'sid issuer').raw, serial: serialHex(expectTag(serial, 0x02, 'sid serial').value) };
  } else if (sidTlv?.tag === 0x80) {
    sid = { subjectKeyId: hex(sidTlv.value) };
  } else {
    throw malformed('SignerInfo', 'no signer identifier');
  }
  const digestOid = algorithmId(fields[2], 'digestAlgorithm').oid;
  const digestAlgorithm = DIGEST_BY_OID[digestOid];
  if (!digestAlgorithm) throw new XacminhError('UNSUPPORTED', `digest algorithm ${digestOid}`);
  let next = 3;
  const attributes = new Map<string, Uint8Array[]>();
  let signedAttributes: Uint8Array | undefined;
  if (fields[next]?.tag === 0xa0) {
    const raw = fields[next]!.raw.slice();
    raw[0] = 0x31;
    signedAttributes = raw;
    for (const attribute of readTlvList(fields[next]!.value)) {
      const [type, values] = readTlvList(expectTag(attribute, 0x30, 'Attribute').value);
      const oid = derOid(type, 'attribute type');
      if (attributes.has(oid)) throw malformed('signedAttrs', `attribute ${oid} appears twice`);
      attributes.set(oid, readTlvList(expectTag(values, 0x31, 'attribute values').value).map((v) => v.raw));
    }
    next++;
  }
  const signatureAlgorithm = algorithmId(fields[next], 'signatureAlgorithm');
  const signature = expectTag(fields[next + 1], 0x04, 'signature').value;
  const rest = fields.slice(next + 2);
  if (rest.length > 1 || (rest[0] && rest[0].tag !== 0xa1)) throw malformed('SignerInfo', 'unexpected fields after the signature');
  const result: SignerInfoParts = { sid, digestAlgorithm, attributes, signatureAlgorithm, signature };
  if (signedAttributes) result.signedAttributes = signedAttributes;
  return result;
}

function serialHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').replace(/^0+(?=.)/, '').toUpperCase();
}

/** The certificate the SignerInfo names, among those the SignedData carries. */
export function findSigner(parts: SignedDataParts): CertificateInfo | undefined {
  const sid = parts.signerInfo.sid;
  if ('subjectKeyId' in sid) return parts.certificates.find((c) => c.subjectKeyId === sid.subjectKeyId);
  const issuerKey = nameKeyOfDer(sid.issuer);
  return parts.certificates.find((c) => c.serial === sid.serial && c.issuerKey === issuerKey);
}

export interface SignatureCheck {
  valid: boolean;
  problem?: string;
}

/**
 * Checks messageDigest = hash(eContent) and content-type, then the signature over DER(SET OF signedAttrs)
 * (or over eContent when there are none) with `signer`'s key.
 */
export function checkSignerInfo(parts: SignedDataParts, signer: CertificateInfo): SignatureCheck {
  const info = parts.signerInfo;
  let signed = parts.content;
  if (info.signedAttributes) {
    const digests = info.attributes.get(ATTR_MESSAGE_DIGEST);
    if (digests?.length !== 1) return { valid: false, problem: 'the signed attributes have no single messageDigest' };
    const expected = readSingle(digests[0]!, 0x04, 'messageDigest').value;
    const actual = createHash(info.digestAlgorithm).update(parts.content).digest();
    if (!bytesEqual(actual, expected)) return { valid: false, problem: 'the content digest does not match the signed messageDigest' };
    const types = info.attributes.get(ATTR_CONTENT_TYPE);
    if (types && (types.length !== 1 || derOid(readSingle(types[0]!, 0x06, 'content-type'), 'content-type') !== parts.contentType)) {
      return { valid: false, problem: 'the signed content-type attribute does not match the content' };
    }
    signed = info.signedAttributes;
  }
  const valid = verifySignature(signer.spki, info.signatureAlgorithm, signed, info.signature, info.digestAlgorithm);
  return valid ? { valid } : { valid, problem: 'the signature does not verify with the signer certificate' };
}
