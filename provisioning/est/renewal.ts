/**
 * Certificate renewal: at two thirds of the lifetime (with jitter, so a fleet enrolled together does not
 * renew together), through simplereenroll over mTLS with a NEW key. A certificate that already expired
 * cannot authenticate a renewal: that is re-enrolment with a new code, said plainly.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dataDirPaths, type DataDirPaths } from '../../agent/datadir.ts';
import { XacminhError } from '../../drivers/errors.ts';
import { verifySiteBundle } from './bundle.ts';
import { fetchSiteBundle, simpleReenroll } from './client.ts';
import { checkIssued, makeCsr, writeBundleFiles } from './enrol.ts';
import { readDeviceCert, readEnrolment, readPinnedCa, stateOf, writeOwned, type EnrolmentRecord, type Owner } from './identity-store.ts';
import { retireKey } from './key-history.ts';
import { certMatchesKey, certsToPem, generateP256 } from './pki.ts';

/** The renewal point moves up to this share of the lifetime earlier (never later than 2/3). */
const JITTER_SHARE = 0.05;

/** When to renew a certificate valid from notBefore to notAfter: 2/3 of the lifetime, minus up to 5 % of it. */
export function renewalTime(notBefore: Date, notAfter: Date, random: () => number = Math.random): Date {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  return new Date(notBefore.getTime() + lifetime * (2 / 3 - JITTER_SHARE * random()));
}

export function expiredMessage(notAfter: Date): string {
  return `The device certificate expired on ${notAfter.toISOString()}: re-enrol with \`xacminh provision\` and a new enrolment code`;
}

export interface RenewalResult {
  renewed: boolean;
  notBefore: string;
  notAfter: string;
  serial: string;
  /** The certificate was renewed but the site bundle could not be refreshed (the kept one stays in use). */
  bundleProblem?: string;
}

function pendingKeyPath(paths: DataDirPaths): string {
  return `${paths.deviceKey}.next`;
}

/**
 * A renewal cut short between writing the new certificate and the new key leaves the key in `.next`:
 * adopt it when the certificate certifies it, drop it otherwise.
 */
export function recoverInterruptedRenewal(dataDir: string, owner?: Owner): void {
  const paths = dataDirPaths(dataDir);
  const pending = pendingKeyPath(paths);
  if (!existsSync(pending)) return;
  const cert = readDeviceCert(paths);
  const keyPem = readFileSync(pending, 'utf8');
  if (cert && certMatchesKey(cert, keyPem)) writeOwned(paths.deviceKey, keyPem, 0o600, owner);
  rmSync(pending, { force: true });
}

/**
 * Renews when due (or when `force`); a renewal with nothing to do is success. Throws the plain
 * re-enrolment error for an expired certificate, and the service's or network's error otherwise.
 */
export async function renewIdentity(opts: { dataDir: string; now?: () => Date; force?: boolean; owner?: Owner; random?: () => number }): Promise<RenewalResult> {
  const now = opts.now ?? (() => new Date());
  const paths = dataDirPaths(opts.dataDir);
  recoverInterruptedRenewal(opts.dataDir, opts.owner);
  const record = readEnrolment(paths);
  const cert = readDeviceCert(paths);
  if (!record || !cert) throw new XacminhError('CONFIG_INVALID', `This terminal is not enrolled (no ${!record ? paths.enrolment : paths.deviceCert}): run \`xacminh provision\` with an enrolment code`, { path: paths.enrolment });
  const current = { renewed: false, notBefore: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString(), serial: cert.serialNumber };
  if (stateOf(cert.notBefore, cert.notAfter, now()).state === 'expired') throw new XacminhError('CONFIG_INVALID', expiredMessage(cert.notAfter), { notAfter: current.notAfter, expired: true });
  if (!opts.force && now() < renewalTime(cert.notBefore, cert.notAfter, opts.random)) return current;

  const ca = readPinnedCa(paths, record);
  const identity = { certPem: readFileSync(paths.deviceCert, 'utf8'), keyPem: readFileSync(paths.deviceKey, 'utf8') };
  const next = await generateP256();
  const csr = await makeCsr(next.pair, record.siteId, record.deviceId);
  const issued = await simpleReenroll(record.url, ca, csr, identity);
  checkIssued(issued, next.pem, record.siteId, record.deviceId);
  const certPem = certsToPem([issued]);
  retireKey(paths, identity.keyPem, now(), opts.owner);
  // New key aside first, then the certificate, then the key in place: recoverInterruptedRenewal mends a cut in between.
  writeOwned(pendingKeyPath(paths), next.pem, 0o600, opts.owner);
  writeOwned(paths.deviceCert, certPem, 0o644, opts.owner);
  writeOwned(paths.deviceKey, next.pem, 0o600, opts.owner);
  rmSync(pendingKeyPath(paths), { force: true });
  const updated: EnrolmentRecord = { ...record, renewedAt: now().toISOString(), notBefore: issued.notBefore.toISOString(), notAfter: issued.notAfter.toISOString(), serial: issued.serialNumber };
  writeOwned(paths.enrolment, `${JSON.stringify(updated, null, 2)}\n`, 0o644, opts.owner);
  // The site's broker or authority key may have changed since: take the bundle again, signed as before.
  const result: RenewalResult = { renewed: true, notBefore: updated.notBefore, notAfter: updated.notAfter, serial: updated.serial };
  try {
    const jws = await fetchSiteBundle(record.url, ca, { certPem, keyPem: next.pem });
    writeBundleFiles(paths, jws, await verifySiteBundle(jws, ca.anchor, record.siteId), opts.owner);
  } catch (error) {
    // The certificate is renewed all the same; the kept bundle stays in use.
    result.bundleProblem = (error as Error).message;
  }
  return result;
}
