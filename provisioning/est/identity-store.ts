/**
 * The enrolled identity in the data dir: the enrolment record, the pinned CA, the device certificate and
 * what its dates mean (renewal due, alarm, expired). Read by provisioning, renewal, status and the agent.
 */
import { chownSync, existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { writeFileAtomicSync } from '../../drivers/atomic-file.ts';
import { XacminhError } from '../../drivers/errors.ts';
import { dataDirPaths, type DataDirPaths } from '../../agent/datadir.ts';
import { verifySiteBundle, type SiteBundle } from './bundle.ts';
import type { PinnedCa } from './client.ts';
import type { x509 } from './pki.ts';
import { ID_PATTERN, pemToCerts, sha256Hex } from './pki.ts';

export const enrolmentRecordSchema = z.strictObject({
  url: z.string(),
  caFingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  siteId: z.string().regex(ID_PATTERN),
  deviceId: z.string().regex(ID_PATTERN),
  enrolledAt: z.iso.datetime(),
  renewedAt: z.iso.datetime().optional(),
  notBefore: z.iso.datetime(),
  notAfter: z.iso.datetime(),
  serial: z.string(),
});

export type EnrolmentRecord = z.infer<typeof enrolmentRecordSchema>;

/** Fewer days than this left: alarm (log, status topic, operator view). */
export const ALARM_DAYS = 7;
const DAY_MS = 86_400_000;

export type CertificateState = 'ok' | 'renew-due' | 'expiring' | 'expired' | 'not-enrolled';

export interface CertificateStatus {
  enrolled: boolean;
  notBefore: string | null;
  notAfter: string | null;
  /** Whole days left, rounded down; negative once expired. */
  daysLeft: number | null;
  state: CertificateState;
  url: string | null;
}

export type Owner = { uid: number; gid: number } | undefined;

export function writeOwned(path: string, data: string, mode: number, owner: Owner): void {
  writeFileAtomicSync(path, data, mode, { keepMode: false });
  if (owner) {
    chownSync(dirname(path), owner.uid, owner.gid);
    chownSync(path, owner.uid, owner.gid);
  }
}

export function readEnrolment(paths: DataDirPaths): EnrolmentRecord | null {
  if (!existsSync(paths.enrolment)) return null;
  try {
    return enrolmentRecordSchema.parse(JSON.parse(readFileSync(paths.enrolment, 'utf8')));
  } catch (error) {
    throw new XacminhError('CONFIG_INVALID', `${paths.enrolment} is not a valid enrolment record (${(error as Error).message}): run xacminh provision again`, { path: paths.enrolment }, { cause: error });
  }
}

export function readDeviceCert(paths: DataDirPaths): x509.X509Certificate | null {
  if (!existsSync(paths.deviceCert)) return null;
  return pemToCerts(readFileSync(paths.deviceCert, 'utf8'), paths.deviceCert)[0] ?? null;
}

/** The CA pinned at enrolment, re-checked against the recorded fingerprint (the file could have been swapped). */
export function readPinnedCa(paths: DataDirPaths, record: EnrolmentRecord): PinnedCa {
  if (!existsSync(paths.caChain)) throw new XacminhError('CONFIG_INVALID', `No CA chain at ${paths.caChain}: run xacminh provision again`, { path: paths.caChain });
  const chain = pemToCerts(readFileSync(paths.caChain, 'utf8'), paths.caChain);
  const anchor = chain.find((c) => sha256Hex(c.rawData) === record.caFingerprint);
  if (!anchor) throw new XacminhError('CONFIG_INVALID', `${paths.caChain} does not hold the CA pinned at enrolment (${record.caFingerprint}): run xacminh provision again`, { path: paths.caChain });
  return { anchor, chain, fingerprint: record.caFingerprint };
}

export function stateOf(notBefore: Date, notAfter: Date, now: Date): { daysLeft: number; state: CertificateState } {
  const left = notAfter.getTime() - now.getTime();
  const daysLeft = Math.floor(left / DAY_MS);
  if (left <= 0) return { daysLeft, state: 'expired' };
  if (left < ALARM_DAYS * DAY_MS) return { daysLeft, state: 'expiring' };
  const lifetime = notAfter.getTime() - notBefore.getTime();
  if (now.getTime() >= notBefore.getTime() + (2 * lifetime) / 3) return { daysLeft, state: 'renew-due' };
  return { daysLeft, state: 'ok' };
}

export function certificateStatus(dataDir: string, now: Date = new Date()): CertificateStatus {
  const paths = dataDirPaths(dataDir);
  const record = readEnrolment(paths);
  const cert = readDeviceCert(paths);
  if (!record || !cert) return { enrolled: false, notBefore: null, notAfter: null, daysLeft: null, state: 'not-enrolled', url: record?.url ?? null };
  const { daysLeft, state } = stateOf(cert.notBefore, cert.notAfter, now);
  return { enrolled: true, notBefore: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString(), daysLeft, state, url: record.url };
}

/** The site bundle kept in the data dir, its signature checked again against the pinned CA. */
export async function readSiteBundle(dataDir: string): Promise<SiteBundle> {
  const paths = dataDirPaths(dataDir);
  const record = readEnrolment(paths);
  if (!record) throw new XacminhError('CONFIG_INVALID', `No enrolment record at ${paths.enrolment}: run xacminh provision first`, { path: paths.enrolment });
  if (!existsSync(paths.siteBundle)) throw new XacminhError('CONFIG_INVALID', `No site bundle at ${paths.siteBundle}: run xacminh provision again`, { path: paths.siteBundle });
  return verifySiteBundle(readFileSync(paths.siteBundle, 'utf8').trim(), readPinnedCa(paths, record).anchor, record.siteId);
}
