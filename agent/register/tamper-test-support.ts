/**
 * For the tamper matrix (tamper.test.ts, tamper-export.test.ts): a real register filled as the agent fills it
 * (genesis, verification events anchored in the chain), an older copy of it, another register of the same
 * device, and the anchors the central side received; readers and writers over a data dir; exports held against
 * the anchors.
 */
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataDirPaths, loadDeviceIdentity, loadRegisterDataKey, type DataDirPaths } from '../datadir.ts';
import { buildVerificationEvent } from '../events/event.ts';
import { sampleRecord } from '../events/events-test-support.ts';
import { checkAnchors, checkExportAnchors, parseAnchors, type AnchorReport } from './anchors.ts';
import { exportRegister, parseExport, serializeExport, type ExportBundle } from './export.ts';
import { openWithGenesis } from './genesis.ts';
import { Register } from './register.ts';

const authority = generateKeyPairSync('ec', { namedCurve: 'P-256' });
export const quiet = { warn() {}, info() {} };

export interface TamperFixture {
  root: string;
  /** Entries 1..13: the genesis and twelve verifications; checkpoints at 1, 5, 6 (a close), 10 and 13 (the last close). */
  base: string;
  /** The same register when it held entries 1..6, copied while the agent ran (entry 6 not yet under a checkpoint). */
  olderCopy: string;
  /** Another register of the same device (its own genesis, three verifications), to put in this one's place. */
  other: string;
  /** What the central side received from base: the genesis announcement, every event and checkpoint, one per line. */
  anchorsText: string;
}

export function writer(dir: string): Register {
  const paths = dataDirPaths(dir);
  const identity = loadDeviceIdentity(paths, { create: true });
  const dataKey = loadRegisterDataKey(paths, { create: true });
  const open = () => Register.open(paths.register, { deviceKey: identity.privateKey, ...(dataKey ? { dataKey } : {}), outboxCapacity: 10_000, checkpointEvery: 5 });
  return openWithGenesis({ paths, siteId: 'hcm-q1', deviceId: 'quay-3', deviceKey: identity.privateKey, keyId: identity.keyId, log: quiet }, open).register;
}

export function reader(dir: string): Register {
  const paths = dataDirPaths(dir);
  const dataKey = loadRegisterDataKey(paths, { create: false });
  return Register.open(paths.register, { deviceKey: loadDeviceIdentity(paths, { create: false }).privateKey, ...(dataKey ? { dataKey } : {}), outboxCapacity: 0, readOnly: true });
}

async function verifications(dir: string, register: Register, count: number): Promise<void> {
  const identity = loadDeviceIdentity(dataDirPaths(dir), { create: false });
  const keys = { deviceKey: identity.privateKey, deviceKeyId: identity.keyId, authorityPublicKey: authority.publicKey };
  for (let i = 0; i < count; i++) {
    const record = sampleRecord({ decision: i % 2 ? 'rejected' : 'verified' });
    await register.appendAnchored(record, { events: async (anchor) => [await buildVerificationEvent(record, keys, anchor)] });
  }
}

/** What the central side received: events (JWS) as JSON strings, checkpoints and the genesis announcement as objects. */
export function outboxLines(dir: string): string[] {
  const register = reader(dir);
  try {
    return register.outbox.peek(100_000).map((m) => (m.topic.startsWith('register/') ? m.payload : JSON.stringify(m.payload)));
  } finally {
    register.close();
  }
}

export async function buildTamperFixture(prefix: string): Promise<TamperFixture> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const base = join(root, 'base');
  let register = writer(base);
  await verifications(base, register, 5);
  const olderCopy = join(root, 'older');
  cpSync(base, olderCopy, { recursive: true });
  register.close();
  register = writer(base);
  await verifications(base, register, 7);
  register.close();
  const anchorsText = `${outboxLines(base).join('\n')}\n`;

  const other = join(root, 'other');
  cpSync(join(base, 'identity'), join(other, 'identity'), { recursive: true });
  register = writer(other);
  await verifications(other, register, 3);
  register.close();
  return { root, base, olderCopy, other, anchorsText };
}

export function copyOf(fixture: TamperFixture, name: string, from = fixture.base): DataDirPaths {
  const dir = join(fixture.root, name);
  cpSync(from, dir, { recursive: true });
  return dataDirPaths(dir);
}

/** The local register at `dir` against the anchors: "seq:kind" of each problem reported, space-separated. */
export async function againstAnchors(dir: string, anchorsText: string): Promise<string> {
  const register = reader(dir);
  try {
    const parsed = await parseAnchors(anchorsText, register.verificationKeys);
    if (parsed.ignored.length > 0) throw new Error(`anchor lines not usable: ${JSON.stringify(parsed.ignored)}`);
    const report = register.snapshot(() => checkAnchors(register.entries(), parsed.anchors, parsed.ignored));
    return report.problems.map((p) => `${p.seq}:${p.kind}`).join(' ');
  } finally {
    register.close();
  }
}

export function exportOf(dir: string, range: { fromSeq?: number; toSeq?: number } = {}): ExportBundle {
  const register = reader(dir);
  try {
    return parseExport(serializeExport(exportRegister(register, { signingKey: loadDeviceIdentity(dataDirPaths(dir), { create: false }).privateKey, ...range })));
  } finally {
    register.close();
  }
}

/** An export's entries held against the anchors (checkExportAnchors: the export's lines instead of the database). */
export async function exportAgainstAnchors(bundle: ExportBundle, dir: string, anchorsText: string): Promise<AnchorReport> {
  const register = reader(dir);
  try {
    const parsed = await parseAnchors(anchorsText, register.verificationKeys);
    if (parsed.ignored.length > 0) throw new Error(`anchor lines not usable: ${JSON.stringify(parsed.ignored)}`);
    return checkExportAnchors(bundle, parsed.anchors, parsed.ignored);
  } finally {
    register.close();
  }
}
