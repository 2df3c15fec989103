// ClipSource: a recorded clip played whole, on demand, stamped with the recording's own time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { ClipSource } from './clip-source.ts';
import { listImages } from './folder-source.ts';
import { lfwImages, makeVideo, tempDir } from './test-media.ts';
import { monotonicNow, type Frame } from './types.ts';

const tmp = tempDir('xacminh-clip-');
const images = lfwImages(4);
const folder = join(tmp.path, 'clip');
mkdirSync(folder);
// Written out of order: the clip plays in name order.
copyFileSync(images[2]!, join(folder, 'f03.jpg'));
copyFileSync(images[0]!, join(folder, 'f01.jpg'));
copyFileSync(images[1]!, join(folder, 'f02.jpg'));
await sharp(images[3]!).resize(90, 70).png().toFile(join(folder, 'f04.png'));
writeFileSync(join(folder, 'notes.txt'), 'not a frame');
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rejects(work: () => Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await work();
  } catch (error) {
    assert.match((error as Error).message, message);
    return;
  }
  assert.unreachable('expected a rejection');
}

async function all(source: ClipSource, delayMs = 0): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of source) {
    frames.push(frame);
    if (delayMs) await wait(delayMs);
  }
  return frames;
}

test('frames in name order, stamped t0 + i·1000/fps from the first pull, then the end', async () => {
  const source = await ClipSource.fromFolder(folder, 20);
  await source.start();
  await wait(30);
  const pulledAfter = monotonicNow();
  const frames = await all(source);
  await source.stop();
  assert.is(source.length, 4);
  assert.equal(frames.slice(0, 3).map((f, i) => Buffer.from(f.jpeg!).equals(readFileSync(images[i]!))), [true, true, true]);
  assert.equal(frames.map((f) => f.sequence), [1, 2, 3, 4]);
  assert.equal([frames[3]!.width, frames[3]!.height], [90, 70], 'the PNG frame converted to JPEG');
  assert.ok(frames[0]!.timestamp >= pulledAfter, 't0 is taken when iteration starts, not at start()');
  frames.forEach((f, i) => assert.ok(Math.abs(f.timestamp - frames[0]!.timestamp - i * 50) < 0.01, `frame ${i} at ${f.timestamp - frames[0]!.timestamp} ms`));
  assert.equal(source.stats, { received: 4, dropped: 0, restarts: 0 });
});

test('a consumer far slower than the clip loses nothing, and the clip time does not follow the wall clock', async () => {
  const source = ClipSource.fromFiles(await listImages(folder), 100, 'slow');
  await source.start();
  const frames = await all(source, 40); // 4× the frame interval
  await source.stop();
  assert.equal(frames.map((f) => f.sequence), [1, 2, 3, 4]);
  assert.ok(Math.abs(frames[3]!.timestamp - frames[0]!.timestamp - 30) < 0.01);
  assert.is(source.stats.dropped, 0);
});

test('an unreadable frame is reported and skipped (a gap in the sequence), the clip goes on', async () => {
  const files = await listImages(folder);
  const broken = join(tmp.path, 'broken.jpg');
  writeFileSync(broken, Uint8Array.of(1, 2, 3));
  const source = ClipSource.fromFiles([files[0]!, broken, files[1]!], 10);
  const bad: unknown[] = [];
  source.on('badFrame', (e) => bad.push(e));
  await source.start();
  const frames = await all(source);
  assert.equal(frames.map((f) => f.sequence), [1, 3]);
  assert.ok(Math.abs(frames[1]!.timestamp - frames[0]!.timestamp - 200) < 0.01, 'the skipped frame keeps its place in time');
  assert.is(bad.length, 1);
});

test('stop() ends the stream early; start() plays it again from the first frame', async () => {
  const source = ClipSource.fromFiles(await listImages(folder), 10);
  await source.start();
  const it = source[Symbol.asyncIterator]();
  assert.is((await it.next()).value?.sequence, 1);
  await source.stop();
  assert.ok((await it.next()).done);
  await source.start();
  assert.equal((await all(source)).map((f) => f.sequence), [1, 2, 3, 4]);
});

test('a video file is decoded whole by ffmpeg at the asked rate and played frame by frame', async () => {
  const video = await makeVideo(tmp.path, { frames: 12, width: 160, height: 120, fps: 12, format: 'mp4' });
  const source = await ClipSource.fromVideo(video, 12);
  await source.start();
  const frames = await all(source, 5);
  await source.stop();
  assert.is(frames.length, 12);
  assert.ok(frames.every((f) => f.width === 160 && f.height === 120));
  assert.ok(Math.abs(frames[11]!.timestamp - frames[0]!.timestamp - 11000 / 12) < 0.01);
});

test('an empty clip and a file that is no video are refused', async () => {
  const empty = join(tmp.path, 'empty');
  mkdirSync(empty);
  await rejects(() => ClipSource.fromFolder(empty, 10), /No images/);
  const fake = join(tmp.path, 'fake.mp4');
  writeFileSync(fake, 'not a video');
  await rejects(() => ClipSource.fromVideo(fake, 10), /Cannot decode video clip/);
});

test.after(() => tmp.remove());
test.run();
