/**
 * The trust store step: the CSCA certificates, ICAO master lists and CRLs the technician brings are checked
 * with the agent's own loader (drivers/emrtd/authenticity/trust-store.ts) against what <dataDir>/trust/
 * already holds, and only the accepted files are copied there. A master list counts only when its signer
 * is pinned (or chains to a pin); a CRL only when a trusted CSCA signed it; a CRL past its nextUpdate is
 * imported (what it revokes stays revoked) and reported so that a current one is fetched.
 */
import { readFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomicSync } from '../../drivers/atomic-file.ts';
import { isXacminhError } from '../../drivers/errors.ts';
import { parseCertificate } from '../../drivers/emrtd/authenticity/certificate.ts';
import { parseSignedData } from '../../drivers/emrtd/authenticity/cms.ts';
import { isCurrent, readCrlFile } from '../../drivers/emrtd/authenticity/crl.ts';
import { pemBlocks } from '../../drivers/emrtd/authenticity/pem.ts';
import { TrustStore } from '../../drivers/emrtd/authenticity/trust-store.ts';
import { dataDirPaths } from '../../agent/datadir.ts';

export type TrustFileKind = 'certificate' | 'master-list' | 'crl' | 'unknown';

export interface TrustFileResult {
  source: string;
  kind: TrustFileKind;
  status: 'imported' | 'unchanged' | 'refused';
  /** Why it was refused, or what is wrong with an imported file (an outdated CRL). */
  message?: string;
  /** For a refused master list: the fingerprint to pin if the technician trusts it. */
  signerSha256?: string;
  /** CSCAs a master list brought in, or certificates a certificate file holds. */
  certificates?: number;
  /** An imported CRL past its nextUpdate. */
  outdated?: boolean;
}

export interface TrustImportResult {
  files: TrustFileResult[];
  summary: TrustSummary;
}

export interface TrustSummary {
  cscas: number;
  masterLists: number;
  crls: number;
  outdatedCrls: number;
  /** CSCAs already past their notAfter (a master list carries old ones: they still anchor documents they signed). */
  expiredCscas: number;
  /** The CSCA still valid that expires first. */
  earliestExpiry?: { subject: string; notAfter: string };
  /** Files of trust/ the agent would not load, each with why. */
  problems: string[];
}

export async function importTrust(dataDir: string, options: { files: readonly string[]; pins: readonly string[]; now?: Date }): Promise<TrustImportResult> {
  const folder = dataDirPaths(dataDir).trust;
  const now = options.now ?? new Date();
  const store = existsSync(folder) ? await TrustStore.fromFolder(folder, { masterListSigners: options.pins, now }) : new TrustStore({ masterListSigners: options.pins });
  const results = new Map<string, TrustFileResult>();
  const inputs: { path: string; name: string; bytes: Uint8Array; kind: TrustFileKind }[] = [];
  for (const path of options.files) {
    try {
      const bytes = new Uint8Array(readFileSync(path));
      inputs.push({ path, name: basename(path), bytes, kind: kindOf(bytes, basename(path)) });
    } catch (error) {
      results.set(path, { source: path, kind: 'unknown', status: 'refused', message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
    }
  }
  // Certificates first, then master lists, then CRLs: a pinned CSCA may be a file, and a CRL's CSCA may come in a list.
  const order: TrustFileKind[] = ['certificate', 'master-list', 'crl', 'unknown'];
  for (const kind of order) {
    for (const file of inputs.filter((f) => f.kind === kind)) {
      const result = check(store, file, now);
      if (result.status !== 'refused') result.status = copyInto(folder, file.name, file.bytes);
      results.set(file.path, result);
    }
  }
  return { files: options.files.map((path) => results.get(path)!), summary: await trustSummary(dataDir, options.pins, now) };
}

function check(store: TrustStore, file: { path: string; name: string; bytes: Uint8Array; kind: TrustFileKind }, now: Date): TrustFileResult {
  const result: TrustFileResult = { source: file.path, kind: file.kind, status: 'imported' };
  try {
    switch (file.kind) {
      case 'certificate': {
        const ders = pemBlocks(file.bytes, 'CERTIFICATE') ?? [file.bytes];
        for (const der of ders) store.add(der, file.name);
        result.certificates = ders.length;
        break;
      }
      case 'master-list':
        result.certificates = store.importMasterList(file.bytes, file.name).certificates;
        break;
      case 'crl': {
        const crls = store.addCrls(file.bytes, file.name, now);
        const stale = crls.filter((t) => !isCurrent(t.crl, now));
        if (stale.length) {
          result.outdated = true;
          result.message = stale.map((t) => `CRL of "${t.csca.subject}" outdated since ${t.crl.nextUpdate?.toISOString() ?? '?'}: fetch the current one`).join('; ');
        }
        break;
      }
      case 'unknown':
        return { ...result, status: 'refused', message: 'neither a certificate, an ICAO master list nor a CRL' };
    }
  } catch (error) {
    result.status = 'refused';
    result.message = error instanceof Error ? error.message : String(error);
    if (isXacminhError(error) && typeof error.evidence.signerSha256 === 'string') result.signerSha256 = error.evidence.signerSha256;
  }
  return result;
}

function kindOf(bytes: Uint8Array, name: string): TrustFileKind {
  if (pemBlocks(bytes, 'CERTIFICATE') || succeeds(() => parseCertificate(bytes, name))) return 'certificate';
  if (succeeds(() => parseSignedData(bytes, name))) return 'master-list';
  if (succeeds(() => readCrlFile(bytes, name))) return 'crl';
  return 'unknown';
}

function succeeds(work: () => unknown): boolean {
  try {
    work();
    return true;
  } catch {
    return false;
  }
}

/** Copies under the file's own name; the same bytes already there is "unchanged" (nothing is written). */
function copyInto(folder: string, name: string, bytes: Uint8Array): 'imported' | 'unchanged' {
  const target = join(folder, name);
  if (existsSync(target) && Buffer.from(readFileSync(target)).equals(bytes)) return 'unchanged';
  writeFileAtomicSync(target, bytes, 0o644);
  return 'imported';
}

/** What the agent will trust at start: the folder loaded exactly as loadAgentTrust loads it. */
export async function trustSummary(dataDir: string, pins: readonly string[], now = new Date()): Promise<TrustSummary> {
  const folder = dataDirPaths(dataDir).trust;
  if (!existsSync(folder)) return { cscas: 0, expiredCscas: 0, masterLists: 0, crls: 0, outdatedCrls: 0, problems: [] };
  const store = await TrustStore.fromFolder(folder, { masterListSigners: pins, now });
  const entries = store.describe();
  const valid = entries.filter((e) => e.notAfter >= now).sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime());
  const first = valid[0];
  return {
    cscas: entries.length,
    expiredCscas: entries.length - valid.length,
    masterLists: store.masterLists.length,
    crls: store.crls.length,
    outdatedCrls: store.crlProblems(now).length,
    ...(first ? { earliestExpiry: { subject: first.subject, notAfter: first.notAfter.toISOString() } } : {}),
    problems: store.problemsAt(now).map((p) => p.message),
  };
}
