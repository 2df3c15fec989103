// The register checked by several threads, each a slice of seqs: the merged report is the one a single
// pass gives, on a clean register and after edits and deletions inside a slice and at slice boundaries.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { isXacminhError } from '../../drivers/errors.ts';
import { sampleRecord, waitFor } from '../events/events-test-support.ts';
import { Register } from './register.ts';
import { verifyRegisterOffThread } from './verify-off-thread.ts';

const { privateKey: deviceKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const dataKey = new Uint8Array(randomBytes(32));
const test = suite('verify in parallel');
let dir = '';
let base = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-verify-parallel-'));
  base = join(dir, 'base.db');
  const register = Register.open(base, { deviceKey, dataKey, outboxCapacity: 1000, checkpointEvery: 4 });
  for (let i = 0; i < 30; i++) register.append(sampleRecord(), { frameJpeg: new Uint8Array([0xff, 0xd8, i, 0xff, 0xd9]), events: [] });
  register.close();
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the 30-entry register with `sql` run behind the triggers. */
function tampered(name: string, sql: string): string {
  const path = join(dir, name);
  copyFileSync(base, path);
  const db = new Database(path);
  db.exec('DROP TRIGGER IF EXISTS entries_no_update; DROP TRIGGER IF EXISTS entries_no_delete;');
  db.exec(sql);
  db.close();
  return path;
}

async function sameAsOnePass(path: string, threads: number): Promise<{ ok: boolean; problems: string[]; signedThrough: number }> {
  const reader = Register.open(path, { deviceKey: publicKey, outboxCapacity: 0, readOnly: true });
  const single = reader.verify();
  reader.close();
  const parallel = await verifyRegisterOffThread(path, publicKey, { threads });
  assert.equal(parallel, single, `${threads} threads give what one pass gives`);
  return { ok: parallel.ok, problems: parallel.problems.map((p) => `${p.seq}:${p.kind}`), signedThrough: parallel.signedThrough };
}

test('a clean register: the same report with 1, 3 and 7 threads (slices of 10 and of 5 entries)', async () => {
  for (const threads of [1, 3, 7]) assert.equal(await sameAsOnePass(base, threads), { ok: true, problems: [], signedThrough: 30 });
});

test('an edit inside a slice, an edit on a slice boundary, a swapped frame', async () => {
  const edited = tampered('edited.db', "UPDATE entries SET record_json = replace(record_json, 'verified', 'rejected') WHERE seq IN (15, 21)");
  assert.equal(await sameAsOnePass(edited, 3), { ok: false, problems: ['15:hash-mismatch', '21:hash-mismatch'], signedThrough: 12 });
  const framed = tampered('framed.db', "UPDATE entry_private SET frame = x'00' WHERE seq = 11");
  assert.equal((await sameAsOnePass(framed, 3)).problems, ['11:frame-mismatch']);
});

test('deleted entries at a slice boundary, at the head and at the start are found where one pass finds them', async () => {
  assert.equal((await sameAsOnePass(tampered('gap-start-of-slice.db', 'DELETE FROM entries WHERE seq = 11'), 3)).problems, ['12:gap', '12:hash-mismatch', '12:checkpoint-mismatch']);
  assert.equal((await sameAsOnePass(tampered('gap-end-of-slice.db', 'DELETE FROM entries WHERE seq = 10'), 3)).problems, ['11:gap', '11:hash-mismatch']);
  assert.equal((await sameAsOnePass(tampered('cut-head.db', 'DELETE FROM entries WHERE seq > 26'), 3)).problems, ['28:gap', '30:gap'], 'the checkpoints at 28 and on close at 30 cover entries that are gone');
  assert.equal((await sameAsOnePass(tampered('first.db', 'DELETE FROM entries WHERE seq = 1'), 3)).problems, ['2:gap', '2:hash-mismatch']);
});

test('one slice failing ends the other threads and the check with its error', async () => {
  const workers: Worker[] = [];
  const exited: number[] = [];
  const startWorker = (data: { range?: [number, number] }) => {
    // The first slice's thread dies at once; the others hang (a stuck disk) far past the wait below.
    const worker = new Worker(data.range?.[0] === 1 ? 'process.exit(3);' : 'setInterval(() => {}, 1000);', { eval: true });
    worker.once('exit', () => exited.push(workers.indexOf(worker)));
    workers.push(worker);
    return worker;
  };
  try {
    await verifyRegisterOffThread(base, publicKey, { threads: 3, timeoutMs: 600_000, startWorker });
    assert.unreachable('a dead slice passed');
  } catch (error) {
    assert.ok(isXacminhError(error, 'STORAGE_FAILED') && /exit 3/.test((error as Error).message), String(error));
  }
  await waitFor(() => exited.length === 3, 20_000, 'the hung slices to be ended (their own timeout is ten minutes away)');
  assert.is(workers.length, 3);
});

test.run();
