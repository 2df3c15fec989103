// Retention: purge removes personal data and frames before a cut-off, keeps hashes, decisions and times,
// is itself an entry, and the chain still verifies; the 24-hour schedule with an injected clock and timer.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { sampleRecord } from '../events/events-test-support.ts';
import { Register } from './register.ts';
import { DAY_MS, scheduleRetention } from './register-retention.ts';

const deviceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const dataKey = new Uint8Array(randomBytes(32));
const test = suite('register purge');
let dir = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-register-purge-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

const DAY0 = Date.parse('2026-10-01T03:00:00.000Z');

test('purge removes the personal data and frames of old entries, keeps the rest, is itself an entry; the chain verifies', () => {
  const path = join(dir, 'a.db');
  let day = 0;
  const register = Register.open(path, { deviceKey, dataKey, outboxCapacity: 100, checkpointEvery: 3, now: () => new Date(DAY0 + day * DAY_MS) });
  const ids: string[] = [];
  for (day = 0; day < 6; day++) {
    const record = sampleRecord({ decision: day % 2 ? 'rejected' : 'verified' });
    register.append(record, { frameJpeg: new Uint8Array([0xff, 0xd8, day, 0xff, 0xd9]), events: [] });
    ids.push(record.id);
  }
  day = 10;
  const before = new Date(DAY0 + 3 * DAY_MS).toISOString();
  const result = register.purge(before, 7);
  assert.is(result.purged, 3, 'days 0, 1 and 2');
  assert.equal(register.read(result.entry!.seq)!.public, { before, retentionDays: 7, purged: 3, fromSeq: 1, toSeq: 3 });
  assert.is(result.entry!.decision, 'purge');
  assert.is(result.entry!.seq, 7);

  for (const [i, id] of ids.entries()) {
    const got = register.get(id)!;
    const entry = register.read(i + 1)!;
    if (i < 3) {
      assert.equal({ identity: got.record.identity, frame: got.frameJpeg, state: entry.sealedState }, { identity: null, frame: null, state: 'purged' }, `entry ${i + 1}`);
      assert.is(got.record.decision, i % 2 ? 'rejected' : 'verified', 'the decision stays');
      assert.is(got.summary.recordedAt, new Date(DAY0 + i * DAY_MS).toISOString(), 'and the time');
    } else {
      assert.is(entry.sealedState, 'present');
      assert.ok(got.record.identity && got.frameJpeg, `entry ${i + 1} is kept`);
    }
  }
  const raw = new Database(path, { readonly: true });
  assert.is((raw.prepare('SELECT COUNT(*) AS n FROM entry_private WHERE seq <= 3').get() as { n: number }).n, 0);
  assert.is((raw.prepare('SELECT COUNT(*) AS n FROM entry_terms WHERE seq <= 3').get() as { n: number }).n, 0, 'their search terms too');
  assert.ok((raw.prepare('SELECT COUNT(*) AS n FROM entry_terms WHERE seq > 3').get() as { n: number }).n > 0);
  raw.close();
  const report = register.verify();
  assert.ok(report.ok, JSON.stringify(report.problems));
  assert.is(report.entries, 7);

  assert.equal(register.purge(before, 7), { purged: 0, entry: null }, 'nothing left to purge: no entry');
  register.close();
  const reopened = Register.open(path, { deviceKey, dataKey, outboxCapacity: 100 });
  assert.ok(reopened.verify().ok, 'and after a reopen, with the checkpoint signed on close');
  reopened.close();
});

test('purge input is checked; a read-only register refuses it', () => {
  const path = join(dir, 'b.db');
  const register = Register.open(path, { deviceKey, dataKey, outboxCapacity: 100 });
  for (const [before, days] of [['yesterday', 30], ['2026-01-01T00:00:00Z', 0], ['2026-01-01T00:00:00Z', 1.5]] as const) {
    assert.throws(() => register.purge(before, days), (e: unknown) => isXacminhError(e, 'INVALID_INPUT'), `${before} ${days}`);
  }
  register.close();
  const reader = Register.open(path, { deviceKey, outboxCapacity: 0, readOnly: true });
  assert.throws(() => reader.purge('2026-01-01T00:00:00Z', 30), /read-only/);
  reader.close();
});

test('the schedule purges at start and on every 24-hour tick with before = now − N days; errors are reported, never thrown; no rule, no purge', () => {
  let now = DAY0;
  let tick: (() => void) | undefined;
  let interval = 0;
  let cleared = false;
  const calls: [string, number][] = [];
  const errors: unknown[] = [];
  let days: number | undefined = 30;
  let fail = false;
  const schedule = scheduleRetention({
    retentionDays: () => days,
    purge: (before, n) => {
      if (fail) throw new Error('disk I/O error');
      calls.push([before, n]);
      return { purged: 0 };
    },
    onError: (error) => errors.push(error),
    now: () => new Date(now),
    setInterval: (run, ms) => {
      tick = run;
      interval = ms;
      return {};
    },
    clearInterval: () => {
      cleared = true;
    },
  });
  assert.is(interval, DAY_MS);
  now += DAY_MS;
  tick!();
  fail = true;
  tick!();
  fail = false;
  days = undefined;
  tick!();
  days = 7;
  tick!();
  assert.equal(calls, [
    [new Date(DAY0 - 30 * DAY_MS).toISOString(), 30],
    [new Date(DAY0 + DAY_MS - 30 * DAY_MS).toISOString(), 30],
    [new Date(DAY0 + DAY_MS - 7 * DAY_MS).toISOString(), 7],
  ]);
  assert.equal(errors.map((e) => (e as Error).message), ['disk I/O error']);
  schedule.stop();
  assert.ok(cleared);
});

test.run();
