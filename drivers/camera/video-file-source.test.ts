// VideoFileSource through the real ffmpeg, on short videos made from LFW photos at test time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeFrame } from './decode.ts';
import { VideoFileSource } from './ffmpeg-sources.ts';
import { makeVideo, processGone, tempDir } from './test-media.ts';
import type { Frame } from './types.ts';

const tmp = tempDir();
const mp4 = await makeVideo(tmp.path, { frames: 30, width: 320, height: 240, fps: 25, format: 'mp4' });
const mjpeg = await makeVideo(tmp.path, { frames: 20, width: 160, height: 120, fps: 25, format: 'mjpeg' });
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('an MP4 yields every frame at its size, in order, then the stream ends', async () => {
  const source = new VideoFileSource({ path: mp4, realtime: false, bufferFrames: 64 });
  await source.start();
  const frames: Frame[] = [];
  for await (const frame of source) frames.push(frame);
  await source.stop();
  assert.is(frames.length, 30);
  assert.ok(frames.every((f) => f.width === 320 && f.height === 240));
  assert.equal(
    frames.map((f) => f.sequence),
    Array.from({ length: 30 }, (_, i) => i + 1),
  );
  const decoded = await decodeFrame(frames[10]!);
  assert.is(decoded.rgb.length, 320 * 240 * 3);
  assert.is(source.stats.restarts, 0);
});

test('scaled MJPEG input at the file’s pace (-re)', async () => {
  const source = new VideoFileSource({ path: mjpeg, width: 96, height: 72, bufferFrames: 64 });
  const started = Date.now();
  await source.start();
  const frames: Frame[] = [];
  for await (const frame of source) frames.push(frame);
  const elapsed = Date.now() - started;
  assert.is(frames.length, 20);
  assert.ok(frames.every((f) => f.width === 96 && f.height === 72));
  assert.ok(elapsed >= 600, `realtime pacing: 20 frames at 25 fps took ${elapsed} ms`);
});

test('a slow consumer loses old frames, never memory: only the newest is kept', async () => {
  const source = new VideoFileSource({ path: mp4, loop: true, realtime: false, bufferFrames: 2 });
  await source.start();
  const heapBefore = process.memoryUsage().heapUsed;
  const seen: number[] = [];
  let maxBuffered = 0;
  const end = Date.now() + 2500;
  for await (const frame of source) {
    seen.push(frame.sequence);
    await wait(100); // a consumer far slower than ffmpeg
    maxBuffered = Math.max(maxBuffered, source.buffered);
    if (Date.now() > end) break;
  }
  const pid = source.pid;
  const stats = source.stats;
  await source.stop();
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  assert.ok(stats.dropped > 100, `dropped ${stats.dropped} of ${stats.received}`);
  assert.ok(maxBuffered <= 2, `buffered ${maxBuffered}`);
  assert.is(stats.received, seen.length + stats.dropped + source.buffered, 'every frame taken, dropped or held');
  assert.ok(seen.every((s, i) => i === 0 || s > seen[i - 1]!), 'sequence increases');
  assert.ok(seen.some((s, i) => i > 0 && s - seen[i - 1]! > 1), 'gaps show the drops');
  assert.ok(heapGrowth < 64 * 1024 * 1024, `heap grew ${heapGrowth} bytes`);
  assert.ok(pid !== undefined && processGone(pid), 'ffmpeg reaped after stop()');
});

test('a file that does not exist is CAMERA_UNAVAILABLE with ffmpeg’s message', async () => {
  const source = new VideoFileSource({ path: `${tmp.path}/missing.mp4`, backoff: { initialMs: 10_000 } });
  const faults: unknown[] = [];
  source.on('fault', (e) => faults.push(e));
  await source.start();
  const deadline = Date.now() + 5000;
  while (faults.length === 0 && Date.now() < deadline) await wait(20);
  await source.stop();
  const fault = faults[0] as { code?: string; evidence?: { stderr?: string } };
  assert.is(fault?.code, 'CAMERA_UNAVAILABLE');
  assert.match(String(fault.evidence?.stderr), /missing\.mp4/);
});

test.after(() => tmp.remove());
test.run();
