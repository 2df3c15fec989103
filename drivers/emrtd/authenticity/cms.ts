/**
 * Verifies a CMS SignedData (RFC 5652) as ICAO uses it for EF.SOD and CSCA master lists: the content
 * digest in the signed attributes, and the signature of the signer certificate carried inside.
 */
import { X509Certificate, createHash, verify as verifySignature, constants } from 'node:crypto';
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import { ContentInfo, SignedData, id_signedData } from '@peculiar/asn1-cms';
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import { XacminhError, isXacminhError } from '../../errors.ts';
import { concat } from '../crypto/bytes.ts';
import { DIGEST_BY_OID } from '../crypto/digests.ts';
import { encodeTlv } from '../tlv.ts';

/** Signature algorithm OID → hash, or undefined where the hash comes from elsewhere (rsaEncryption, PSS). */
const SIGNATURE_HASH: Record<string, string | undefined> = {
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.113549.1.1.1': undefined,
  '1.2.840.113549.1.1.10': undefined,
};
const RSA_PSS = '1.2.840.113549.1.1.10';
const ATTR_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';

export interface VerifiedSignedData {
  content: Uint8Array;
  contentType: string;
  signer: X509Certificate;
  /** Every certificate the SignedData carries (the signer and, for master lists, nothing else). */
  certificates: X509Certificate[];
  signatureValid: boolean;
  problem?: string;
}

export function digestName(oid: string): string {
  const name = DIGEST_BY_OID[oid];
  if (!name) throw new XacminhError('UNSUPPORTED', `Unknown digest algorithm ${oid}`);
  return name;
}

/** `maxNodes` bounds the parser's work on card data; a master list of 500+ certificates needs more. */
export function parseSignedData(der: Uint8Array, what: string, maxNodes = 10_000): SignedData {
  const options = { berOptions: { maxNodes } };
  try {
    const info = AsnParser.parse(der, ContentInfo, options);
    if (info.contentType !== id_signedData) throw new Error(`content type ${info.contentType} is not SignedData`);
    return AsnParser.parse(info.content, SignedData, options);
  } catch (error) {
    throw new XacminhError('MALFORMED_DATA', `${what}: not a CMS SignedData (${(error as Error).message})`, {}, { cause: error });
  }
}

/** Checks messageDigest and the signer's signature; the signer's trust is the caller's question. */
export function verifySignedData(signedData: SignedData, what: string): VerifiedSignedData {
  try {
    return verifyUnsafe(signedData, what);
  } catch (error) {
    if (isXacminhError(error)) throw error;
    throw new XacminhError('MALFORMED_DATA', `${what}: ${(error as Error).message}`, {}, { cause: error });
  }
}

function verifyUnsafe(signedData: SignedData, what: string): VerifiedSignedData {
  const econtent = signedData.encapContentInfo.eContent;
  const contentBuffer = econtent?.single?.buffer ?? econtent?.any;
  if (!contentBuffer) throw new XacminhError('MALFORMED_DATA', `${what}: no encapsulated content`);
  const content = new Uint8Array(contentBuffer);
  const certificates = (signedData.certificates ?? []).flatMap((choice) =>
    choice.certificate ? [new X509Certificate(Buffer.from(AsnConvert.serialize(choice.certificate)))] : [],
  );
  const signerInfo = signedData.signerInfos[0];
  if (!signerInfo) throw new XacminhError('MALFORMED_DATA', `${what}: no signer`);
  const serial = signerInfo.sid.issuerAndSerialNumber?.serialNumber;
  const serialHex = serial ? Buffer.from(serial).toString('hex').replace(/^0+/, '').toUpperCase() : undefined;
  const signer = certificates.find((c) => serialHex === undefined || c.serialNumber.replace(/^0+/, '').toUpperCase() === serialHex) ?? certificates[0];
  if (!signer) throw new XacminhError('MALFORMED_DATA', `${what}: the signer certificate is not included`);
  const digest = digestName(signerInfo.digestAlgorithm.algorithm);
  let signedBytes: Uint8Array = content;
  const attributes = signerInfo.signedAttrs;
  if (attributes && attributes.length > 0) {
    const messageDigest = attributes.find((a) => a.attrType === ATTR_MESSAGE_DIGEST)?.attrValues[0];
    // The attribute value is an OCTET STRING: skip its two-byte header (digests are < 128 bytes).
    const expected = messageDigest ? new Uint8Array(messageDigest).subarray(2) : undefined;
    const actual = createHash(digest).update(content).digest();
    if (!expected || !actual.equals(expected)) {
      return { content, contentType: signedData.encapContentInfo.eContentType, signer, certificates, signatureValid: false, problem: 'content digest does not match the signed messageDigest' };
    }
    // Signed attributes are signed as a DER SET OF (tag 31), not as the [0] they are stored under; the
    // parser keeps their order, and DER fixes each one's encoding, so re-encoding gives the signed bytes.
    signedBytes = encodeTlv(0x31, concat(...attributes.map((a) => new Uint8Array(AsnConvert.serialize(a)))));
  }
  const signatureValid = verifyWith(signer, signerInfo.signatureAlgorithm.algorithm, signerInfo.signatureAlgorithm.parameters, digest, signedBytes, new Uint8Array(signerInfo.signature.buffer));
  return signatureValid
    ? { content, contentType: signedData.encapContentInfo.eContentType, signer, certificates, signatureValid }
    : { content, contentType: signedData.encapContentInfo.eContentType, signer, certificates, signatureValid, problem: 'signature does not verify' };
}

/** RSA PKCS#1 v1.5, RSA-PSS (its parameters name the hash) and ECDSA (DER signature) with node:crypto. */
export function verifyWith(cert: X509Certificate, algorithm: string, parameters: ArrayBuffer | null | undefined, digest: string, data: Uint8Array, signature: Uint8Array): boolean {
  const key = cert.publicKey;
  if (algorithm === RSA_PSS) {
    const params = parameters ? AsnConvert.parse(parameters, RsaSaPssParams) : new RsaSaPssParams();
    const hash = DIGEST_BY_OID[params.hashAlgorithm.algorithm] ?? 'sha1';
    return verifySignature(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: params.saltLength }, signature);
  }
  if (!(algorithm in SIGNATURE_HASH)) throw new XacminhError('UNSUPPORTED', `Unsupported signature algorithm ${algorithm}`);
  const hash = SIGNATURE_HASH[algorithm] ?? digest;
  return verifySignature(hash, data, key.asymmetricKeyType === 'ec' ? { key, dsaEncoding: 'der' } : key, signature);
}
