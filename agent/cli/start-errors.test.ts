// What `xacminh start` says when the site cannot run as configured: on stderr, Vietnamese first, one
// sentence for a port in use, never a stack.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const BIN = resolve(import.meta.dirname, '../bin/xacminh.js');
const STACK_FRAME = /\bat [^\s(]+ \([^)]*:\d+:\d+\)/;

async function start(site: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'xacminh-start-errors-'));
  writeFileSync(join(dataDir, 'site.json'), site);
  const child = spawn(process.execPath, [BIN, 'start', '--data-dir', dataDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
  rmSync(dataDir, { recursive: true, force: true });
  return { code, stdout, stderr, dataDir };
}

async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { port: (server.address() as AddressInfo).port, server };
}

test('a misspelt nested key: exit 2, stderr opens with the Vietnamese cause naming ui.prot, nothing on stdout', async () => {
  const { code, stdout, stderr, dataDir } = await start('{\n  "ui": { "prot": 8081 }\n}\n');
  assert.is(code, 2, stderr);
  assert.is(stdout, '');
  assert.is(stderr.split('\n')[0], `Cấu hình ${join(dataDir, 'site.json')} không hợp lệ: ui.prot — trường không được phép (sai tên?)`);
  assert.match(stderr, 'ui.prot: unknown field (misspelt?)');
});

test('the embedded broker port in use: exit 1 with one sentence naming mqtt.port, no stack', async () => {
  const { port, server } = await holdPort();
  try {
    // The simulated reader needs --demo (a site file never runs the demo by accident).
    const { code, stderr } = await start(JSON.stringify({ face: { enabled: false }, mqtt: { kind: 'embedded', port } }), '--demo');
    assert.is(code, 1, stderr);
    assert.match(stderr, 'xacminh: Không dùng được máy chủ MQTT (broker không kết nối được, hoặc cổng của nó đang bị chương trình khác dùng)');
    assert.match(stderr, `xacminh: Port ${port} on 127.0.0.1 is already in use by another program: set mqtt.port in the site config to a free port (0 picks one), or stop that program [BROKER_UNAVAILABLE]`);
    assert.not.match(stderr, STACK_FRAME, 'a stack trace (plain or inside a JSON log line)');
    assert.not.match(stderr, 'Unexpected error');
  } finally {
    server.close();
  }
});

test('the kiosk port in use: the terminal runs on without the pages and says which port and field, no stack', async () => {
  const { port, server } = await holdPort();
  try {
    const { code, stdout, stderr } = await start(JSON.stringify({ face: { enabled: false, required: false }, ui: { port } }), '--demo', '--count', '1', '--interval', '1');
    assert.is(code, 0, stderr);
    assert.match(stderr, `  ! kiosk is not running: Port ${port} on 127.0.0.1 is already in use by another program: set ui.port in the site config to a free port, or stop that program\n`);
    assert.not.match(stderr, STACK_FRAME, 'a stack trace (plain or inside a JSON log line)');
    assert.match(stdout, 'kiosk off');
  } finally {
    server.close();
  }
});

test.run();
