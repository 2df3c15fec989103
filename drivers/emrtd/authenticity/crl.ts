/**
 * Certificate revocation lists (RFC 5280 §5) as CSCAs publish them for their document signers. A CRL counts
 * only if its issuer is the DS certificate's issuer and that CSCA's key verifies it: an unsigned list could
 * otherwise "revoke" any card.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList } from '@peculiar/asn1-x509';
import { XacminhError, isXacminhError } from '../../errors.ts';
import { derOid, expectTag } from '../lds/der.ts';
import { readSingle, readTlvList } from '../tlv.ts';
import { normaliseName, type CertificateInfo } from './certificate.ts';
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

export type RevocationStatus = 'revoked' | 'not-revoked' | 'not-applicable' | 'bad-signature';

/** What `crl` says about `cert`, once `issuer` (a trusted CSCA) is confirmed to have signed it. */
export function revocationStatus(crl: Crl, cert: CertificateInfo, issuer: CertificateInfo): RevocationStatus {
  if (crl.issuerKey !== cert.issuerKey || issuer.subjectKey !== cert.issuerKey) return 'not-applicable';
  let signed: boolean;
  try {
    signed = verifySignature(issuer.spki, crl.signatureAlgorithm, crl.tbs, crl.signature);
  } catch {
    signed = false;
  }
  if (!signed) return 'bad-signature';
  return crl.revokedSerials.has(cert.serial) ? 'revoked' : 'not-revoked';
}
