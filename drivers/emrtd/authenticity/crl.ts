/**
 * Certificate revocation lists (RFC 5280 §5) as CSCAs publish them for their document signers. A CRL counts
 * only if its issuer is the DS certificate's issuer and a trusted CSCA of that name verifies it: an unsigned
 * list could otherwise "revoke" any card. Matching is by name, not key: ICAO 9303-12 has a CSCA sign its
 * CRL with its current key, which also covers DS certificates issued under the previous one.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList } from '@peculiar/asn1-x509';
import { XacminhError, isXacminhError } from '../../errors.ts';
import { derOid, expectTag } from '../lds/der.ts';
import { readSingle, readTlvList } from '../tlv.ts';
import { normaliseName, type CertificateInfo } from './certificate.ts';
import { pemBlocks } from './pem.ts';
import { verifySignature, type AlgorithmId } from './signature.ts';

export interface Crl {
  issuerKey: string;
  thisUpdate: Date;
  nextUpdate?: Date;
  revokedSerials: Set<string>;
  tbs: Uint8Array;
  signatureAlgorithm: AlgorithmId;
  signature: Uint8Array;
}

export function parseCrl(der: Uint8Array, what = 'CRL'): Crl {
  try {
    const [tbs, algorithm, signature] = readTlvList(readSingle(der, 0x30, 'CertificateList').value);
    const [oid, parameters] = readTlvList(expectTag(algorithm, 0x30, 'CRL signatureAlgorithm').value);
    const bits = expectTag(signature, 0x03, 'CRL signature').value;
    if (bits.length < 2 || bits[0] !== 0) throw new XacminhError('MALFORMED_DATA', 'bad BIT STRING');
    const list = AsnConvert.parse(der, CertificateList).tbsCertList;
    const signatureAlgorithm: AlgorithmId = { oid: derOid(oid, 'CRL signature algorithm') };
    if (parameters && parameters.tag !== 0x05) signatureAlgorithm.parameters = parameters.raw;
    const crl: Crl = {
      issuerKey: normaliseName(list.issuer),
      thisUpdate: list.thisUpdate.getTime(),
      revokedSerials: new Set(
        (list.revokedCertificates ?? []).map((entry) => Buffer.from(entry.userCertificate).toString('hex').replace(/^0+(?=.)/, '').toUpperCase()),
      ),
      tbs: expectTag(tbs, 0x30, 'TBSCertList').raw,
      signatureAlgorithm,
      signature: bits.slice(1),
    };
    if (list.nextUpdate) crl.nextUpdate = list.nextUpdate.getTime();
    return crl;
  } catch (error) {
    const message = isXacminhError(error) ? error.message : (error as Error).message;
    throw new XacminhError('MALFORMED_DATA', `${what}: not a certificate revocation list (${message})`, {}, { cause: error });
  }
}

/** The CRLs of a .crl file: PEM blocks ("X509 CRL") or one DER CertificateList. */
export function readCrlFile(bytes: Uint8Array, what: string): { crl: Crl; der: Uint8Array }[] {
  const ders = pemBlocks(bytes, 'X509 CRL') ?? [bytes];
  return ders.map((der) => ({ crl: parseCrl(der, what), der }));
}

/** The CSCA among `cscas` named as `crl`'s issuer whose key verifies it, if any. */
export function crlSigner(crl: Crl, cscas: readonly CertificateInfo[]): CertificateInfo | undefined {
  return cscas.find((ca) => {
    if (ca.subjectKey !== crl.issuerKey) return false;
    try {
      return verifySignature(ca.spki, crl.signatureAlgorithm, crl.tbs, crl.signature);
    } catch {
      return false;
    }
  });
}

/**
 * Past its nextUpdate a CRL still proves what it lists, but no longer that the others are unrevoked. A CRL
 * without nextUpdate (RFC 5280 requires one; ICAO too) is taken as current.
 */
export function isCurrent(crl: Crl, now: Date): boolean {
  return crl.nextUpdate === undefined || now <= crl.nextUpdate;
}

export function listsSerial(crl: Crl, cert: CertificateInfo): boolean {
  return crl.issuerKey === cert.issuerKey && crl.revokedSerials.has(cert.serial);
}
