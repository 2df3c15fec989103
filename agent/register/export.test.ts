import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { keyIdOf } from '../datadir.ts';
import { sampleRecord, SAMPLE_ID_NUMBER } from '../events/events-test-support.ts';
import { exportRegister, openExportEntry, parseExport, serializeExport, verifyExport, writeExport, type ExportBundle } from './export.ts';
import { Register } from './register.ts';

/** The register's data key, made for this run (FORMAT.md "Sealing"). */
const TEST_DATA_KEY = new Uint8Array(randomBytes(32));

const device = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const test = suite('register export');
let dir = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-export-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

function filled(name: string, count: number, checkpointEvery = 4): string {
  const path = join(dir, name);
  const register = Register.open(path, { deviceKey: device.privateKey, dataKey: TEST_DATA_KEY, outboxCapacity: 1000, checkpointEvery });
  for (let i = 0; i < count; i++) {
    const record = sampleRecord({ decision: i % 3 === 0 ? 'rejected' : 'verified' });
    register.append(record, { frameJpeg: new Uint8Array([0xff, 0xd8, i, 0xff, 0xd9]), events: [{ id: record.id, topic: 't', payload: 'p' }] });
  }
  register.close();
  return path;
}

function readOnly(path: string): Register {
  return Register.open(path, { deviceKey: device.privateKey, dataKey: TEST_DATA_KEY, outboxCapacity: 0, readOnly: true });
}

/** What an inspector's laptop does: parse the text of the file. */
const roundTrip = (bundle: ExportBundle) => parseExport(serializeExport(bundle));
const problemKeys = (bundle: ExportBundle, key = device.publicKey) => verifyExport(bundle, { trustedPublicKey: key }).problems.map((p) => `${p.seq}:${p.kind}`);

test('an export of a slice verifies offline with the trusted key; the file is 0600 and carries the personal data', () => {
  const path = filled('a.db', 10);
  const register = readOnly(path);
  const all = register.list();
  const bundle = exportRegister(register, { signingKey: device.privateKey, from: all[3]!.recordedAt, to: all[8]!.recordedAt, frames: true });
  register.close();
  // recordedAt can repeat within a millisecond, so the slice is every entry whose time falls in [from, to).
  const inRange = all.filter((e) => e.recordedAt >= all[3]!.recordedAt && e.recordedAt < all[8]!.recordedAt).map((e) => e.seq);
  assert.equal([bundle.header.range.fromSeq, bundle.header.range.toSeq], [Math.min(...inRange), Math.max(...inRange)], JSON.stringify(bundle.header.range));
  assert.ok(bundle.header.range.fromSeq <= 4 && bundle.header.range.toSeq < 9, 'starts at or before seq 4, ends before seq 9');
  assert.not.equal(bundle.header.previousHash, '00'.repeat(32), 'the anchor is the hash of the entry before the slice');
  assert.equal(bundle.header.siteIds, ['site-1']);
  assert.equal(bundle.header.deviceIds, ['dev-a']);
  assert.ok(bundle.exportCheckpoint, 'signed at export time');
  assert.is(bundle.exportCheckpoint?.seq, bundle.header.range.toSeq);

  const out = join(dir, 'out', 'export.jsonl');
  writeExport(out, bundle);
  assert.is(statSync(out).mode & 0o777, 0o600);
  const text = readFileSync(out, 'utf8');
  assert.not.ok(text.includes(SAMPLE_ID_NUMBER), 'personal data travels sealed');
  assert.not.ok(text.includes(Buffer.from(TEST_DATA_KEY).toString('base64')), 'the data key never leaves the device');
  const opened = openExportEntry(parseExport(text).entries[0]!);
  assert.is((opened.sealed as { identity: { idNumber: string } }).identity.idNumber, SAMPLE_ID_NUMBER, 'the police read it with the per-entry keys in the export');
  assert.equal(Array.from(opened.frameJpeg ?? []), [0xff, 0xd8, bundle.header.range.fromSeq - 1, 0xff, 0xd9], 'and the frame');
  assert.is(bundle.header.version, 3);
  const report = verifyExport(parseExport(text), { trustedPublicKey: device.publicKey });
  assert.ok(report.ok, JSON.stringify(report.problems));
  assert.ok(report.key.trusted);
  assert.is(report.signedThrough, bundle.header.range.toSeq);
  assert.is(report.entries, bundle.header.range.toSeq - bundle.header.range.fromSeq + 1);

  // No key given: it cannot tell (a key inside the file would prove nothing), and it says so rather than pass.
  assert.throws(() => verifyExport(parseExport(text), {}), (e: unknown) => isXacminhError(e, 'INVALID_INPUT') && /public key or certificate/.test((e as Error).message));
  assert.not.ok(text.includes('publicKeyJwk'), 'the file carries key ids, no key to check itself with');
});

test('editing one record inside the export is reported at that seq; a swapped frame, a changed blob or a wrong key too', () => {
  const register = readOnly(filled('b.db', 9));
  const bundle = roundTrip(exportRegister(register, { signingKey: device.privateKey, frames: true }));
  register.close();
  assert.ok(verifyExport(bundle, { trustedPublicKey: device.publicKey }).ok);
  const edited = structuredClone(bundle);
  const target = edited.entries.find((e) => e.seq === 6)!;
  target.publicJson = target.publicJson!.replace('"decision":"verified"', '"decision":"rejected"');
  assert.equal(problemKeys(roundTrip(edited)), ['6:hash-mismatch']);

  const framed = structuredClone(bundle);
  framed.entries[1]!.frame = Buffer.from([0, 1, 2]).toString('base64');
  assert.equal(problemKeys(framed), ['2:frame-mismatch']);

  const resealed = structuredClone(bundle);
  resealed.entries[2]!.sealed = resealed.entries[3]!.sealed;
  assert.equal(problemKeys(resealed), ['3:sealed-mismatch'], "another entry's personal data put in its place");

  const wrongKey = structuredClone(bundle);
  wrongKey.entries[4]!.sealedKey = wrongKey.entries[5]!.sealedKey;
  wrongKey.entries[6]!.frameKey = randomBytes(32).toString('base64');
  assert.equal(problemKeys(wrongKey), ['5:decrypt-failed', '7:decrypt-failed'], 'a key that does not open the blob (the tag fails) is a problem at that seq');
});

test('an entry whose personal data was purged still verifies in an export, with its digests and no blob', () => {
  const path = filled('purged.db', 5);
  const raw = new Database(path);
  raw.exec('DELETE FROM entry_private WHERE seq <= 2');
  raw.close();
  const register = readOnly(path);
  const bundle = roundTrip(exportRegister(register, { signingKey: device.privateKey, frames: true }));
  register.close();
  const first = bundle.entries[0]!;
  assert.ok(first.sealedSha256 && first.sealed === undefined && first.sealedKey === undefined && first.frame === undefined, JSON.stringify(first));
  assert.ok(openExportEntry(first).purged);
  assert.ok(bundle.entries[2]!.sealed, 'entry 3 keeps its personal data');
  const report = verifyExport(bundle, { trustedPublicKey: device.publicKey });
  assert.ok(report.ok, JSON.stringify(report.problems));
});

test('a dropped entry shows as a gap; a dropped last entry and a re-chained forgery fail the signatures', () => {
  const register = readOnly(filled('c.db', 9));
  const bundle = exportRegister(register, { signingKey: device.privateKey });
  register.close();

  const dropped = structuredClone(bundle);
  dropped.entries = dropped.entries.filter((e) => e.seq !== 5);
  const keys = problemKeys(dropped);
  assert.ok(keys.includes('6:gap'), keys.join(' '));

  const truncated = structuredClone(bundle);
  truncated.entries.pop();
  const truncatedKeys = problemKeys(truncated);
  assert.ok(truncatedKeys.some((k) => k.endsWith(':checkpoint-mismatch')), truncatedKeys.join(' '));
  assert.ok(truncatedKeys.includes('9:gap'), truncatedKeys.join(' '));

  const unsigned = structuredClone(bundle);
  unsigned.exportCheckpoint = null;
  assert.equal(problemKeys(unsigned), ['9:unsigned']);

  const anchored = structuredClone(bundle);
  anchored.header.previousHash = 'ff'.repeat(32);
  assert.ok(problemKeys(anchored).includes('1:hash-mismatch'));
});

test("an export checked against another device's key fails with bad signatures", () => {
  const register = readOnly(filled('d.db', 6));
  const bundle = exportRegister(register, { signingKey: device.privateKey });
  register.close();
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  const report = verifyExport(roundTrip(bundle), { trustedPublicKey: other });
  assert.not.ok(report.ok);
  const kinds = report.problems.map((p) => `${p.seq}:${p.kind}`);
  assert.ok(kinds.includes('0:key-mismatch'), kinds.join(' '));
  assert.ok(kinds.includes('4:bad-checkpoint'), 'the register checkpoint at 4 does not verify under the other key');
  assert.ok(report.problems.some((p) => p.seq === 6 && /export checkpoint at 6 is (not signed by|signed with key \S+, which is not one of) this device's key/.test(p.message)), 'nor does the export checkpoint');
  assert.is(report.signedThrough, 0);
});

test('after a key rotation (certificate renewal) the register and its export verify with both keys, and not with the new key alone', () => {
  const path = join(dir, 'rotated.db');
  const renewed = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const register = Register.open(path, { deviceKey: device.privateKey, dataKey: TEST_DATA_KEY, outboxCapacity: 1000, checkpointEvery: 4 });
  const append = () => {
    const record = sampleRecord({});
    register.append(record, { events: [{ id: record.id, topic: 't', payload: 'p' }] });
  };
  for (let i = 0; i < 5; i++) append();
  register.useSigningKey(renewed.privateKey);
  for (let i = 0; i < 5; i++) append();
  register.close();
  const signers = new Set(Register.open(path, { deviceKey: renewed.publicKey, outboxCapacity: 0, readOnly: true }).checkpoints().map((c) => c.keyId));
  assert.is(signers.size, 2, 'the old key closed its history (checkpoint at 5), the new one signs from then on');

  const withHistory = Register.open(path, { deviceKey: renewed.privateKey, retiredKeys: new Map([[keyIdOf(device.publicKey), device.publicKey]]), outboxCapacity: 0, readOnly: true });
  assert.ok(withHistory.verify().ok, JSON.stringify(withHistory.verify().problems));
  const bundle = roundTrip(exportRegister(withHistory, { signingKey: renewed.privateKey }));
  withHistory.close();
  assert.equal(bundle.header.device.retiredKeyIds, [keyIdOf(device.publicKey)]);
  assert.is(bundle.exportCheckpoint?.keyId, keyIdOf(renewed.publicKey), 'the export is signed with the current key');
  assert.ok(verifyExport(bundle, { trustedPublicKeys: [device.publicKey, renewed.publicKey] }).ok, 'both keys given by the inspector');
  const newOnly = verifyExport(bundle, { trustedPublicKeys: [renewed.publicKey] });
  assert.ok(newOnly.problems.some((p) => p.kind === 'bad-checkpoint' && /not one of this device's keys/.test(p.message)), 'a checkpoint of a key the inspector did not give is not believed');

  const currentOnly = Register.open(path, { deviceKey: renewed.publicKey, outboxCapacity: 0, readOnly: true });
  assert.not.ok(currentOnly.verify().ok, 'without the retired key the old checkpoints cannot be checked');
  currentOnly.close();
});

test('a tampered register is exported as evidence without the device signature; read-only opening never writes', () => {
  const path = filled('e.db', 7, 100);
  const db = new Database(path);
  db.exec('DROP TRIGGER entries_no_update');
  db.exec("UPDATE entries SET record_json = replace(record_json, 'verified', 'rejected') WHERE seq = 3");
  db.close();
  const register = readOnly(path);
  const bundle = exportRegister(register, { signingKey: device.privateKey });
  assert.throws(() => register.checkpoint(), /read-only/);
  register.close();
  assert.is(bundle.exportCheckpoint, null);
  assert.equal(bundle.header.registerProblems.map((p) => p.seq), [3]);
  const kinds = problemKeys(bundle);
  assert.ok(kinds.includes('3:hash-mismatch') && kinds.includes('3:register-problem') && kinds.includes('7:unsigned'), kinds.join(' '));
  const raw = new Database(path, { readonly: true });
  assert.is((raw.prepare('SELECT COUNT(*) AS n FROM checkpoints').get() as { n: number }).n, 1, 'only the close() checkpoint of the writer; the reader added none');
  raw.close();
});

test('an empty range, a non-register file and a damaged export are clear errors', () => {
  const register = readOnly(filled('f.db', 2));
  assert.throws(() => exportRegister(register, { signingKey: device.privateKey, from: '2999-01-01T00:00:00.000Z' }), (e: unknown) => isXacminhError(e, 'INVALID_INPUT'));
  register.close();
  assert.throws(() => Register.open(join(dir, 'missing.db'), { deviceKey: device.privateKey, outboxCapacity: 0, readOnly: true }), (e: unknown) => isXacminhError(e, 'STORAGE_FAILED'));
  const empty = join(dir, 'empty.db');
  new Database(empty).close();
  assert.throws(() => readOnly(empty), /not a register database/);
  assert.throws(() => parseExport('{"type":"header","format":"xacminh-register-export","version":3}\n{broken'), /line 2 is not JSON/);
  // Version 1 left its header unsigned: it is refused, not half-checked.
  assert.throws(() => parseExport('{"type":"header","format":"xacminh-register-export","version":1}\n'), (e: unknown) => isXacminhError(e, 'UNSUPPORTED') && /export again/.test((e as Error).message));
  assert.throws(() => parseExport('{"hello":1}\n'), /Not a register export/);
});

test('the header names the register from its genesis entry; a register without one says null', () => {
  const path = join(dir, 'genesis.db');
  const register = Register.open(path, { deviceKey: device.privateKey, dataKey: TEST_DATA_KEY, outboxCapacity: 1000 });
  const genesis = register.appendEntry('genesis', { registerId: 'reg-test-1', reason: 'first-start' });
  register.append(sampleRecord({}), { events: [] });
  const bundle = roundTrip(exportRegister(register, { signingKey: device.privateKey }));
  assert.equal(bundle.header.register, { registerId: 'reg-test-1', genesisHash: register.read(genesis.seq)!.hash });
  assert.equal(bundle.entries.map((e) => e.kind), ['genesis', 'verification']);
  assert.ok(verifyExport(bundle, { trustedPublicKey: device.publicKey }).ok);
  register.close();
  const legacy = readOnly(filled('no-genesis.db', 1));
  assert.equal(exportRegister(legacy, { signingKey: device.privateKey }).header.register, { registerId: null, genesisHash: null });
  legacy.close();
});

test('a reader can export while the agent keeps appending (WAL)', () => {
  const path = filled('g.db', 3);
  const writer = Register.open(path, { deviceKey: device.privateKey, dataKey: TEST_DATA_KEY, outboxCapacity: 1000 });
  const reader = readOnly(path);
  const record = sampleRecord({});
  writer.append(record, { events: [] });
  const bundle = exportRegister(reader, { signingKey: device.privateKey });
  assert.is(bundle.header.range.toSeq, 4, 'the reader sees the committed append');
  assert.ok(verifyExport(roundTrip(bundle), { trustedPublicKey: device.publicKey }).ok);
  reader.close();
  writer.close();
});

test.run();
