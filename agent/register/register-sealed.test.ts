// Register format 2: personal data sealed at rest, restored with the data key, locked without it; entries of
// other kinds; a register from before format 2 keeps verifying after the migration.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { SAMPLE_ID_NUMBER, SAMPLE_NAME, sampleRecord } from '../events/events-test-support.ts';
import { entryHash, GENESIS_HASH, sha256 } from './chain.ts';
import { Register } from './register.ts';
import { MIGRATIONS } from './schema.ts';
import { entryKey, openWithKey } from './seal.ts';

const deviceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const dataKey = new Uint8Array(randomBytes(32));
const test = suite('register format 2');
let dir = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-register-sealed-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

const FRAME = new Uint8Array([0xff, 0xd8, 0x01, 0x02, 0x03, 0xff, 0xd9]);
// No name in the reasons: what is public must not carry the identity.
const record = () => sampleRecord({ reasons: [{ code: 'face-match', messageVi: 'Khuôn mặt khớp' }] });

test('the identity and the frame are sealed on disk, restored by get() with the data key, locked without it', () => {
  const path = join(dir, 'sealed.db');
  const register = Register.open(path, { deviceKey, dataKey, outboxCapacity: 100, checkpointEvery: 3 });
  const written = record();
  register.append(written, { frameJpeg: FRAME, events: [] });
  register.append(record(), { events: [] });
  register.close();

  const raw = readFileSync(path).toString('latin1') + readFileSync(`${path}-wal`, { flag: 'a+' }).toString('latin1');
  for (const secret of [SAMPLE_ID_NUMBER, 'Lê Lợi', Buffer.from(SAMPLE_NAME, 'utf8').toString('latin1')]) assert.not.ok(raw.includes(secret), `${secret} is not in the file`);

  const reader = Register.open(path, { deviceKey, dataKey, outboxCapacity: 0, readOnly: true });
  const got = reader.get(written.id)!;
  assert.equal(got.record, written, 'the record reads back exactly as written, identity included');
  assert.equal(Array.from(got.frameJpeg!), Array.from(FRAME));
  const entry = reader.read(1)!;
  assert.is(entry.format, 2);
  assert.is(entry.kind, 'verification');
  assert.is(entry.sealedState, 'present');
  assert.is((entry.public as { identity: unknown }).identity, null, 'the public part has no identity');
  const view = [...reader.entries(1, 1)][0]!;
  assert.ok(view.sealed && view.sealedSha256 && Buffer.from(sha256(view.sealed)).equals(view.sealedSha256), 'the view carries the sealed blob and its digest');
  const opened = openWithKey(entryKey(dataKey, written.id, 'sealed'), written.id, 'sealed', view.sealed!);
  assert.equal(JSON.parse(Buffer.from(opened!).toString('utf8')), { identity: written.identity }, 'a per-entry key opens just that part');
  assert.ok(reader.verify().ok);
  reader.close();

  const locked = Register.open(path, { deviceKey, outboxCapacity: 0, readOnly: true });
  assert.is(locked.get(written.id)!.record.identity, null);
  assert.is(locked.get(written.id)!.frameJpeg, null);
  assert.is(locked.read(1)!.sealedState, 'locked');
  assert.ok(locked.verify().ok, 'the chain verifies without the data key');
  locked.close();

  const wrongKey = Register.open(path, { deviceKey, dataKey: new Uint8Array(randomBytes(32)), outboxCapacity: 0, readOnly: true });
  assert.is(wrongKey.read(1)!.sealedState, 'locked', 'another key fails the tag: shown locked, never garbage');
  wrongKey.close();
});

test('without the data key a writable register refuses verifications (nothing half-written) but takes public-only entries', () => {
  const path = join(dir, 'nokey.db');
  const register = Register.open(path, { deviceKey, outboxCapacity: 100 });
  try {
    register.append(record(), { events: [] });
    assert.unreachable('appended without a data key');
  } catch (error) {
    assert.ok(isXacminhError(error, 'STORAGE_FAILED'), String(error));
    assert.match((error as Error).message, /khóa dữ liệu/);
  }
  assert.throws(() => register.appendEntry('inspection', { inspector: 'demo', action: 'search' }, { query: 'x' }), /data key/);
  assert.is(register.count(), 0);
  const purge = register.appendEntry('purge', { before: '2026-01-01T00:00:00.000Z', retentionDays: 30, purged: 0, fromSeq: null, toSeq: null });
  assert.is(purge.decision, 'purge');
  assert.is(register.read(1)!.sealedState, 'none');
  assert.ok(register.verify().ok);
  register.close();
});

test('appendEntry: kinds other than verification, with sealed parts and events, chained like the rest', () => {
  const path = join(dir, 'kinds.db');
  const register = Register.open(path, { deviceKey, dataKey, outboxCapacity: 100 });
  register.append(record(), { events: [] });
  const inspection = register.appendEntry('inspection', { inspector: 'canbo1', action: 'search' }, { query: { name: 'Thử' } }, { events: [{ id: 'ev-1', topic: 'register/inspection', payload: '{}' }] });
  assert.is(inspection.seq, 2);
  assert.equal(register.outbox.peek(10).map((m) => m.id), ['ev-1']);
  const entry = register.read(2)!;
  assert.equal({ kind: entry.kind, decision: entry.decision, public: entry.public, sealed: entry.sealed, state: entry.sealedState }, { kind: 'inspection', decision: 'inspection', public: { inspector: 'canbo1', action: 'search' }, sealed: { query: { name: 'Thử' } }, state: 'present' });
  assert.is(entry.hash, Buffer.from([...register.entries(2, 2)][0]!.hash).toString('hex'));
  register.close();

  const raw = new Database(path);
  raw.exec("UPDATE entry_private SET sealed = (CASE WHEN substr(sealed, 1, 1) = x'00' THEN x'01' ELSE x'00' END) || substr(sealed, 2) WHERE seq = 2");
  raw.close();
  const reopened = Register.open(path, { deviceKey, dataKey, outboxCapacity: 100 });
  const report = reopened.verify();
  assert.equal(report.problems.map((p) => `${p.seq}:${p.kind}`), ['2:sealed-mismatch'], 'a changed sealed blob is found at its entry');
  assert.is(reopened.read(2)!.sealedState, 'locked');
  reopened.close();
});

test('a register from before format 2 migrates: its entries keep verifying and reading, new ones are format 2', () => {
  const path = join(dir, 'legacy.db');
  const db = new Database(path);
  db.exec(MIGRATIONS[0]!);
  db.pragma('user_version = 1');
  const old = record();
  const recordJson = JSON.stringify(old);
  const recordedAt = '2026-10-01T08:00:00.000Z';
  const hash = entryHash(GENESIS_HASH, { seq: 1, id: old.id, recordedAt, recordJson, frameSha256: sha256(FRAME) });
  db.prepare('INSERT INTO entries (seq, id, recorded_at, decision, record_json, frame_jpeg, frame_sha256, hash) VALUES (1, ?, ?, ?, ?, ?, ?, ?)').run(old.id, recordedAt, old.decision, recordJson, FRAME, sha256(FRAME), hash);
  db.close();

  const legacyReader = Register.open(path, { deviceKey, outboxCapacity: 0, readOnly: true });
  assert.ok(legacyReader.verify().ok, 'read-only, an unmigrated file reads as format 1');
  legacyReader.close();

  const register = Register.open(path, { deviceKey, dataKey, outboxCapacity: 100 });
  const fresh = record();
  register.append(fresh, { frameJpeg: FRAME, events: [] });
  assert.equal(register.get(old.id)!.record, old);
  assert.equal(Array.from(register.get(old.id)!.frameJpeg!), Array.from(FRAME));
  assert.equal([register.read(1)!.format, register.read(2)!.format], [1, 2]);
  assert.equal(register.get(fresh.id)!.record, fresh);
  const report = register.verify();
  assert.ok(report.ok, JSON.stringify(report.problems));
  assert.is(report.entries, 2);
  assert.equal(register.search({ name: 'nguyen van thu' }).items.map((i) => [i.seq, i.fullName]), [[2, SAMPLE_NAME], [1, SAMPLE_NAME]], 'the legacy entry was indexed for search on the first open with the key');
  register.close();
  const again = Register.open(path, { deviceKey, dataKey, outboxCapacity: 100 });
  assert.equal(again.search({ idNumber: SAMPLE_ID_NUMBER }).items.map((i) => i.seq), [2, 1], 'indexed once: reopening adds nothing twice');
  again.close();
});

test('the entry hash is FORMAT.md\'s, byte for byte (format 2 spelled out here independently; format 1 unchanged)', () => {
  const lp = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const seq = Buffer.alloc(8);
  seq.writeBigUInt64BE(300n);
  const previous = Buffer.alloc(32, 7);
  const sealed = Buffer.alloc(32, 9);
  const entry = { seq: 300, id: '01TESTID', recordedAt: '2026-11-30T05:00:00.000Z', recordJson: '{"a":"Thử"}', kind: 'inspection', format: 2 as const };
  const expected2 = createHash('sha256')
    .update(Buffer.concat([Buffer.from('xacminh-register-entry/2'), previous, seq, lp('inspection'), lp(entry.id), lp(entry.recordedAt), lp(entry.recordJson), Buffer.from([1]), sealed, Buffer.from([0])]))
    .digest('hex');
  assert.is(Buffer.from(entryHash(previous, { ...entry, sealedSha256: sealed, frameSha256: null })).toString('hex'), expected2);
  const asBytes = { ...entry, id: Buffer.from(entry.id), recordedAt: Buffer.from(entry.recordedAt), recordJson: Buffer.from(entry.recordJson, 'utf8'), kind: Buffer.from('inspection') };
  assert.is(Buffer.from(entryHash(previous, { ...asBytes, sealedSha256: sealed, frameSha256: null })).toString('hex'), expected2, 'text given as bytes hashes the same');
  const frame = Buffer.alloc(32, 3);
  const expected1 = createHash('sha256').update(Buffer.concat([Buffer.from('xacminh-register-entry/1'), previous, seq, lp(entry.id), lp(entry.recordedAt), lp(entry.recordJson), frame])).digest('hex');
  assert.is(Buffer.from(entryHash(previous, { seq: 300, id: entry.id, recordedAt: entry.recordedAt, recordJson: entry.recordJson, frameSha256: frame })).toString('hex'), expected1);
});

test.run();
