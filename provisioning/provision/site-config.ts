/**
 * The site config step: <dataDir>/site.json gets what provisioning owns (site profile, ids, devices, the
 * broker from the signed site bundle with the enrolled identity, trust pins) and keeps everything else the
 * file already says (ui, timeouts…). An older file is migrated first (its original kept as site.json.v1.bak);
 * the file is validated with the agent's own schema before it is written, and written only when it differs.
 */
import { isDeepStrictEqual } from 'node:util';
import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../../drivers/atomic-file.ts';
import { XacminhError } from '../../drivers/errors.ts';
import { configProblems } from '../../agent/config/issues.ts';
import { parseConfig } from '../../agent/config/load.ts';
import { migrateSiteConfigFile, type FileMigration } from '../../agent/config/migrate.ts';
import { CONFIG_VERSION } from '../../agent/config/schema.ts';
import { siteProfileSchema, type SiteProfile } from '../../agent/config/site-profile.ts';
import { dataDirPaths } from '../../agent/datadir.ts';
import type { Answers } from './answers.ts';

/** What the site config needs from the verified site bundle. */
export interface BundleFacts {
  broker: { url: string };
  profile?: Partial<SiteProfile> | undefined;
}

export interface SiteConfigResult {
  status: 'changed' | 'unchanged';
  /** Top-level fields of site.json that changed. */
  fields: string[];
  migration?: FileMigration;
  /** Profile fields where the answers replaced a different value from the site bundle. */
  overridden: string[];
}

/**
 * The answers win over the bundle, field by field: the technician stands in the shop and reads the licence,
 * while the central record may lag behind (a moved address, a new contact). Each such field is reported.
 */
export function mergeProfile(fromBundle: Partial<SiteProfile> | undefined, fromAnswers: Partial<SiteProfile>): { profile: SiteProfile; overridden: string[] } {
  const merged = { ...fromBundle, ...fromAnswers };
  const parsed = siteProfileSchema.safeParse(merged, { reportInput: true });
  if (!parsed.success) {
    const found = configProblems(parsed.error.issues);
    throw new XacminhError(
      'INVALID_INPUT',
      `The site profile is incomplete (neither the answers nor the site bundle give these):\n  ${found.map((p) => `profile.${p.path}: ${p.message}`).join('\n  ')}`,
      { problems: found.map((p) => `profile.${p.path}: ${p.message}`), linesVi: found.map((p) => `profile.${p.path} — ${p.messageVi}`) },
    );
  }
  const overridden = Object.keys(fromAnswers).filter((key) => fromBundle && key in fromBundle && !isDeepStrictEqual(fromBundle[key as keyof SiteProfile], fromAnswers[key as keyof SiteProfile]));
  return { profile: parsed.data, overridden };
}

export function writeSiteConfig(dataDir: string, answers: Answers, bundle: BundleFacts): SiteConfigResult {
  const path = dataDirPaths(dataDir).siteConfig;
  const { profile, overridden } = mergeProfile(bundle.profile, answers.profile);
  const migration = migrateSiteConfigFile(path);
  const existingText = readOr(path);
  const existing = existingText === undefined ? {} : (JSON.parse(existingText) as Record<string, unknown>);
  const section = (key: string) => (existing[key] && typeof existing[key] === 'object' ? (existing[key] as Record<string, unknown>) : {});
  // face.required follows the profile (schema.ts): a copy here could only disagree with it later.
  const { required: _required, ...face } = section('face');
  const next: Record<string, unknown> = {
    ...existing,
    version: CONFIG_VERSION,
    site: profile,
    siteId: answers.siteId,
    deviceId: answers.deviceId,
    reader: answers.devices.reader,
    camera: answers.devices.camera,
    scanner: answers.devices.scanner,
    indicators: { ...section('indicators'), pins: answers.devices.indicators.pins, activeLow: answers.devices.indicators.activeLow },
    mqtt: { kind: 'broker', url: bundle.broker.url, caFile: 'identity/broker-ca.pem', certFile: 'identity/device-cert.pem', keyFile: 'identity/device-key.pem', protocolVersion: 5 },
    trust: { ...section('trust'), masterListSigners: answers.trust.masterListSigners },
    // A provisioned terminal runs the shop's site flows (deployed from flows/ on first start) unless its file says not to.
    nodeRed: { enabled: true, ...section('nodeRed') },
  };
  if (Object.keys(face).length) next.face = face;
  else delete next.face;
  parseConfig(next, path); // the agent must be able to start on what is written
  const fields = [...new Set([...Object.keys(existing), ...Object.keys(next)])].filter((key) => !isDeepStrictEqual(existing[key], next[key]));
  const result: SiteConfigResult = { status: fields.length ? 'changed' : 'unchanged', fields, overridden };
  if (migration?.changed) result.migration = migration;
  if (fields.length) writeFileAtomicSync(path, `${JSON.stringify(next, null, 2)}\n`, 0o600, { keepMode: false });
  return result;
}

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
