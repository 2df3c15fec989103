// The shared supervisor with fake camera commands: a script that prints two JPEGs and exits, one that
// hangs, one that does not exist; and the real ffmpeg against a missing V4L2 device.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isXacminhError, type XacminhError } from '../errors.ts';
import { CommandSource } from './command-source.ts';
import { FfmpegV4l2Source, rpicamCommand, v4l2Command } from './ffmpeg-sources.ts';
import { lfwImages, processGone, prng, requireFfmpeg, tempDir } from './test-media.ts';
import type { Frame } from './types.ts';

const tmp = tempDir();
const [a, b] = lfwImages(2);
const twoThenExit = join(tmp.path, 'two-then-exit.sh');
writeFileSync(twoThenExit, `cat '${a}' '${b}'\nexit 3\n`);
const hangs = join(tmp.path, 'hangs.sh');
// Prints one frame, then stays silent in a child process (sleep), which stop() must kill as well.
writeFileSync(hangs, `cat '${a}'\necho $$ > '${tmp.path}/shell.pid'\nsleep 60 &\necho $! > '${tmp.path}/sleep.pid'\nwait\n`);

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await wait(10);
  }
}

test('a camera that prints two JPEGs and exits: frames, CAMERA_UNAVAILABLE, restarts with growing jittered delays', async () => {
  const source = new CommandSource(
    { command: 'sh', args: [twoThenExit] },
    { backoff: { initialMs: 40, maxMs: 400, factor: 2, jitter: 0.5, random: prng(1) }, bufferFrames: 8 },
  );
  const faults: XacminhError[] = [];
  const delays: number[] = [];
  source.on('fault', (e) => faults.push(e)).on('restart', ({ delayMs }) => delays.push(delayMs));
  await source.start();
  const frames: Frame[] = [];
  for await (const frame of source) {
    frames.push(frame);
    if (frames.length === 10) break;
  }
  await source.stop();
  assert.ok(frames.every((f) => f.width === 250 && f.height === 250));
  assert.equal(
    frames.map((f) => f.sequence),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  assert.ok(source.stats.restarts >= 4, `restarts ${source.stats.restarts}`);
  assert.ok(faults.length >= 4 && faults.every((e) => isXacminhError(e, 'CAMERA_UNAVAILABLE') && e.evidence.exitCode === 3));
  // Equal jitter: each delay within [50 %, 100 %] of 40 · 2^n, capped at 400.
  delays.forEach((d, n) => {
    const base = Math.min(400, 40 * 2 ** n);
    assert.ok(d >= base / 2 && d <= base, `delay ${n} = ${d}, base ${base}`);
  });
  assert.ok(delays.length >= 4 && delays[3]! > delays[0]!, `delays grow: ${delays}`);
});

test('maxRestarts: the iterator throws the last fault once the source gives up', async () => {
  const source = new CommandSource({ command: 'sh', args: [twoThenExit] }, { backoff: { initialMs: 5, jitter: 0 }, maxRestarts: 2, bufferFrames: 1 });
  await source.start();
  let taken = 0;
  try {
    for await (const _frame of source) taken++;
    assert.unreachable('should throw');
  } catch (error) {
    assert.ok(isXacminhError(error, 'CAMERA_UNAVAILABLE'), String(error));
  }
  assert.is(source.stats.restarts, 2);
  assert.ok(taken >= 1);
  await source.stop();
});

test('a silent camera is CAMERA_STALLED; stop() kills the whole process group and reaps it', async () => {
  const source = new CommandSource({ command: 'sh', args: [hangs] }, { stallTimeoutMs: 300, backoff: { initialMs: 10_000 } });
  const faults: XacminhError[] = [];
  source.on('fault', (e) => faults.push(e));
  await source.start();
  const first = await source[Symbol.asyncIterator]().next();
  assert.is(first.done, false);
  const shellPid = source.pid!;
  await until(() => faults.length > 0, 3000, 'stall fault');
  assert.ok(isXacminhError(faults[0], 'CAMERA_STALLED'), String(faults[0]));
  await source.stop();
  const { readFileSync } = await import('node:fs');
  const sleepPid = Number(readFileSync(join(tmp.path, 'sleep.pid'), 'utf8'));
  await until(() => processGone(shellPid) && processGone(sleepPid), 3000, 'children gone');
});

test('stop() while running kills the camera and ends the iterator', async () => {
  const source = new CommandSource({ command: 'sh', args: [hangs] }, { stallTimeoutMs: 10_000 });
  await source.start();
  const it = source[Symbol.asyncIterator]();
  assert.is((await it.next()).done, false);
  const pid = source.pid!;
  const pending = it.next();
  await source.stop();
  assert.is((await pending).done, true);
  assert.ok(processGone(pid), 'camera process reaped');
});

test('a command that does not exist is CAMERA_UNAVAILABLE (spawn-failed) and retried', async () => {
  const source = new CommandSource({ command: join(tmp.path, 'no-such-camera'), args: [] }, { backoff: { initialMs: 10, jitter: 0 } });
  const faults: XacminhError[] = [];
  source.on('fault', (e) => faults.push(e));
  await source.start();
  await until(() => faults.length >= 2, 3000, 'two faults');
  await source.stop();
  assert.ok(faults.every((e) => isXacminhError(e, 'CAMERA_UNAVAILABLE') && e.evidence.reason === 'spawn-failed'));
});

test('real ffmpeg on a missing V4L2 device: CAMERA_UNAVAILABLE with ffmpeg’s own words', async () => {
  await requireFfmpeg();
  const source = new FfmpegV4l2Source({ device: '/dev/video-missing-99', width: 640, height: 480, framerate: 15, backoff: { initialMs: 10_000 } });
  const faults: XacminhError[] = [];
  source.on('fault', (e) => faults.push(e));
  await source.start();
  await until(() => faults.length > 0, 5000, 'fault');
  await source.stop();
  assert.ok(isXacminhError(faults[0], 'CAMERA_UNAVAILABLE'));
  assert.match(String(faults[0]!.evidence.stderr), /video-missing-99/);
});

test('command lines for V4L2 and rpicam', () => {
  const v = v4l2Command({ device: '/dev/video0', width: 1280, height: 720, framerate: 30 });
  assert.equal(v.args.slice(v.args.indexOf('-f')), [
    '-f', 'v4l2', '-input_format', 'mjpeg', '-video_size', '1280x720', '-framerate', '30', '-i', '/dev/video0', '-q:v', '5', '-f', 'mjpeg', '-',
  ]);
  const copy = v4l2Command({ device: '/dev/video2', width: 640, height: 480, framerate: 15, copy: true });
  assert.ok(copy.args.join(' ').includes('-c:v copy'));
  const yuv = v4l2Command({ device: '/dev/video2', width: 640, height: 480, framerate: 15, inputFormat: 'yuyv422', copy: true });
  assert.ok(yuv.args.join(' ').includes('-input_format yuyv422') && yuv.args.includes('-q:v'), 'raw input is re-encoded');
  const r = rpicamCommand({ width: 1296, height: 972, framerate: 20 });
  assert.is(r.command, 'rpicam-vid');
  assert.ok(r.args.join(' ').includes('--codec mjpeg -t 0 --width 1296 --height 972 --framerate 20'));
  assert.equal(r.args.slice(-2), ['-o', '-']);
  assert.throws(() => v4l2Command({ device: 'x', width: 0, height: 480, framerate: 15 }), (e: unknown) => isXacminhError(e, 'INVALID_INPUT'));
});

test.after(() => tmp.remove());
test.run();
