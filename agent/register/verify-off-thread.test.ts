// The register check in a worker thread: same report as verify() in the main thread, tampering found,
// a bad path is a typed error (not a crash), and it also starts the way `xacminh` runs (tsx registered
// through its API, no --import in execArgv).
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { sampleRecord } from '../events/events-test-support.ts';
import { Register } from './register.ts';
import { verifyRegisterOffThread } from './verify-off-thread.ts';

/** The register's data key, made for this run (FORMAT.md "Sealing"). */
const TEST_DATA_KEY = new Uint8Array(randomBytes(32));

const { privateKey: deviceKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const test = suite('verify-off-thread');
let dir = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-verify-thread-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

function makeRegister(name: string, count: number): { path: string; register: Register } {
  const path = join(dir, name);
  const register = Register.open(path, { deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 100, checkpointEvery: 5 });
  for (let i = 0; i < count; i++) register.append(sampleRecord(), { events: [] });
  return { path, register };
}

test('a worker checks the register the agent holds open (WAL) and reports what verify() reports', async () => {
  const { path, register } = makeRegister('open.db', 12);
  try {
    const report = await verifyRegisterOffThread(path, publicKey);
    assert.equal(report, register.verify());
    assert.equal([report.ok, report.entries, report.signedThrough], [true, 12, 10]);
  } finally {
    register.close();
  }
});

test('an entry edited behind the triggers is found by the worker', async () => {
  const { path, register } = makeRegister('tampered.db', 8);
  register.close();
  const db = new Database(path);
  db.exec('DROP TRIGGER IF EXISTS entries_no_update');
  db.exec("UPDATE entries SET record_json = replace(record_json, 'verified', 'rejected') WHERE seq = 3");
  db.close();
  const report = await verifyRegisterOffThread(path, publicKey);
  assert.is(report.ok, false);
  assert.equal(report.problems[0]?.seq, 3);
  assert.is(report.problems[0]?.kind, 'hash-mismatch');
});

test('a missing register file is a STORAGE_FAILED rejection, not a crash', async () => {
  try {
    await verifyRegisterOffThread(join(dir, 'absent.db'), publicKey);
    assert.unreachable('should have failed');
  } catch (error) {
    assert.ok(isXacminhError(error, 'STORAGE_FAILED'), String(error));
  }
});

/** A worker that never answers (a stuck disk, a held lock); `exited` resolves when its thread has ended. */
function hangingWorker(): { start: () => Worker; exited: Promise<number> } {
  let onExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (onExit = resolve));
  const start = () => {
    const worker = new Worker('setInterval(() => {}, 1 << 30);', { eval: true });
    worker.once('exit', onExit);
    return worker;
  };
  return { start, exited };
}

/** The hanging worker's thread ends (it never would on its own); a deadline so a regression fails, not hangs. */
async function ended(exited: Promise<number>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'alive'>((resolve) => (timer = setTimeout(() => resolve('alive'), 10_000)));
  const outcome = await Promise.race([exited.then(() => 'ended' as const), deadline]);
  clearTimeout(timer);
  assert.is(outcome, 'ended', 'the worker thread was not terminated');
}

test('a worker that never answers is ended at the timeout: a TIMEOUT saying how long it waited', async () => {
  const { path, register } = makeRegister('hang.db', 2);
  register.close();
  const hang = hangingWorker();
  try {
    await verifyRegisterOffThread(path, publicKey, { timeoutMs: 300, startWorker: hang.start });
    assert.unreachable('should have timed out');
  } catch (error) {
    assert.ok(isXacminhError(error, 'TIMEOUT'), String(error));
    assert.match((error as Error).message, /^The register check did not finish in 1 s .*it was stopped/);
  }
  await ended(hang.exited);
});

test('aborting (the agent stops) ends a running worker with CANCELLED', async () => {
  const { path, register } = makeRegister('abort.db', 2);
  register.close();
  const hang = hangingWorker();
  const stopping = new AbortController();
  const check = verifyRegisterOffThread(path, publicKey, { signal: stopping.signal, startWorker: hang.start });
  stopping.abort();
  const error = await check.then(() => undefined, (e: unknown) => e);
  assert.ok(isXacminhError(error, 'CANCELLED'), String(error));
  await ended(hang.exited);
});

test('started as `xacminh` starts (tsx through its API, empty execArgv), the worker still loads its .ts entry', () => {
  const { path, register } = makeRegister('cli.db', 3);
  register.close();
  const module = pathToFileURL(resolve(import.meta.dirname, 'verify-off-thread.ts')).href;
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const script = join(dir, 'as-xacminh.mjs');
  writeFileSync(
    script,
    [
      `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};`,
      "import { createPublicKey } from 'node:crypto';",
      'register();',
      `const { verifyRegisterOffThread } = await import(${JSON.stringify(module)});`,
      `const report = await verifyRegisterOffThread(${JSON.stringify(path)}, createPublicKey(${JSON.stringify(pem)}));`,
      'console.log(JSON.stringify({ execArgv: process.execArgv, ok: report.ok, entries: report.entries }));',
    ].join('\n'),
  );
  const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
  assert.is(child.status, 0, child.stderr);
  assert.equal(JSON.parse(child.stdout.trim()), { execArgv: [], ok: true, entries: 3 });
});

test.run();
