// What the technician is told when a light, the button or the scanner is not right: a "no" from the person,
// a pin that does not hold its level, no press, a scanner port that is not there — each a fail with its hint.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseConfig } from '../agent/config/load.ts';
import { buttonPressed, outputCheck } from './checks/indicators.ts';
import { scannerScan } from './checks/scanner.ts';
import { cameraFrames } from './checks/camera.ts';
import { requireFfmpeg } from '../drivers/camera/test-media.ts';
import { CliDevices } from './cli-devices.ts';
import { makeContext } from './context.ts';
import { runOne } from './runner.ts';
import { RecordingGpioBoard, scriptedAsk, testDataDir, type TestDataDir } from './test-support.ts';
import type { Ask, Check, CheckResult } from './types.ts';

const PINS = { green: 21, red: 22, button: 23 };

async function run(data: TestDataDir, check: Check, options: { board?: RecordingGpioBoard; ask?: Ask; interactive?: boolean; config?: Record<string, unknown>; onSay?: () => void }): Promise<CheckResult> {
  const config = parseConfig({ face: { enabled: false }, indicators: { pins: PINS }, ...options.config });
  const devices = new CliDevices(config, data.paths, options.board ? { gpioFactory: options.board.factory } : {});
  const ctx = makeContext({ paths: data.paths, config, devices, identity: data.identity, interactive: options.interactive ?? true, limits: { personWaitMs: 300, cameraWindowMs: 1500 }, say: () => options.onSay?.(), ...(options.ask ? { ask: options.ask } : {}) });
  try {
    return await runOne(check, ctx, 10_000);
  } finally {
    await devices.close();
  }
}

test('the technician did not see the light ("k"): fail with what to check; a wrong answer is asked again', async () => {
  const data = testDataDir();
  try {
    const script = scriptedAsk(['maybe', 'k']);
    const result = await run(data, outputCheck('green'), { board: new RecordingGpioBoard(), ask: script.ask });
    assert.equal([result.status, result.measured.seen], ['fail', false]);
    assert.match(result.hintVi!, /Kỹ thuật viên không thấy đèn xanh/);
    assert.is(script.asked.length, 2);
  } finally {
    data.remove();
  }
});

test('a pin that does not hold the level written (another program drives it): fail, even without a person', async () => {
  const data = testDataDir();
  try {
    const result = await run(data, outputCheck('green'), { board: new RecordingGpioBoard({ readsAs: 0 }), interactive: false });
    assert.is(result.status, 'fail');
    assert.match(result.hint!, /does not hold the level written/);
  } finally {
    data.remove();
  }
});

test('an output with no pin in site.json is skipped with the reason', async () => {
  const data = testDataDir();
  try {
    const result = await run(data, outputCheck('relay'), { board: new RecordingGpioBoard(), interactive: false });
    assert.equal([result.status, result.hint], ['skip', 'no relay pin in site.json indicators.pins']);
  } finally {
    data.remove();
  }
});

test('the button: a press is seen; no press within the wait fails with the hint', async () => {
  const data = testDataDir();
  try {
    const board = new RecordingGpioBoard();
    const pressed = await run(data, buttonPressed, { board, onSay: () => setImmediate(() => board.press(PINS.button)) });
    assert.equal([pressed.status, pressed.measured.pressed], ['pass', true]);
    const none = await run(data, buttonPressed, { board: new RecordingGpioBoard() });
    assert.equal([none.status, none.measured.pressed], ['fail', false]);
    assert.match(none.hint!, /No button press was seen/);
  } finally {
    data.remove();
  }
});

test('a scanner port that is not there: fail with where to look', async () => {
  const data = testDataDir();
  try {
    const result = await run(data, scannerScan, { config: { scanner: { path: join(data.dir, 'no-such-tty') } } });
    assert.is(result.status, 'fail', JSON.stringify(result));
    assert.match(result.hint!, /scanner\.path in site\.json/);
  } finally {
    data.remove();
  }
});

test('a v4l2 camera whose device is absent (the real ffmpeg exits): fail with ffmpeg\'s reason in the hint', async () => {
  await requireFfmpeg();
  const data = testDataDir();
  try {
    const result = await run(data, cameraFrames, { interactive: false, config: { face: { enabled: true }, camera: { kind: 'v4l2', device: join(data.dir, 'video99') } } });
    assert.equal([result.status, result.measured.frames, result.measured.error], ['fail', 0, 'CAMERA_UNAVAILABLE'], JSON.stringify(result));
    assert.match(result.hint!, /ffmpeg exited/);
  } finally {
    data.remove();
  }
});

test.run();
