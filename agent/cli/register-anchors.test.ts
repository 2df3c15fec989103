// `xacminh register verify --anchors FILE`: a real register filled as the agent fills it (appendAnchored, events
// built by buildVerificationEvent), anchors taken from its outbox as the central side would receive them, then
// the register on disk edited, cut, replaced or rolled back.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dataDirPaths, loadDeviceIdentity } from '../datadir.ts';
import { buildVerificationEvent } from '../events/event.ts';
import { sampleRecord } from '../events/events-test-support.ts';
import { Register } from '../register/register.ts';
import { runRegisterCli } from './register.ts';

/** The register's data key, made for this run (FORMAT.md "Sealing"). */
const TEST_DATA_KEY = new Uint8Array(randomBytes(32));

const test = suite('register verify --anchors');
let root = '';
const authority = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** The base data dir: 12 entries, anchors of all of them, and a copy of the register as it was after 6. */
let base = '';
let anchorsFile = '';
let olderCopy = '';

function openWriter(dir: string): Register {
  const identity = loadDeviceIdentity(dataDirPaths(dir), { create: true });
  return Register.open(dataDirPaths(dir).register, { deviceKey: identity.privateKey, dataKey: TEST_DATA_KEY, outboxCapacity: 1000, checkpointEvery: 5 });
}

async function appendVerifications(dir: string, register: Register, count: number): Promise<void> {
  const identity = loadDeviceIdentity(dataDirPaths(dir), { create: false });
  const keys = { deviceKey: identity.privateKey, deviceKeyId: identity.keyId, authorityPublicKey: authority.publicKey };
  for (let i = 0; i < count; i++) {
    const record = sampleRecord();
    await register.appendAnchored(record, { events: async (anchor) => [await buildVerificationEvent(record, keys, anchor)] });
  }
}

/** What the central side received: each event as a JSON string, each checkpoint as its JSON object; one per line. */
function anchorLines(register: Register): string[] {
  return register.outbox.peek(10_000).map((m) => (m.topic === 'register/checkpoint' ? m.payload : JSON.stringify(m.payload)));
}

test.before(async () => {
  root = mkdtempSync(join(tmpdir(), 'xacminh-anchors-cli-'));
  base = join(root, 'base');
  let register = openWriter(base);
  await appendVerifications(base, register, 6);
  register.close();
  olderCopy = join(root, 'register-after-6.db');
  copyFileSync(dataDirPaths(base).register, olderCopy);
  register = openWriter(base);
  await appendVerifications(base, register, 6);
  anchorsFile = join(root, 'anchors.jsonl');
  writeFileSync(anchorsFile, `${anchorLines(register).join('\n')}\n`);
  register.close();
});
test.after(() => rmSync(root, { recursive: true, force: true }));

function copyOf(name: string): string {
  const dir = join(root, name);
  cpSync(base, dir, { recursive: true });
  return dir;
}

function tamper(dir: string, sql: string): void {
  const db = new Database(dataDirPaths(dir).register);
  db.exec('DROP TRIGGER IF EXISTS entries_no_update; DROP TRIGGER IF EXISTS entries_no_delete;');
  db.exec(sql);
  db.close();
}

async function verify(dir: string, file = anchorsFile, ...more: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runRegisterCli(['register', 'verify', '--data-dir', dir, '--anchors', file, ...more], { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

interface JsonReport {
  anchors: { anchors: number; firstDifference: number | null; matchedThrough: number; localHead: number; problems: { seq: number; kind: string }[]; ignored: unknown[] };
}

test('the events carry the anchors; an intact register matches every one of them', async () => {
  const { code, out, err } = await verify(copyOf('intact'));
  assert.is(code, 0, err);
  assert.match(out, /TOÀN VẸN/);
  assert.match(out, /matched through 12/);
  const json = JSON.parse((await verify(copyOf('intact-json'), anchorsFile, '--json')).out) as JsonReport;
  // 12 events + checkpoints at 5, 6 (signed on close) and 10; collected before the last close.
  assert.is(json.anchors.anchors, 15);
  assert.equal(json.anchors.ignored, []);
  assert.is(json.anchors.firstDifference, null);
});

test('an entry rewritten in the database: the first differing entry is reported', async () => {
  const dir = copyOf('rewritten');
  tamper(dir, "UPDATE entries SET record_json = replace(record_json, '\"decision\":\"verified\"', '\"decision\":\"rejected\"'), decision = 'rejected' WHERE seq = 4");
  const { code, out, err } = await verify(dir);
  assert.is(code, 1);
  assert.match(out, /từ mục 4: bị sửa/);
  assert.match(err, /from entry 4 \(rewritten\).*\[REGISTER_TAMPERED\]/, err);
  const json = JSON.parse((await verify(dir, anchorsFile, '--json')).out) as JsonReport;
  assert.is(json.anchors.firstDifference, 4);
  assert.is(json.anchors.matchedThrough, 3);
});

test('the tail cut off: reported as truncated or rolled back from the first missing entry', async () => {
  const dir = copyOf('truncated');
  tamper(dir, 'DELETE FROM entries WHERE seq > 8; DELETE FROM checkpoints WHERE seq > 8');
  const { code, out, err } = await verify(dir);
  assert.is(code, 1, out);
  assert.match(out, /từ mục 9: bị cắt bớt hoặc quay về bản cũ/);
  assert.match(err, /from entry 9 \(rolled-back\)/);
  assert.match(out, /local head 8/);
  assert.match(out, /matched through 8/);
});

test('the register replaced by a fresh one with fewer entries: reported as replaced from entry 1', async () => {
  const dir = join(root, 'replaced');
  cpSync(base, dir, { recursive: true });
  rmSync(dataDirPaths(dir).register);
  const register = openWriter(dir);
  await appendVerifications(dir, register, 3);
  register.close();
  const { code, out } = await verify(dir);
  assert.is(code, 1);
  assert.match(out, /từ mục 1: bị thay bằng một sổ khác/);
  const json = JSON.parse((await verify(dir, anchorsFile, '--json')).out) as JsonReport;
  assert.is(json.anchors.firstDifference, 1);
  assert.is(json.anchors.matchedThrough, 0);
  assert.ok(json.anchors.problems.some((p) => p.kind === 'rolled-back' && p.seq === 4), 'and it is shorter than what the central side holds');

  // Deleted and created anew, with nothing in it yet.
  const empty = join(root, 'empty');
  cpSync(base, empty, { recursive: true });
  rmSync(dataDirPaths(empty).register);
  openWriter(empty).close();
  const none = await verify(empty);
  assert.is(none.code, 1);
  assert.match(none.out, /từ mục 1: bị thay bằng một sổ khác/);
  assert.match(none.out, /the local register is empty/);
});

test('an older copy restored: rolled back from the first entry it lacks; new entries after it: the history diverges there', async () => {
  const dir = copyOf('restored');
  for (const suffix of ['-wal', '-shm']) rmSync(`${dataDirPaths(dir).register}${suffix}`, { force: true });
  copyFileSync(olderCopy, dataDirPaths(dir).register);
  const restored = await verify(dir);
  assert.is(restored.code, 1);
  assert.match(restored.out, /từ mục 7: bị cắt bớt hoặc quay về bản cũ/);
  assert.match(restored.out, /chuỗi băm và chữ ký đúng/, 'the old copy verifies on its own: only the anchors catch it');

  const register = openWriter(dir);
  await appendVerifications(dir, register, 8);
  register.close();
  const diverged = JSON.parse((await verify(dir, anchorsFile, '--json')).out) as JsonReport;
  assert.is(diverged.anchors.firstDifference, 7);
  assert.is(diverged.anchors.problems[0]?.kind, 'rewritten');
  assert.is(diverged.anchors.matchedThrough, 6);
});

test('anchors are trusted only when the device signed them: forged lines are ignored, a file of none is refused', async () => {
  const lines = anchorLines(openReadOnly(base));
  const checkpoint = JSON.parse(lines.find((l) => l.startsWith('{'))!) as { headHash: string };
  const forgedCheckpoint = JSON.stringify({ ...checkpoint, headHash: '00'.repeat(32) });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const foreign = JSON.stringify((await buildVerificationEvent(sampleRecord(), { deviceKey: other.privateKey, deviceKeyId: 'someone-else', authorityPublicKey: authority.publicKey }, { seq: 1, headHash: '11'.repeat(32) })).payload);
  const mixed = join(root, 'mixed.jsonl');
  writeFileSync(mixed, [...lines, forgedCheckpoint, foreign, 'not json {'].join('\n'));
  const { code, out } = await verify(copyOf('forged'), mixed);
  assert.is(code, 0, 'the good anchors still match; the forged ones prove nothing either way');
  assert.match(out, /ignored line \d+: checkpoint at \d+ is not signed by this device's key/);
  assert.match(out, /ignored line \d+: the event is signed with key someone-else/);

  const onlyForged = join(root, 'forged.jsonl');
  writeFileSync(onlyForged, `${forgedCheckpoint}\n${foreign}\n`);
  const refused = await verify(copyOf('forged-only'), onlyForged);
  assert.is(refused.code, 2);
  assert.match(refused.err, /holds no anchor signed by this device/);
});

function openReadOnly(dir: string): Register {
  const identity = loadDeviceIdentity(dataDirPaths(dir), { create: false });
  return Register.open(dataDirPaths(dir).register, { deviceKey: identity.privateKey, outboxCapacity: 0, readOnly: true });
}

test.run();
