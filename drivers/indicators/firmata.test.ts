// FirmataIndicators against a StandardFirmata emulation on the far end of a real pty pair (socat): the
// Firmata handshake, pin modes, digital port writes and button reports all cross a real serial line.
// Not tested against a physical Arduino.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPortMock } from 'serialport';
import { assertRejectsCode } from '../test-assert.ts';
import { FirmataIndicators } from './firmata.ts';
import { FirmataPeer } from './firmata-peer.ts';
import { runPatternSuite, type Level } from './pattern-suite.ts';
import type { Output } from './patterns.ts';

const SOCAT = '/usr/bin/socat';
const PINS = { green: 2, red: 3, busy: 4, buzzer: 5, relay: 6, button: 7 } as const;
const dirs: string[] = [];

async function until(what: string, done: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) assert.unreachable(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function ptyPair(): Promise<{ host: string; device: string; socat: ChildProcess; stop(): Promise<void> }> {
  if (!existsSync(SOCAT)) assert.unreachable(`${SOCAT} is needed for this test (apt install socat)`);
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-firmata-'));
  dirs.push(dir);
  const host = join(dir, 'host');
  const device = join(dir, 'device');
  const socat = spawn(SOCAT, ['-d', '-d', `pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${host}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  socat.stderr!.resume();
  await until('socat links', () => existsSync(host) && existsSync(device));
  return {
    host,
    device,
    socat,
    async stop() {
      if (socat.exitCode === null && socat.signalCode === null) {
        const exited = new Promise((resolve) => socat.once('exit', resolve));
        socat.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

runPatternSuite(
  'FirmataIndicators (StandardFirmata emulation over a pty)',
  async (options) => {
    const pty = await ptyPair();
    const peer = await FirmataPeer.open(pty.device);
    const dispose = async (): Promise<void> => {
      await peer.close();
      await pty.stop();
    };
    const indicators = await FirmataIndicators.open({ path: pty.host, pins: PINS, ...options, readyTimeoutMs: 5000 }).catch(async (error: unknown) => {
      await dispose();
      throw error;
    });
    const outputOf = new Map<number, Output>(Object.entries(PINS).filter(([o]) => o !== 'button').map(([o, p]) => [p, o as Output]));
    return {
      indicators,
      writes: () => peer.levels.filter((l) => outputOf.has(l.pin)).map((l): Level => ({ atMs: l.atMs, output: outputOf.get(l.pin)!, on: l.on })),
      settle: async () => void (await sleep(30)),
      pressButton: async () => {
        peer.setInput(PINS.button, false);
        await sleep(30);
        peer.setInput(PINS.button, true);
        await sleep(30);
      },
      dispose,
    };
  },
  { slackMs: 15 },
);

test('handshake sets the pin modes: outputs OUTPUT, the button INPUT_PULLUP', async () => {
  const pty = await ptyPair();
  const peer = await FirmataPeer.open(pty.device);
  try {
    const indicators = await FirmataIndicators.open({ path: pty.host, pins: PINS, readyTimeoutMs: 5000 });
    await sleep(30);
    for (const pin of [2, 3, 4, 5, 6]) assert.is(peer.modes.get(pin), 0x01, `pin ${pin}`);
    assert.is(peer.modes.get(7), 0x0b);
    await indicators.close();
  } finally {
    await peer.close();
    await pty.stop();
  }
});

test('no board answering: SERIAL_UNAVAILABLE after the handshake timeout; a missing port likewise', async () => {
  const pty = await ptyPair(); // nobody on the device end
  try {
    const error = await assertRejectsCode(FirmataIndicators.open({ path: pty.host, pins: PINS, readyTimeoutMs: 300 }), 'SERIAL_UNAVAILABLE');
    assert.match(error.message, /handshake/);
  } finally {
    await pty.stop();
  }
  await assertRejectsCode(FirmataIndicators.open({ path: '/nonexistent/ttyACM9', pins: PINS }), 'SERIAL_UNAVAILABLE');
  // The mock binding: construction over a port that never answers does not crash.
  SerialPortMock.binding.createPort('/dev/mock-firmata');
  await assertRejectsCode(FirmataIndicators.open({ path: '/dev/mock-firmata', pins: PINS, readyTimeoutMs: 100, binding: SerialPortMock.binding }), 'SERIAL_UNAVAILABLE');
  SerialPortMock.binding.reset();
});

test.after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test.run();
