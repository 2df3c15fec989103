// The tamper matrix on exports (see tamper.test.ts for the database): the file an inspector carries away, checked
// offline with the device's public key, each change found at its entry; and exports of a rolled-back or replaced
// register, which the device genuinely signed, held against the anchors the central side received; and exports by
// date after the clock was set back.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dataDirPaths, keyIdOf, loadDeviceIdentity } from '../datadir.ts';
import { chainedExportEntry } from './anchors.ts';
import { GENESIS_HASH, entryHash, signCheckpoint } from './chain.ts';
import { sampleRecord } from '../events/events-test-support.ts';
import { exportRegister, headerDigest, openExportEntry, parseExport, serializeExport, signExport, verifyExport, type ExportBundle } from './export.ts';
import { Register } from './register.ts';
import { buildTamperFixture, copyOf, exportAgainstAnchors, exportOf, type TamperFixture } from './tamper-test-support.ts';

const test = suite('register tamper matrix: exports');
let fx: TamperFixture;
let base = '';
test.before(async () => {
  fx = await buildTamperFixture('xacminh-tamper-export-');
  base = fx.base;
});
test.after(() => rmSync(fx.root, { recursive: true, force: true }));

function problems(bundle: ExportBundle): string[] {
  const key = loadDeviceIdentity(dataDirPaths(base), { create: false }).publicKey;
  return verifyExport(parseExport(serializeExport(bundle)), { trustedPublicKey: key }).problems.map((p) => `${p.seq}:${p.kind}`);
}

test('export: intact verifies; edit, delete, insert, reorder and a cut tail are each found at their entry', () => {
  const bundle = exportOf(base);
  assert.equal(problems(bundle), []);

  const edited = structuredClone(bundle);
  edited.entries.find((e) => e.seq === 8)!.recordedAt = '2026-01-01T00:00:00.000Z';
  assert.is(problems(edited)[0], '8:hash-mismatch');

  const deleted = structuredClone(bundle);
  deleted.entries = deleted.entries.filter((e) => e.seq !== 8);
  assert.is(problems(deleted)[0], '9:gap');

  const inserted = structuredClone(bundle);
  const at = inserted.entries.findIndex((e) => e.seq === 8);
  inserted.entries.splice(at, 0, { ...inserted.entries[at]!, id: `${inserted.entries[at]!.id}-forged` });
  for (const entry of inserted.entries.slice(at + 1)) entry.seq += 1;
  // Its sealed part no longer opens either: the per-entry key and the AAD are bound to the entry id.
  assert.ok(problems(inserted)[0]!.startsWith('8:') && problems(inserted).includes('8:hash-mismatch'), problems(inserted).join(' '));

  const reordered = structuredClone(bundle);
  const i = reordered.entries.findIndex((e) => e.seq === 8);
  [reordered.entries[i], reordered.entries[i + 1]] = [reordered.entries[i + 1]!, reordered.entries[i]!];
  assert.is(problems(reordered)[0], '8:gap');

  const cut = structuredClone(bundle);
  cut.entries = cut.entries.filter((e) => e.seq <= 10);
  cut.checkpoints = cut.checkpoints.filter((c) => c.seq <= 10);
  assert.ok(problems(cut).includes('11:gap'), problems(cut).join(' '));
});

test('export: the head dropped and the header patched, an older signature replayed on a cut export, a re-signed export: the signature catches each', () => {
  const slice = exportOf(base, { fromSeq: 5 });
  const headless = structuredClone(slice);
  headless.entries = headless.entries.filter((e) => e.seq >= 7);
  headless.checkpoints = headless.checkpoints.filter((c) => c.seq >= 7);
  headless.header.range = { ...headless.header.range, fromSeq: 7, entries: headless.entries.length };
  headless.header.previousHash = slice.entries.find((e) => e.seq === 6)!.hash;
  assert.equal(problems(headless), ['0:header-mismatch']);

  const older = exportOf(base, { toSeq: 6 });
  const replayed = structuredClone(exportOf(base));
  replayed.entries = replayed.entries.filter((e) => e.seq <= 6);
  replayed.checkpoints = replayed.checkpoints.filter((c) => c.seq <= 6);
  replayed.exportCheckpoint = older.exportCheckpoint;
  assert.ok(problems(replayed).includes('0:header-mismatch'), problems(replayed).join(' '));

  // Edited, re-chained and re-signed throughout by a forger's key: only the device's key, brought by the inspector, is believed.
  const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const forgerKeyId = keyIdOf(forger.publicKey);
  const resigned = exportOf(base);
  resigned.entries.find((e) => e.seq === 8)!.recordedAt = '2026-01-01T00:00:00.000Z';
  const rechained = new Map<number, string>();
  let previous: Uint8Array = GENESIS_HASH;
  for (const [index, entry] of resigned.entries.map(chainedExportEntry).entries()) {
    previous = entryHash(previous, entry);
    resigned.entries[index]!.hash = Buffer.from(previous).toString('hex');
    rechained.set(entry.seq, resigned.entries[index]!.hash);
  }
  const resign = (c: ExportBundle['checkpoints'][number]) => {
    const signed = signCheckpoint(forger.privateKey, forgerKeyId, c.seq, new Uint8Array(Buffer.from(rechained.get(c.seq)!, 'hex')), c.signedAt);
    Object.assign(c, { headHash: rechained.get(c.seq)!, keyId: forgerKeyId, signature: Buffer.from(signed.signature).toString('base64url') });
  };
  resigned.checkpoints.forEach(resign);
  resigned.header.device = { keyId: forgerKeyId };
  const last = resigned.exportCheckpoint!;
  resign(last);
  last.headerSha256 = headerDigest(resigned.header);
  last.exportSignature = signExport(forger.privateKey, last.headerSha256, last.seq, last.headHash, last.signedAt);
  const found = problems(resigned);
  assert.is(found[0], '0:key-mismatch', found.join(' '));
  assert.ok(found.includes('1:bad-checkpoint'), 'even the genesis checkpoint, which the forger had to re-sign with the rest');
  // The same forgery checked against the forger's own key passes: the key must come from the authority, never the file.
  const withForgerKey = verifyExport(parseExport(serializeExport(resigned)), { trustedPublicKey: forger.publicKey });
  assert.ok(withForgerKey.ok, JSON.stringify(withForgerKey.problems));
});

test('export of a rolled-back or replaced register: it verifies offline (the device signed it), the anchors find where it departs', async () => {
  const rolledBack = copyOf(fx, 'export-rollback', fx.olderCopy);
  const fromOld = exportOf(rolledBack.root);
  assert.equal(problems(fromOld), [], 'a genuine export of what the device holds now');
  const oldReport = await exportAgainstAnchors(fromOld, base, fx.anchorsText);
  assert.equal(oldReport.problems.map((p) => `${p.seq}:${p.kind}`), ['7:rolled-back']);

  const fromOther = exportOf(fx.other);
  assert.equal(problems(fromOther), []);
  const otherReport = await exportAgainstAnchors(fromOther, fx.other, fx.anchorsText);
  assert.is(otherReport.problems[0]?.kind, 'replaced');
  assert.is(otherReport.firstDifference, 1);

  const slice = exportOf(base, { fromSeq: 5, toSeq: 9 });
  const sliceReport = await exportAgainstAnchors(slice, base, fx.anchorsText);
  assert.ok(sliceReport.ok, JSON.stringify(sliceReport.problems));
  const editedSlice = structuredClone(slice);
  editedSlice.entries.find((e) => e.seq === 7)!.recordedAt = '2026-01-01T00:00:00.000Z';
  assert.is((await exportAgainstAnchors(editedSlice, base, fx.anchorsText)).firstDifference, 7);
});

test('a clock set back during a day of entries: an export by date is one seq slice whose hashes and sealed entries verify', () => {
  // Vietnam time 10:00 10:05 10:10, the clock set back an hour: 09:12 09:20, then 10:02 10:30 11:00 (UTC+7).
  const times = ['10:00', '10:05', '10:10', '09:12', '09:20', '10:02', '10:30', '11:00'].map((t) => `2026-11-22T${t}:00.000+07:00`);
  let now = times[0]!;
  const path = join(fx.root, 'clock.db');
  const identity = loadDeviceIdentity(dataDirPaths(base), { create: false });
  const register = Register.open(path, { deviceKey: identity.privateKey, dataKey: new Uint8Array(randomBytes(32)), outboxCapacity: 1000, checkpointEvery: 4, now: () => new Date(now) });
  for (const time of times) {
    now = time;
    register.append(sampleRecord(), { events: [] });
  }
  const byDate = (from: string, to: string) => parseExport(serializeExport(exportRegister(register, { signingKey: identity.privateKey, from: new Date(from).toISOString(), to: new Date(to).toISOString() })));
  try {
    const morning = byDate('2026-11-22T10:00:00+07:00', '2026-11-22T10:20:00+07:00');
    assert.equal(morning.entries.map((e) => e.seq), [1, 2, 3, 4, 5, 6], 'the entries stamped 09:xx lie inside the slice and are exported with it');
    assert.equal(problems(morning), []);
    assert.ok(morning.entries.every((e) => openExportEntry(e).sealed !== null), 'each entry opens with the key the export gives for it');
    const early = byDate('2026-11-22T09:00:00+07:00', '2026-11-22T09:30:00+07:00');
    assert.equal(early.entries.map((e) => e.seq), [4, 5]);
    assert.is(early.header.previousHash, morning.entries[2]!.hash);
    assert.equal(problems(early), []);
  } finally {
    register.close();
  }
});

test.run();
