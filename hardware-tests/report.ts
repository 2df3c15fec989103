/**
 * The self-test report: signed with the device key as a compact JWS (ES256; kid and the certificate chain
 * in x5c), kept in <dataDir>/self-tests/ (the last 20; names sort by time), and readable back for
 * `provision status`. The report holds measurements and verdicts only, never personal data.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CompactSign, decodeProtectedHeader } from 'jose';
import { ulid } from 'ulid';
import { writeFileAtomicSync } from '../drivers/atomic-file.ts';
import { dataDirPaths, type DataDirPaths, type DeviceIdentity } from '../agent/datadir.ts';
import { certificateChainX5c } from './chain.ts';
import type { CheckResult } from './types.ts';

export const REPORT_SCHEMA = 'xacminh.selftest/1';
export const REPORT_TYPE = 'xacminh-selftest+jws';
export const KEEP_REPORTS = 20;
const SUFFIX = '.jws';

export interface SelfTestReport {
  schema: typeof REPORT_SCHEMA;
  id: string;
  siteId: string;
  deviceId: string;
  /** 'cli': `xacminh self-test` at the terminal; 'agent': the MQTT self-test command. */
  via: 'cli' | 'agent';
  interactive: boolean;
  startedAt: string;
  finishedAt: string;
  status: 'pass' | 'marginal' | 'fail';
  node: string;
  checks: CheckResult[];
}

export function buildReport(fields: Omit<SelfTestReport, 'schema' | 'id' | 'node'>, node = process.version): SelfTestReport {
  return { schema: REPORT_SCHEMA, id: ulid(new Date(fields.finishedAt).getTime()), node, ...fields };
}

export async function signReport(report: SelfTestReport, identity: DeviceIdentity, paths: DataDirPaths): Promise<string> {
  const x5c = certificateChainX5c(paths.deviceCert, paths.caChain);
  return new CompactSign(new TextEncoder().encode(JSON.stringify(report)))
    .setProtectedHeader({ alg: 'ES256', typ: REPORT_TYPE, kid: identity.keyId, ...(x5c.length ? { x5c } : {}) })
    .sign(identity.privateKey);
}

/** Writes the signed report (atomically, 0600) and keeps only the newest KEEP_REPORTS; returns its path. */
export function storeReport(paths: DataDirPaths, report: SelfTestReport, jws: string): string {
  // The ISO time first so names sort by time; random bytes so two reports in one millisecond never collide.
  const name = `${report.finishedAt.replace(/[:.]/g, '-')}_${report.status}_${randomBytes(3).toString('hex')}${SUFFIX}`;
  const file = join(paths.selfTests, name);
  writeFileAtomicSync(file, `${jws}\n`, 0o600, { keepMode: false });
  const all = reportFiles(paths);
  for (const old of all.slice(0, Math.max(0, all.length - KEEP_REPORTS))) rmSync(join(paths.selfTests, old), { force: true });
  return file;
}

function reportFiles(paths: DataDirPaths): string[] {
  if (!existsSync(paths.selfTests)) return [];
  return readdirSync(paths.selfTests)
    .filter((f) => f.endsWith(SUFFIX) && !f.startsWith('.'))
    .sort();
}

/** The payload of a stored report (its signature is the reader's business: see verifyReport in tests). */
export function readReport(file: string): SelfTestReport {
  const jws = readFileSync(file, 'utf8').trim();
  decodeProtectedHeader(jws); // throws on a file that is not a JWS
  const payload = jws.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as SelfTestReport;
}

/** For `provision status`: the newest stored report's status and time, or null when none was kept. */
export function lastSelfTest(dataDir: string): { status: SelfTestReport['status']; finishedAt: string; file: string } | null {
  const paths = dataDirPaths(dataDir);
  const files = reportFiles(paths);
  for (let i = files.length - 1; i >= 0; i--) {
    const file = join(paths.selfTests, files[i]!);
    try {
      const report = readReport(file);
      return { status: report.status, finishedAt: report.finishedAt, file };
    } catch {
      // A damaged file does not hide the one before it.
    }
  }
  return null;
}
