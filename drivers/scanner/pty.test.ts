// The scanner against a real serial line: a pty pair from socat, so the native binding, termios and the
// kernel's hang-up on the slave side are all exercised, including unplug (socat killed) and replug.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialScanner, type AccessKeyEvent, type FaultEvent } from './serial-scanner.ts';

const SOCAT = '/usr/bin/socat';
const QR = '036086133022|123456789|Nguyễn Văn A|01011990|Nam|Hà Nội|01012021';

const dir = mkdtempSync(join(tmpdir(), 'xacminh-pty-'));
const hostEnd = join(dir, 'host'); // the scanner's side
const deviceEnd = join(dir, 'device'); // where the "scanner hardware" writes

async function until(what: string, done: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) assert.unreachable(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function startSocat(): Promise<ChildProcess> {
  const child = spawn(SOCAT, ['-d', '-d', `pty,raw,echo=0,link=${deviceEnd}`, `pty,raw,echo=0,link=${hostEnd}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.resume();
  await until('socat links', () => existsSync(deviceEnd) && existsSync(hostEnd));
  return child;
}

async function stopSocat(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

function writeDevice(text: string): void {
  const fd = openSync(deviceEnd, 'w');
  try {
    writeSync(fd, Buffer.from(text, 'utf8'));
  } finally {
    closeSync(fd);
  }
}

const available = existsSync(SOCAT);

test('real pty: QR read, unplug → SERIAL_UNAVAILABLE, replug → reads again', async () => {
  if (!available) assert.unreachable(`${SOCAT} is needed for this test (apt install socat)`);
  let socat = await startSocat();
  const scanner = new SerialScanner({ path: hostEnd, backoff: { initialMs: 50, maxMs: 200, jitter: 0 } });
  const keys: AccessKeyEvent[] = [];
  const faults: FaultEvent[] = [];
  scanner.on('accessKey', (e: AccessKeyEvent) => keys.push(e));
  scanner.on('fault', (e: FaultEvent) => faults.push(e));
  try {
    await scanner.start();
    assert.ok(scanner.isOpen, `open failed: ${faults[0]?.error.message}`);
    writeDevice(`${QR}\r\n`);
    await until('first key', () => keys.length === 1);
    assert.is(keys[0]!.key.idNumber, '036086133022');
    assert.is(keys[0]!.text, QR);

    await stopSocat(socat);
    await until('unplug fault', () => faults.length >= 1);
    assert.is(faults[0]!.error.code, 'SERIAL_UNAVAILABLE');
    assert.is(faults[0]!.error.evidence.disconnected, true, 'the kernel hang-up is seen as a disconnect');
    assert.not.ok(scanner.isOpen);

    socat = await startSocat();
    await until('reopened', () => scanner.isOpen);
    writeDevice(`${QR.replace('036086133022', '079203001234')}\n`);
    await until('second key', () => keys.length === 2);
    assert.is(keys[1]!.key.idNumber, '079203001234');
  } finally {
    await scanner.stop();
    await stopSocat(socat);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
