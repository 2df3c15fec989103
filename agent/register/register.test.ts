import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { sampleRecord } from '../events/events-test-support.ts';
import { Register, type RegisterAlarm } from './register.ts';

/** The register's data key, made for this run (FORMAT.md "Sealing"). */
const TEST_DATA_KEY = new Uint8Array(randomBytes(32));

const deviceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const test = suite('register');
let dir = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-register-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

function eventFor(id: string): { id: string; topic: string; payload: string } {
  return { id, topic: 'event/verification', payload: `payload-${id}` };
}

function fill(register: Register, count: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const record = sampleRecord({});
    register.append(record, { frameJpeg: new Uint8Array([0xff, 0xd8, i & 0xff, 0xff, 0xd9]), events: [eventFor(record.id)] });
    ids.push(record.id);
  }
  return ids;
}

/** Raw access to the file, as someone tampering with it would have. */
function tamper(path: string, sql: string): void {
  const db = new Database(path);
  db.exec('DROP TRIGGER IF EXISTS entries_no_update; DROP TRIGGER IF EXISTS entries_no_delete;');
  db.exec(sql);
  db.close();
}

test('appends survive a reopen; the chain and its signed checkpoints verify; records read back as written', () => {
  const path = join(dir, 'a.db');
  const register = Register.open(path, { deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 100, checkpointEvery: 10 });
  const ids = fill(register, 25);
  const frame = register.get(ids[3]!)?.frameJpeg;
  assert.equal(Array.from(frame ?? []), [0xff, 0xd8, 3, 0xff, 0xd9]);
  register.close();
  const again = Register.open(path, { deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 100, checkpointEvery: 10 });
  assert.is(again.count(), 25);
  assert.is(again.outbox.count(), 28, '25 events and the checkpoints at 10, 20 and on close at 25');
  const queued = again.outbox.peek(100);
  assert.equal(queued.filter((m) => m.topic === 'event/verification').map((m) => m.id), ids, 'the outbox keeps the recording order');
  const checkpoints = queued.filter((m) => m.topic === 'register/checkpoint');
  assert.equal(checkpoints.map((m) => (JSON.parse(m.payload) as { seq: number }).seq), [10, 20, 25], 'every signed checkpoint is published');
  assert.is(queued.indexOf(checkpoints[0]!), 10, 'queued in the transaction of the entry it signs, right after its event');
  const report = again.verify();
  assert.ok(report.ok, JSON.stringify(report.problems));
  assert.is(report.checkpoints, 3, 'checkpoints at 10, 20 and on close at 25');
  assert.is(report.signedThrough, 25);
  assert.is(again.get(ids[7]!)?.record.id, ids[7]);
  fill(again, 1);
  assert.ok(again.verify().ok, 'appending after a reopen continues the same chain');
  again.close();
});

test('entries cannot be updated or deleted through SQL; an edit behind the triggers breaks the chain at that entry', () => {
  const path = join(dir, 'b.db');
  const register = Register.open(path, { deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 100, checkpointEvery: 5 });
  fill(register, 12);
  register.close();
  const raw = new Database(path);
  assert.throws(() => raw.exec("UPDATE entries SET decision = 'verified' WHERE seq = 3"), /append-only/);
  assert.throws(() => raw.exec('DELETE FROM entries WHERE seq = 3'), /append-only/);
  raw.close();

  tamper(path, "UPDATE entries SET record_json = replace(record_json, '\"decision\":\"verified\"', '\"decision\":\"rejected\"') WHERE seq = 7");
  const edited = Register.open(path, { deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 100 });
  const report = edited.verify();
  edited.close();
  assert.not.ok(report.ok);
  assert.is(report.problems[0]?.seq, 7);
  assert.is(report.problems[0]?.kind, 'hash-mismatch');
  assert.is(report.signedThrough, 5, 'history up to the last good checkpoint is still proven');
});

test('a removed entry, a swapped frame and a checkpoint from another key are each reported', () => {
  const path = join(dir, 'c.db');
  const register = Register.open(path, { deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 100, checkpointEvery: 4 });
  fill(register, 9);
  register.close();
  tamper(path, "DELETE FROM entries WHERE seq = 4; UPDATE entry_private SET frame = x'00' WHERE seq = 2");
  const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const reopened = Register.open(path, { deviceKey: otherKey, dataKey: TEST_DATA_KEY, outboxCapacity: 100 });
  const kinds = new Set(reopened.verify().problems.map((p) => `${p.seq}:${p.kind}`));
  reopened.close();
  assert.ok(kinds.has('2:frame-mismatch'), [...kinds].join(' '));
  assert.ok(kinds.has('5:gap'), [...kinds].join(' '));
  assert.ok(kinds.has('8:bad-checkpoint'), 'checkpoints do not verify under a different device key');
});

test('appendAnchored: each event is built from its own entry\'s {seq, headHash}, even when appends overlap', async () => {
  const path = join(dir, 'anchored.db');
  const register = Register.open(path, { deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 100 });
  const built: { id: string; seq: number; headHash: string }[] = [];
  const interloper: string[] = [];
  const appendOne = (slow: boolean) => {
    const record = sampleRecord({});
    return register.appendAnchored(record, {
      events: async (anchor) => {
        if (slow) await new Promise((resolve) => setImmediate(resolve)); // a slow signer: the others must queue behind it
        // A synchronous append moves the head while the first event is being built: it must be rebuilt.
        if (slow && interloper.length === 0) interloper.push(...fill(register, 1));
        built.push({ id: record.id, ...anchor });
        return [{ id: record.id, topic: 'event/verification', payload: JSON.stringify(anchor) }];
      },
    });
  };
  const pending = [appendOne(true), appendOne(false), appendOne(false)];
  const summaries = await Promise.all(pending);
  assert.equal(summaries.map((s) => s.seq), [2, 3, 4], 'queued in call order after the synchronous append');
  const hashes = new Map([...register.entries()].map((e) => [e.id, { seq: e.seq, hash: Buffer.from(e.hash).toString('hex') }]));
  for (const { id, seq, headHash } of built.slice(-3)) assert.equal({ seq, hash: headHash }, hashes.get(id), `the anchor of ${id} is its entry's`);
  assert.is(built.length, 4, 'the first event was rebuilt once: its first anchor was taken before the head moved');
  assert.equal(register.outbox.peek(10).map((m) => m.id), [interloper[0], ...built.slice(-3).map((b) => b.id)]);
  assert.is(built[0]!.seq, 1, 'the first build saw the old head');
  assert.ok(register.verify().ok);
  register.close();
});

test('a full outbox holds new events in the register with an alarm, and releases them in order as the broker acknowledges', () => {
  const path = join(dir, 'd.db');
  const register = Register.open(path, { deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 3 });
  const alarms: RegisterAlarm[] = [];
  register.on('alarm', (alarm: RegisterAlarm) => alarms.push(alarm));
  const ids = fill(register, 5);
  assert.is(register.count(), 5, 'every verification is recorded');
  assert.is(register.outbox.count(), 3);
  assert.is(register.outbox.held(), 2);
  assert.equal(alarms.map((a) => a.code), ['OUTBOX_FULL']);
  assert.match(alarms[0]!.message, /full/);
  register.close();

  const reopened = Register.open(path, { deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 3 });
  reopened.on('alarm', (alarm: RegisterAlarm) => alarms.push(alarm));
  assert.is(reopened.outbox.held(), 3, 'held events, and the checkpoint signed on close, survive a restart');
  const sent: string[] = [];
  while (reopened.outbox.count() > 0) {
    const next = reopened.outbox.peek(1)[0]!;
    sent.push(next.id);
    reopened.outbox.acknowledge([next.id]);
    reopened.outbox.acknowledge([next.id]); // a duplicate PUBACK is harmless
  }
  assert.equal(sent, [...ids, `checkpoint-5-${reopened.deviceKeyId}`], 'held events follow the queued ones, in recording order');
  assert.equal(alarms.map((a) => a.code), ['OUTBOX_FULL', 'OUTBOX_RECOVERED']);
  reopened.close();
});

test('PUBACKs acknowledged as a batch leave in one transaction: all of them, or none when the write fails', () => {
  const path = join(dir, 'batch.db');
  const register = Register.open(path, { deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 4 });
  const ids = fill(register, 6);
  assert.is(register.outbox.held(), 2);
  const db = (register as unknown as { db: Database.Database }).db;
  // A write that fails half way through the batch (as a full or failing disk would).
  db.exec(`CREATE TEMP TRIGGER fail_ack BEFORE DELETE ON outbox WHEN OLD.id = '${ids[1]}' BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
  assert.throws(() => register.outbox.acknowledge([ids[0]!, ids[1]!]), /disk I\/O error/);
  assert.is(register.outbox.count(), 4, 'the first id of the failed batch is still waiting');
  assert.equal(register.outbox.peek(1).map((m) => m.id), [ids[0]], 'rolled back, not half applied');
  db.exec('DROP TRIGGER fail_ack');
  register.outbox.acknowledge([ids[0]!, ids[1]!, ids[2]!, 'not-an-outbox-id', ids[0]!]);
  assert.is(register.outbox.count(), 3, 'three removed, two held events promoted');
  assert.is(register.outbox.held(), 0);
  assert.equal(register.outbox.peek(10).map((m) => m.id), ids.slice(3));
  register.close();
  const reopened = Register.open(path, { deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 4 });
  assert.equal(reopened.outbox.peek(10).map((m) => m.id), [...ids.slice(3), `checkpoint-6-${reopened.deviceKeyId}`], 'the same after a restart, with the checkpoint signed on close');
  reopened.close();
});

test('a full disk refuses the append with an actionable error and loses nothing already recorded', () => {
  const path = join(dir, 'e.db');
  const register = Register.open(path, { deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 1000 });
  const before = fill(register, 3);
  const pages = (register as unknown as { db: Database.Database }).db.pragma('page_count', { simple: true }) as number;
  (register as unknown as { db: Database.Database }).db.pragma(`max_page_count = ${pages}`);
  let error: unknown;
  try {
    for (let i = 0; i < 200; i++) {
      const record = sampleRecord({});
      register.append(record, { frameJpeg: new Uint8Array(8192).fill(i), events: [eventFor(record.id)] });
    }
  } catch (e) {
    error = e;
  }
  assert.ok(isXacminhError(error, 'STORAGE_FAILED'), String(error));
  assert.match((error as Error).message, /full: free space/);
  const count = register.count();
  assert.is(register.outbox.count(), count, 'no event without its record, no record without its event');
  (register as unknown as { db: Database.Database }).db.pragma('max_page_count = 1073741823');
  fill(register, 1);
  assert.ok(register.verify().ok, 'the chain continues after the failed append');
  register.close();
  const reopened = Register.open(path, { deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 1000 });
  for (const id of before) assert.ok(reopened.get(id), `record ${id} kept`);
  reopened.close();
});

test('a file that is not a register is a clear error at open', () => {
  const path = join(dir, 'junk.db');
  writeFileSync(path, 'this is not sqlite, it is a text file that someone copied over the register'.repeat(100));
  try {
    Register.open(path, { deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 10 });
    assert.unreachable('opened a junk file');
  } catch (error) {
    assert.ok(isXacminhError(error, 'STORAGE_FAILED'), String(error));
    assert.match((error as Error).message, /not a register database/);
  }
});

test('under umask 022 the register and its -wal/-shm are 0600 in a 0700 folder; a world-readable register is tightened on open', () => {
  const old = process.umask(0o022);
  try {
    const path = join(dir, 'private', 'register.db');
    const register = Register.open(path, { deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 100 });
    fill(register, 1);
    for (const file of [path, `${path}-wal`, `${path}-shm`]) assert.is(statSync(file).mode & 0o777, 0o600, file);
    assert.is(statSync(join(dir, 'private')).mode & 0o777, 0o700);
    register.close();
    chmodSync(path, 0o644);
    Register.open(path, { deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 100 }).close();
    assert.is(statSync(path).mode & 0o777, 0o600);
  } finally {
    process.umask(old);
  }
});

test.run();
