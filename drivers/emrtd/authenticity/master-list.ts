/**
 * ICAO CSCA master lists (9303-12 §9): CMS SignedData whose content lists CSCA certificates. The CMS
 * signature only proves the list is the signer's; anyone can make a signer and a list. So a list is taken
 * only when its signer is pinned by the site (SHA-256 of the certificate's DER), or chains by verified
 * signatures to a pinned certificate: never because it chains to a CSCA the list itself carries.
 */
import { XacminhError } from '../../errors.ts';
import { derInteger } from '../lds/der.ts';
import { readSingle, readTlvList } from '../tlv.ts';
import { isSignedBy, parseCertificate, type CertificateInfo } from './certificate.ts';
import { checkSignerInfo, findSigner, parseSignedData } from './cms.ts';

const ID_CSCA_MASTER_LIST = '2.23.136.1.1.2';
/** Signer → issuing CSCA → (link certificate) → root is as deep as master list chains go. */
const MAX_CHAIN = 4;

export interface MasterListReport {
  source: string;
  /** Certificates in the list's certList. */
  certificates: number;
  /** Of those, new to this store. */
  added: number;
  /** Entries of certList that are not readable certificates: skipped, with why. */
  skipped: { index: number; message: string }[];
  signer: { subject: string; issuer: string; serial: string; notBefore: Date; notAfter: Date; sha256: string };
  signatureValid: true;
  /** The pinned certificate the signer chains to (possibly the signer itself). */
  anchor: { subject: string; sha256: string };
  /** The list signer's certificate is signed by a CSCA the list itself contains. */
  signerChainsToListedCsca: boolean;
  signerIssuer?: string;
}

export interface VerifiedMasterList {
  listed: CertificateInfo[];
  report: Omit<MasterListReport, 'added'>;
}

/** A SHA-256 fingerprint as sites write it (any case, with or without colons), in lower-case hex. */
export function normalisePin(pin: string): string {
  const hex = pin.replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new XacminhError('INVALID_INPUT', `"${pin}" is not a SHA-256 fingerprint (64 hex digits)`, { pin });
  return hex;
}

/**
 * Parses and verifies a master list: its CMS signature, then the signer's chain to a pin. `known` are
 * certificates the store already holds (a pinned CSCA may have been installed as a file). Throws
 * MALFORMED_DATA for a list that does not parse or whose signature fails, CONFIG_INVALID for a list no pin
 * anchors (with the fingerprints to pin if the site trusts it).
 */
export function verifyMasterList(bytes: Uint8Array, source: string, pins: ReadonlySet<string>, known: readonly CertificateInfo[]): VerifiedMasterList {
  const parts = parseSignedData(bytes, source);
  if (parts.contentType !== ID_CSCA_MASTER_LIST) throw new XacminhError('MALFORMED_DATA', `${source} is not a CSCA master list (content ${parts.contentType})`, { source });
  const signer = findSigner(parts);
  if (!signer) throw new XacminhError('MALFORMED_DATA', `${source}: the master list signer certificate is not included`, { source });
  const check = checkSignerInfo(parts, signer);
  if (!check.valid) throw new XacminhError('MALFORMED_DATA', `${source}: master list signature invalid (${check.problem ?? ''})`, { source });
  const { listed, skipped } = readCertList(parts.content, source);
  const listedIssuer = listed.find((ca) => ca.subjectKey === signer.issuerKey && isSignedBy(signer, ca));
  const anchor = pinnedAnchor(signer, [...parts.certificates, ...listed, ...known], pins, 0);
  if (!anchor) throw unanchored(source, signer, listedIssuer ?? parts.certificates.find((c) => c !== signer && c.subjectKey === signer.issuerKey && isSignedBy(signer, c)));
  const report: VerifiedMasterList['report'] = {
    source,
    certificates: listed.length + skipped.length,
    skipped,
    signer: { subject: signer.subject, issuer: signer.issuer, serial: signer.serial, notBefore: signer.notBefore, notAfter: signer.notAfter, sha256: signer.sha256 },
    signatureValid: true,
    anchor: { subject: anchor.subject, sha256: anchor.sha256 },
    signerChainsToListedCsca: listedIssuer !== undefined,
  };
  if (listedIssuer) report.signerIssuer = listedIssuer.subject;
  return { listed, report };
}

/** CscaMasterList ::= SEQUENCE { version INTEGER, certList SET OF Certificate } */
function readCertList(content: Uint8Array, source: string): { listed: CertificateInfo[]; skipped: MasterListReport['skipped'] } {
  const [version, certSet] = readTlvList(readSingle(content, 0x30, 'CscaMasterList').value);
  derInteger(version, 'CscaMasterList version');
  if (certSet?.tag !== 0x31) throw new XacminhError('MALFORMED_DATA', `${source}: no certificate list`, { source });
  const listed: CertificateInfo[] = [];
  const skipped: MasterListReport['skipped'] = [];
  readTlvList(certSet.value).forEach((tlv, index) => {
    try {
      listed.push(parseCertificate(tlv.raw, `${source} certificate #${index}`));
    } catch (error) {
      skipped.push({ index, message: (error as Error).message });
    }
  });
  return { listed, skipped };
}

/** `cert` if pinned, else the first pinned certificate reached through issuers whose signatures verify. */
function pinnedAnchor(cert: CertificateInfo, pool: readonly CertificateInfo[], pins: ReadonlySet<string>, depth: number): CertificateInfo | undefined {
  if (pins.has(cert.sha256)) return cert;
  if (depth >= MAX_CHAIN || pins.size === 0) return undefined;
  for (const issuer of pool) {
    if (issuer.sha256 === cert.sha256 || issuer.subjectKey !== cert.issuerKey || !isSignedBy(cert, issuer)) continue;
    const found = pinnedAnchor(issuer, pool, pins, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function unanchored(source: string, signer: CertificateInfo, issuer: CertificateInfo | undefined): XacminhError {
  const issuerHint = issuer ? `, or that of the CSCA that issued it, "${issuer.subject}" (${issuer.sha256})` : '';
  return new XacminhError(
    'CONFIG_INVALID',
    `${source}: master list signer "${signer.subject}" is not pinned, so none of the list's CSCAs are trusted. ` +
      `If you trust this list, pin the master list signer's fingerprint (${signer.sha256})${issuerHint} in site.json trust.masterListSigners (read-card: --trust-pin)`,
    { source, signerSha256: signer.sha256, ...(issuer ? { issuerSha256: issuer.sha256 } : {}) },
  );
}
