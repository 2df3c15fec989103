// `xacminh start` on a data dir whose register went missing: refused, exit 1, Vietnamese first (what happened,
// what to do), no stack, no new register; `--new-register` then starts one, says so, and keeps running.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSiteDataDir } from './start-test-support.ts';

const BIN = resolve(import.meta.dirname, '../bin/xacminh.js');
const test = suite('start: register genesis');
let dataDir = '';
test.before(() => {
  dataDir = makeSiteDataDir('xacminh-start-genesis-');
  // A site without hardware: the register, the embedded broker and nothing else that could wait on a device.
  writeFileSync(join(dataDir, 'site.json'), JSON.stringify({ siteId: 'hcm-q1', deviceId: 'quay-1', reader: { kind: 'pcsc' }, face: { enabled: false, required: false }, ui: { enabled: false }, inspection: { enabled: false } }));
  // What an earlier start left: the marker naming a register whose database is now gone.
  writeFileSync(join(dataDir, 'register.id.json'), JSON.stringify({ registerId: '00000000-0000-4000-8000-000000000001', genesisHash: 'ab'.repeat(32), createdAt: '2026-11-01T01:00:00.000Z' }));
});
test.after(() => rmSync(dataDir, { recursive: true, force: true }));

function start(...args: string[]): { done: Promise<{ code: number | null; stdout: string; stderr: string }>; stop: () => void; output: () => string } {
  const child = spawn(process.execPath, [BIN, 'start', '--data-dir', dataDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolveDone) => child.once('exit', (code) => resolveDone({ code, stdout, stderr })));
  return { done, stop: () => child.kill('SIGINT'), output: () => stdout + stderr };
}

test('the register deleted: exit 1, the Vietnamese cause and what to do first, no stack, nothing created', async () => {
  const { code, stderr } = await start().done;
  assert.is(code, 1, stderr);
  const lines = stderr.split('\n').filter((l) => l.startsWith('xacminh: '));
  assert.match(lines[0] ?? '', /^xacminh: Sổ đăng ký bị mất: .*register\.db — tệp cơ sở dữ liệu không còn/, stderr);
  assert.match(stderr, /Khôi phục register\.db .*từ bản sao lưu/);
  assert.match(stderr, /xacminh start --new-register/);
  assert.match(stderr, /\[REGISTER_MISSING\]/);
  assert.not.match(stderr, /\bat [^\s(]+ \([^)]*:\d+:\d+\)/, 'no stack trace');
  assert.not.ok(existsSync(join(dataDir, 'register.db')), 'no empty register was created');
});

test('--new-register: a new register is started and said so (Vietnamese first); the old marker is kept aside', async () => {
  const run = start('--new-register');
  const started = Date.now();
  while (!run.output().includes('Ctrl-C to stop.') && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 100));
  run.stop();
  const { code, stdout, stderr } = await run.done;
  assert.is(code, 0, stdout + stderr);
  assert.match(stderr, /! SỔ ĐĂNG KÝ MỚI đã được lập \(--new-register\), mã sổ [0-9a-f-]{36}; đã báo về trung tâm\./);
  assert.match(stderr, /NEW register was started \(--new-register\)/);
  assert.ok(existsSync(join(dataDir, 'register.db')));
  assert.ok(readdirSync(dataDir).some((f) => f.startsWith('register.id.json.replaced-')));
});

test.run();
