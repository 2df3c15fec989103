/**
 * Passive Authentication (ICAO 9303-11 §5.1): the data groups read are the ones the issuing state signed.
 * Hash every data group read against EF.SOD, check the SOD's signature with the document signer (DS), and
 * the DS certificate against a trusted CSCA, with validity periods, key usage and, given CRLs (the trust
 * store's, or passed in), revocation.
 * Every failure is a reason with a stable code; the function itself only ever returns.
 */
import { createHash } from 'node:crypto';
import { isXacminhError } from '../../errors.ts';
import { bytesEqual, hex } from '../crypto/bytes.ts';
import { parseSod, type Sod } from '../lds/sod.ts';
import { readSingle } from '../tlv.ts';
import { isSignedBy, mayDigitallySign, type CertificateInfo } from './certificate.ts';
import { checkSignerInfo, findSigner, parseSignedData, type SignedDataParts } from './cms.ts';
import { crlSigner, isCurrent, listsSerial, parseCrl, type Crl } from './crl.ts';
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
  | 'DS_KEY_USAGE'
  | 'DS_REVOKED'
  /** A CRL given for the DS's issuer that does not parse or is not signed by that CSCA. */
  | 'CRL_INVALID'
  /** The DS's issuer has CRLs, but none is current (all past nextUpdate): advisory, see ADVISORY. */
  | 'CRL_STALE';

/**
 * Reasons that do not make Passive Authentication fail. A stale CRL still proves the data is the issuer's
 * and says at least as much as no CRL at all, which most sites have and which passes; failing every card
 * once a CRL file ages would punish the sites that install CRLs. So the verdict stays, with the reason
 * attached, and the trust store reports the stale file to the operator.
 */
export const ADVISORY: ReadonlySet<PassiveReasonCode> = new Set(['CRL_STALE']);

export interface PassiveReason {
  code: PassiveReasonCode;
  message: string;
  /** The data group concerned (DG_HASH_MISMATCH, DG_MISSING_FROM_SOD). */
  dg?: number;
}

export interface DataGroupResult {
  dg: number;
  /** Hash the SOD holds for the group (hex), or null when the SOD does not cover it. */
  expected: string | null;
  /** Hash of the bytes read (hex). */
  actual: string;
  ok: boolean;
}

export interface SignerSummary {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
}

export interface PassiveResult {
  ok: boolean;
  dataGroupResults: DataGroupResult[];
  /** The document signer, when the SOD carries a readable one. */
  signer?: SignerSummary;
  /** Subject of the CSCA whose key verified the DS certificate. */
  csca?: string;
  digestAlgorithm?: string;
  reasons: PassiveReason[];
}

export interface PassiveOptions {
  now?: Date;
  /**
   * DER CRLs besides the trust store's own; those of the DS's issuer are checked (signature by a trusted
   * CSCA of that name, then the DS serial, then nextUpdate).
   */
  crls?: Uint8Array[];
}

export function verifyPassive(sodBytes: Uint8Array, dataGroups: ReadonlyMap<number, Uint8Array>, trust: TrustStore, options: PassiveOptions = {}): PassiveResult {
  const now = options.now ?? new Date();
  const reasons: PassiveReason[] = [];
  let sod: Sod;
  let cms: SignedDataParts;
  try {
    sod = parseSod(sodBytes);
    cms = parseSignedData(readSingle(sod.raw, 0x77, 'EF.SOD').value, 'EF.SOD');
    const parsedContent = sod.signedData.encapContentInfo.eContent?.single?.buffer;
    // Both readers must see the same LDS security object, or the hashes checked are not the ones signed.
    if (!parsedContent || !bytesEqual(new Uint8Array(parsedContent), cms.content)) throw new Error('the LDS security object is ambiguous');
  } catch (error) {
    const message = isXacminhError(error) ? error.message : (error as Error).message;
    return { ok: false, dataGroupResults: [], reasons: [{ code: 'SOD_MALFORMED', message: `EF.SOD cannot be read: ${message}` }] };
  }

  const dataGroupResults = [...dataGroups].sort(([a], [b]) => a - b).map(([dg, bytes]): DataGroupResult => {
    const expected = sod.dataGroupHashes.get(dg);
    const actual = createHash(sod.digestAlgorithm).update(bytes).digest();
    if (!expected) {
      reasons.push({ code: 'DG_MISSING_FROM_SOD', dg, message: `DG${dg} is not covered by the document signature` });
      return { dg, expected: null, actual: hex(actual), ok: false };
    }
    const ok = bytesEqual(actual, expected);
    if (!ok) reasons.push({ code: 'DG_HASH_MISMATCH', dg, message: `DG${dg} was altered after the card was issued (its hash differs from the signed one)` });
    return { dg, expected: hex(expected), actual: hex(actual), ok };
  });
  const base = { dataGroupResults, digestAlgorithm: sod.digestAlgorithm };

  const ds = findSigner(cms);
  if (!ds) {
    reasons.push({ code: 'SOD_MALFORMED', message: 'EF.SOD does not carry the document signer certificate it names' });
    return { ok: false, ...base, reasons };
  }
  const signer: SignerSummary = { subject: ds.subject, issuer: ds.issuer, serial: ds.serial, notBefore: ds.notBefore.toISOString(), notAfter: ds.notAfter.toISOString() };
  try {
    const check = checkSignerInfo(cms, ds);
    if (!check.valid) reasons.push({ code: 'SOD_SIGNATURE_INVALID', message: `The document signature is invalid: ${check.problem ?? ''}` });
  } catch (error) {
    // Unsupported algorithm or unusable key: the signature cannot be shown valid.
    const message = isXacminhError(error) ? error.message : (error as Error).message;
    reasons.push({ code: 'SOD_SIGNATURE_INVALID', message: `The document signature cannot be checked: ${message}` });
  }
  const csca = checkDocumentSigner(ds, trust, now, options.crls ?? [], reasons);
  const result: PassiveResult = { ok: reasons.every((r) => ADVISORY.has(r.code)), ...base, signer, reasons };
  if (csca) result.csca = csca.subject;
  return result;
}

function checkDocumentSigner(ds: CertificateInfo, trust: TrustStore, now: Date, crls: Uint8Array[], reasons: PassiveReason[]): CertificateInfo | undefined {
  if (ds.notAfter < now) reasons.push({ code: 'DS_EXPIRED', message: `The document signer certificate expired on ${ds.notAfter.toISOString()}` });
  if (ds.notBefore > now) reasons.push({ code: 'DS_NOT_YET_VALID', message: `The document signer certificate is valid only from ${ds.notBefore.toISOString()}` });
  if (!mayDigitallySign(ds)) reasons.push({ code: 'DS_KEY_USAGE', message: 'The document signer certificate does not allow digital signatures (key usage)' });

  const candidates = trust.findIssuers(ds);
  if (candidates.length === 0) {
    const sameName = trust.byName(ds).length > 0;
    reasons.push({
      code: 'SIGNER_NOT_TRUSTED',
      message: sameName
        ? `The trust store has a CSCA named "${ds.issuer}" but not the key that issued this document signer (key id ${ds.authorityKeyId ?? '?'})`
        : `The document signer's CSCA "${ds.issuer}" is not in the trust store`,
    });
    return undefined;
  }
  const verified = candidates.filter((ca) => isSignedBy(ds, ca));
  if (verified.length === 0) {
    reasons.push({ code: 'DS_CHAIN_INVALID', message: `The document signer claims CSCA "${ds.issuer}" but that CSCA's signature on it does not verify` });
    return undefined;
  }
  const valid = verified.filter((ca) => ca.notBefore <= now && now <= ca.notAfter);
  const csca = valid[0] ?? verified[0]!;
  if (valid.length === 0) reasons.push({ code: 'CSCA_EXPIRED', message: `The CSCA "${csca.subject}" is outside its validity (${csca.notBefore.toISOString()} – ${csca.notAfter.toISOString()})` });
  checkRevocation(ds, trust, crls, now, reasons);
  return csca;
}

function checkRevocation(ds: CertificateInfo, trust: TrustStore, extra: Uint8Array[], now: Date, reasons: PassiveReason[]): void {
  const applicable = [...trust.crlsFor(ds)];
  extra.forEach((bytes, index) => {
    let crl: Crl;
    try {
      crl = parseCrl(bytes, `CRL #${index + 1}`);
    } catch (error) {
      reasons.push({ code: 'CRL_INVALID', message: (error as Error).message });
      return;
    }
    if (crl.issuerKey !== ds.issuerKey) return;
    if (crlSigner(crl, trust.byName(ds))) applicable.push(crl);
    else reasons.push({ code: 'CRL_INVALID', message: `CRL #${index + 1} names the DS's CSCA as issuer but is not signed by it` });
  });
  if (applicable.length === 0) return;
  // A revocation stays true on a stale CRL; only "not revoked" needs a current one.
  if (applicable.some((crl) => listsSerial(crl, ds))) {
    reasons.push({ code: 'DS_REVOKED', message: `The document signer certificate (serial ${ds.serial}) is revoked by its CSCA's CRL` });
  } else if (!applicable.some((crl) => isCurrent(crl, now))) {
    const latest = Math.max(...applicable.map((crl) => crl.nextUpdate?.getTime() ?? 0));
    reasons.push({ code: 'CRL_STALE', message: `Revocation status is not current: the CSCA's CRL expired on ${new Date(latest).toISOString()} (the document signer is not on it)` });
  }
}
