/**
 * An X.509 certificate as Passive Authentication needs it: names, validity, key identifiers and key usage
 * for display and matching, and the exact signed bytes (TBSCertificate as received, never re-encoded) with
 * the issuer's signature, so signature checks do not depend on how a library would re-serialize them.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AuthorityKeyIdentifier, Certificate, KeyUsage, KeyUsageFlags, Name, SubjectKeyIdentifier, id_ce_authorityKeyIdentifier, id_ce_keyUsage, id_ce_subjectKeyIdentifier } from '@peculiar/asn1-x509';
import { XacminhError, isXacminhError } from '../../errors.ts';
import { hex } from '../crypto/bytes.ts';
import { derOid, expectTag } from '../lds/der.ts';
import { readSingle, readTlvList } from '../tlv.ts';
import { verifySignature, type AlgorithmId } from './signature.ts';

export interface CertificateInfo {
  der: Uint8Array;
  /** One-line distinguished names, as node:crypto prints them ("C=VN, O=…, CN=…"). */
  subject: string;
  issuer: string;
  /** Case- and space-insensitive forms of the names, for issuer ↔ subject matching (RFC 5280 §7.1). */
  subjectKey: string;
  issuerKey: string;
  /** Upper-case hex without leading zeros. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  sha256: string;
  subjectKeyId?: string;
  authorityKeyId?: string;
  /** KeyUsage bits (KeyUsageFlags), or undefined when the extension is absent (= unrestricted). */
  keyUsage?: number;
  spki: Uint8Array;
  tbs: Uint8Array;
  signatureAlgorithm: AlgorithmId;
  signature: Uint8Array;
}

export function parseCertificate(der: Uint8Array, what = 'certificate'): CertificateInfo {
  try {
    return parseUnsafe(der);
  } catch (error) {
    if (isXacminhError(error) && error.code === 'MALFORMED_DATA') throw new XacminhError('MALFORMED_DATA', `${what}: ${error.message}`, { ...error.evidence }, { cause: error });
    throw new XacminhError('MALFORMED_DATA', `${what}: not an X.509 certificate (${(error as Error).message})`, {}, { cause: error });
  }
}

function parseUnsafe(input: Uint8Array): CertificateInfo {
  const outer = readSingle(input, 0x30, 'Certificate');
  const der = outer.raw.slice();
  const [tbs, algorithm, signature] = readTlvList(outer.value);
  const tbsTlv = expectTag(tbs, 0x30, 'TBSCertificate');
  const [algorithmOid, ...algorithmParameters] = readTlvList(expectTag(algorithm, 0x30, 'signatureAlgorithm').value);
  const bits = expectTag(signature, 0x03, 'signatureValue').value;
  if (bits.length < 2 || bits[0] !== 0) throw new XacminhError('MALFORMED_DATA', 'signatureValue: bad BIT STRING');
  const node = new X509Certificate(Buffer.from(der));
  const asn = AsnConvert.parse(der, Certificate).tbsCertificate;
  const oneLine = (name: string) => name.replace(/\n/g, ', ');
  const info: CertificateInfo = {
    der,
    subject: oneLine(node.subject),
    issuer: oneLine(node.issuer),
    subjectKey: normaliseName(asn.subject),
    issuerKey: normaliseName(asn.issuer),
    serial: node.serialNumber.replace(/^0+(?=.)/, '').toUpperCase(),
    notBefore: new Date(node.validFrom),
    notAfter: new Date(node.validTo),
    sha256: createHash('sha256').update(der).digest('hex'),
    spki: new Uint8Array(AsnConvert.serialize(asn.subjectPublicKeyInfo)),
    tbs: tbsTlv.raw,
    signatureAlgorithm: algorithmParameters[0]
      ? { oid: derOid(algorithmOid, 'signature algorithm'), parameters: algorithmParameters[0].raw }
      : { oid: derOid(algorithmOid, 'signature algorithm') },
    signature: bits.slice(1),
  };
  if (Number.isNaN(info.notBefore.getTime()) || Number.isNaN(info.notAfter.getTime())) throw new XacminhError('MALFORMED_DATA', 'unreadable validity dates');
  for (const extension of asn.extensions ?? []) {
    if (extension.extnID === id_ce_subjectKeyIdentifier) info.subjectKeyId = hex(new Uint8Array(AsnConvert.parse(extension.extnValue, SubjectKeyIdentifier).buffer));
    if (extension.extnID === id_ce_authorityKeyIdentifier) {
      const keyId = AsnConvert.parse(extension.extnValue, AuthorityKeyIdentifier).keyIdentifier;
      if (keyId) info.authorityKeyId = hex(new Uint8Array(keyId.buffer));
    }
    if (extension.extnID === id_ce_keyUsage) info.keyUsage = AsnConvert.parse(extension.extnValue, KeyUsage).toNumber();
  }
  return info;
}

/** A Name, DER-encoded, in the normalised form used for matching (MALFORMED_DATA if it does not parse). */
export function nameKeyOfDer(der: Uint8Array): string {
  try {
    return normaliseName(AsnConvert.parse(der, Name));
  } catch (error) {
    throw new XacminhError('MALFORMED_DATA', `distinguished name does not parse: ${(error as Error).message}`);
  }
}

export function normaliseName(name: Name): string {
  return name
    .map((rdn) =>
      rdn
        .map((atv) => `${atv.type}=${atv.value.toString().trim().replace(/\s+/g, ' ').toLowerCase()}`)
        .sort()
        .join('+'),
    )
    .join(',');
}

export function mayDigitallySign(cert: CertificateInfo): boolean {
  return cert.keyUsage === undefined || (cert.keyUsage & KeyUsageFlags.digitalSignature) !== 0;
}

/** True when `issuer`'s key verifies `cert`'s signature; false on any failure to check. */
export function isSignedBy(cert: CertificateInfo, issuer: CertificateInfo): boolean {
  try {
    return verifySignature(issuer.spki, cert.signatureAlgorithm, cert.tbs, cert.signature);
  } catch {
    return false;
  }
}
