/**
 * Passive Authentication (ICAO 9303-11 §5.1): the data groups read are the ones the issuing state signed.
 * Hash every data group read against EF.SOD, check the SOD's signature with the document signer, and the
 * document signer's certificate against a trusted CSCA, with validity periods and key usage.
 */
import type { X509Certificate} from 'node:crypto';
import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, KeyUsage, KeyUsageFlags, id_ce_keyUsage } from '@peculiar/asn1-x509';
import { isXacminhError } from '../../errors.ts';
import { parseSod } from '../lds/sod.ts';
import { verifySignedData } from './cms.ts';
import type { TrustStore } from './trust-store.ts';

export type PassiveReasonCode =
  | 'SOD_MALFORMED'
  | 'DG_HASH_MISMATCH'
  | 'DG_MISSING_FROM_SOD'
  | 'SOD_SIGNATURE_INVALID'
  | 'SIGNER_NOT_TRUSTED'
  | 'DS_CHAIN_INVALID'
  | 'DS_EXPIRED'
  | 'DS_NOT_YET_VALID'
  | 'CSCA_EXPIRED'
  | 'DS_KEY_USAGE';

export interface PassiveReason {
  code: PassiveReasonCode;
  message: string;
}

export interface PassiveResult {
  ok: boolean;
  dataGroups: { dg: number; ok: boolean }[];
  signer?: { subject: string; issuer: string; serial: string; notBefore: string; notAfter: string };
  csca?: string;
  reasons: PassiveReason[];
}

export function verifyPassive(sodBytes: Uint8Array, dataGroups: ReadonlyMap<number, Uint8Array>, trust: TrustStore, options: { now?: Date } = {}): PassiveResult {
  const now = options.now ?? new Date();
  const reasons: PassiveReason[] = [];
  let sod;
  try {
    sod = parseSod(sodBytes);
  } catch (error) {
    if (!isXacminhError(error)) throw error;
    return { ok: false, dataGroups: [], reasons: [{ code: 'SOD_MALFORMED', message: `EF.SOD cannot be read: ${error.message}` }] };
  }
  const results = [...dataGroups].map(([dg, bytes]) => {
    const expected = sod.dataGroupHashes.get(dg);
    if (!expected) {
      reasons.push({ code: 'DG_MISSING_FROM_SOD', message: `DG${dg} is not covered by the document signature` });
      return { dg, ok: false };
    }
    const ok = createHash(sod.digestAlgorithm).update(bytes).digest().equals(expected);
    if (!ok) reasons.push({ code: 'DG_HASH_MISMATCH', message: `DG${dg} was altered after the card was issued (hash mismatch)` });
    return { dg, ok };
  });

  let verified;
  try {
    verified = verifySignedData(sod.signedData, 'EF.SOD');
  } catch (error) {
    if (!isXacminhError(error)) throw error;
    reasons.push({ code: 'SOD_MALFORMED', message: `EF.SOD signature cannot be checked: ${error.message}` });
    return { ok: false, dataGroups: results, reasons };
  }
  if (!verified.signatureValid) reasons.push({ code: 'SOD_SIGNATURE_INVALID', message: `The document signature is invalid: ${verified.problem ?? ''}` });
  try {
    return { ...checkSigner(verified.signer, trust, now, reasons), dataGroups: results };
  } catch (error) {
    // A certificate that node:crypto loaded but whose extensions do not parse: the card's data is corrupt.
    reasons.push({ code: 'SOD_MALFORMED', message: `The document signer certificate cannot be read: ${(error as Error).message}` });
    return { ok: false, dataGroups: results, reasons };
  }
}

function checkSigner(ds: X509Certificate, trust: TrustStore, now: Date, reasons: PassiveReason[]): Omit<PassiveResult, 'dataGroups'> {
  checkValidity(ds, now, reasons);
  if (!mayDigitallySign(ds)) {
    reasons.push({ code: 'DS_KEY_USAGE', message: 'The document signer certificate is not allowed to sign' });
  }
  const cscas = trust.issuersOf(ds);
  if (cscas.length === 0) {
    reasons.push(
      trust.hasIssuerName(ds)
        ? { code: 'DS_CHAIN_INVALID', message: `The document signer claims "${oneLine(ds.issuer)}" but its signature does not verify with that CSCA` }
        : { code: 'SIGNER_NOT_TRUSTED', message: `The document signer's CSCA "${oneLine(ds.issuer)}" is not in the trust store` },
    );
  } else if (cscas.every((ca) => new Date(ca.validTo) < now)) {
    reasons.push({ code: 'CSCA_EXPIRED', message: `The CSCA "${oneLine(cscas[0]!.subject)}" expired on ${cscas[0]!.validTo}` });
  }
  const result: Omit<PassiveResult, 'dataGroups'> = {
    ok: reasons.length === 0,
    signer: { subject: oneLine(ds.subject), issuer: oneLine(ds.issuer), serial: ds.serialNumber, notBefore: ds.validFrom, notAfter: ds.validTo },
    reasons,
  };
  if (cscas[0]) result.csca = oneLine(cscas[0].subject);
  return result;
}

function checkValidity(ds: X509Certificate, now: Date, reasons: PassiveReason[]): void {
  if (new Date(ds.validTo) < now) reasons.push({ code: 'DS_EXPIRED', message: `The document signer certificate expired on ${ds.validTo}` });
  if (new Date(ds.validFrom) > now) reasons.push({ code: 'DS_NOT_YET_VALID', message: `The document signer certificate is valid only from ${ds.validFrom}` });
}

/** node:crypto exposes only extended key usage: read the KeyUsage extension (absent = unrestricted). */
function mayDigitallySign(cert: X509Certificate): boolean {
  const extension = AsnConvert.parse(cert.raw, Certificate).tbsCertificate.extensions?.find((e) => e.extnID === id_ce_keyUsage);
  if (!extension) return true;
  return (AsnConvert.parse(extension.extnValue, KeyUsage).toNumber() & KeyUsageFlags.digitalSignature) !== 0;
}

function oneLine(name: string): string {
  return name.replace(/\n/g, ', ');
}

