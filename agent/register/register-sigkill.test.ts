// kill -9 of a process appending to the register, and of one appending and purging: each time the register
// reopens, its chain verifies, every entry the child reported committed is there, and a purge is all or
// nothing (personal data is never gone without its purge entry, nor a purge entry without the deletion).
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../events/events-test-support.ts';
import { Register } from './register.ts';

const ROUNDS = Number(process.env.XACMINH_REGISTER_KILL_ROUNDS ?? 5);
const CHILD = new URL('./crash-child.ts', import.meta.url).pathname;
const device = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const dataKey = new Uint8Array(randomBytes(32));
const test = suite('register kill -9');
let dir = '';
let keyFile = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-register-kill-'));
  keyFile = join(dir, 'device-key.pem');
  writeFileSync(keyFile, device.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the child until it has reported `lines` more commits (plus a random few more), then SIGKILLs it; returns what it reported. */
async function runAndKill(path: string, mode: 'append' | 'purge', lines: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path, Buffer.from(dataKey).toString('base64'), keyFile, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitFor(() => out.split('\n').length > lines || child.exitCode !== null, 60_000, `the child to commit ${lines} entries`);
  // A random point after that: mid-transaction, between commits, during a purge.
  await new Promise((resolve) => setImmediate(resolve));
  child.kill('SIGKILL');
  await exited;
  assert.is(child.signalCode, 'SIGKILL', `the child was killed, not ended on its own:\n${err}`);
  return out.split('\n').filter((line) => line.length > 0);
}

function checkConsistent(path: string, reported: string[]): void {
  const register = Register.open(path, { deviceKey: device.privateKey, dataKey, outboxCapacity: 1_000_000 });
  try {
    const report = register.verify();
    assert.ok(report.ok, JSON.stringify(report.problems.slice(0, 3)));
    for (const line of reported) {
      const [kind, seq, id] = line.split(' ') as [string, string, string];
      const entry = register.read(Number(seq));
      assert.ok(entry && entry.id === id, `committed ${kind} ${seq} ${id} survives`);
      assert.ok(register.outbox.peek(1_000_000).some((m) => m.id === id) || kind === 'purge', `its event ${id} too`);
    }
  } finally {
    register.close();
  }
  const db = new Database(path, { readonly: true });
  try {
    const purges = db.prepare<[], { seq: number; record_json: string }>("SELECT seq, record_json FROM entries WHERE kind = 'purge'").all().map((row) => ({ seq: row.seq, ...(JSON.parse(row.record_json) as { before: string; fromSeq: number; toSeq: number }) }));
    for (const purge of purges) {
      const left = db.prepare<[number, string], { n: number }>('SELECT COUNT(*) AS n FROM entry_private p JOIN entries e ON e.seq = p.seq WHERE e.seq < ? AND e.recorded_at < ?').get(purge.seq, purge.before)!.n;
      assert.is(left, 0, `purge entry ${purge.seq} exists, so everything before ${purge.before} was deleted with it`);
    }
    const orphans = db
      .prepare<[], { seq: number }>("SELECT e.seq FROM entries e LEFT JOIN entry_private p ON p.seq = e.seq WHERE e.kind = 'verification' AND p.seq IS NULL")
      .all()
      .filter((row) => !purges.some((purge) => row.seq >= purge.fromSeq && row.seq <= purge.toSeq));
    assert.equal(orphans, [], 'no personal data gone without a purge entry covering it');
  } finally {
    db.close();
  }
}

for (const mode of ['append', 'purge'] as const) {
  test(`kill -9 ${ROUNDS} times while ${mode === 'append' ? 'appending' : 'appending and purging'}: the register reopens consistent, nothing committed is lost`, async () => {
    const path = join(dir, `${mode}.db`);
    const reported: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      reported.push(...(await runAndKill(path, mode, 10 + Math.floor(Math.random() * 30))));
      checkConsistent(path, reported);
    }
    assert.ok(reported.length >= ROUNDS * 10);
    if (mode === 'purge') assert.ok(reported.some((line) => line.startsWith('purge ')), 'purges happened between the kills');
  });
}

test.run();
