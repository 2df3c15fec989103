// The watchdog's health checks: the register probe really writes (another connection sees the commit) and
// fails while another process holds the register's write lock; the event-loop check trips on a real stall.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Register } from '../register/register.ts';
import { eventLoopCheck, eventLoopLagSource, registerWriteCheck, runHealthChecks, type LagSource } from './health.ts';

/** The register's data key, made for this run (FORMAT.md "Sealing"). */
const TEST_DATA_KEY = new Uint8Array(randomBytes(32));

function withRegister(run: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-health-'));
  const path = join(dir, 'register.db');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const register = Register.open(path, { deviceKey: privateKey, dataKey: TEST_DATA_KEY, outboxCapacity: 10 });
  try {
    run(path);
  } finally {
    register.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('register probe: commits a real write without touching the schema version or the data', () => {
  withRegister((path) => {
    const observer = new Database(path, { readonly: true });
    const before = observer.pragma('data_version', { simple: true });
    const version = observer.pragma('user_version', { simple: true });
    const check = registerWriteCheck(path);
    assert.is(check.check(), null);
    // data_version changes only when another connection commits a write.
    assert.is.not(observer.pragma('data_version', { simple: true }), before);
    assert.is(observer.pragma('user_version', { simple: true }), version);
    assert.is((observer.prepare('SELECT COUNT(*) AS n FROM entries').get() as { n: number }).n, 0);
    check.close?.();
    observer.close();
  });
});

test('register probe: unhealthy while another connection holds the write lock, healthy once it is released', () => {
  withRegister((path) => {
    const check = registerWriteCheck(path);
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    assert.match(check.check() ?? '', /not writable \(SQLITE_BUSY\)/);
    holder.exec('ROLLBACK');
    holder.close();
    assert.is(check.check(), null);
    check.close?.();
  });
});

test('register probe: a register file that is not there is a problem, and the probe does not create it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-health-'));
  try {
    const check = registerWriteCheck(join(dir, 'register.db'));
    assert.match(check.check() ?? '', /not writable/);
    assert.throws(() => new Database(join(dir, 'register.db'), { fileMustExist: true }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('event loop: over the bound is a problem, under it is not; each check reads a fresh window', () => {
  const lags = [12, 6200, 40];
  const source: LagSource = { takeMaxMs: () => lags.shift()!, close: () => {} };
  const check = eventLoopCheck({ maxLagMs: 5000, source });
  assert.equal(runHealthChecks([check]), { healthy: true, problems: [] });
  assert.equal(runHealthChecks([check]), { healthy: false, problems: ['event loop: stalled 6200 ms (limit 5000 ms)'] });
  assert.is(check.check(), null);
  lags.push(9000, 10);
  check.reset?.();
  assert.is(check.check(), null, 'reset() dropped the 9 s stall');
});

test('event loop: the real histogram sees a 150 ms stall', async () => {
  const source = eventLoopLagSource(10);
  try {
    await new Promise((resolve) => setTimeout(resolve, 25));
    source.takeMaxMs();
    const until = performance.now() + 150;
    while (performance.now() < until) {
      // Hold the event loop as a runaway synchronous task would.
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
    assert.ok(source.takeMaxMs() >= 100, 'the stall is measured');
  } finally {
    source.close();
  }
});

test.run();
