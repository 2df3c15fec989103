// FolderSource: name order, looping, pacing, conversion of PNG, drops for a slow consumer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { isXacminhError } from '../errors.ts';
import { FolderSource } from './folder-source.ts';
import { lfwImages, tempDir } from './test-media.ts';
import type { Frame } from './types.ts';

const tmp = tempDir();
const [p1, p2, p3] = lfwImages(3);
const folder = join(tmp.path, 'cam');
mkdirSync(join(folder, 'sub'), { recursive: true });
copyFileSync(p2!, join(folder, 'b.jpg'));
copyFileSync(p1!, join(folder, 'a.jpg'));
await sharp(p3!).resize(100, 80).png().toFile(join(folder, 'c.png'));
writeFileSync(join(folder, 'notes.txt'), 'not an image');
copyFileSync(p1!, join(folder, 'sub', 'd.jpg'));
const empty = join(tmp.path, 'empty');
mkdirSync(empty);

async function take(source: FolderSource, n: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of source) {
    frames.push(frame);
    if (frames.length === n) break;
  }
  return frames;
}

test('plays images in name order, loops, converts PNG to JPEG, ignores other files', async () => {
  const source = new FolderSource({ folder, fps: 50, bufferFrames: 8 });
  await source.start();
  const frames = await take(source, 7);
  await source.stop();
  assert.equal(source.playlist.map((f) => f.slice(folder.length + 1)), ['a.jpg', 'b.jpg', 'c.png']);
  const a = readFileSync(join(folder, 'a.jpg'));
  const b = readFileSync(join(folder, 'b.jpg'));
  assert.ok(Buffer.from(frames[0]!.jpeg!).equals(a));
  assert.ok(Buffer.from(frames[1]!.jpeg!).equals(b));
  assert.equal([frames[2]!.width, frames[2]!.height], [100, 80]);
  assert.equal([frames[2]!.jpeg![0], frames[2]!.jpeg![1]], [0xff, 0xd8]);
  assert.ok(Buffer.from(frames[3]!.jpeg!).equals(a), 'loops back to the first image');
  assert.ok(Buffer.from(frames[6]!.jpeg!).equals(a));
  assert.equal(
    frames.map((f) => f.sequence),
    [1, 2, 3, 4, 5, 6, 7],
  );
});

test('recursive, no loop: every image once, then the stream ends; paced at fps', async () => {
  const source = new FolderSource({ folder, fps: 20, loop: false, recursive: true, bufferFrames: 8 });
  const started = Date.now();
  await source.start();
  const frames: Frame[] = [];
  for await (const frame of source) frames.push(frame);
  const elapsed = Date.now() - started;
  assert.is(frames.length, 4);
  assert.is(source.playlist.at(-1)!.slice(folder.length + 1), join('sub', 'd.jpg'));
  assert.ok(elapsed >= 140, `4 frames at 20 fps took ${elapsed} ms`);
  const gaps = frames.slice(1).map((f, i) => f.timestamp - frames[i]!.timestamp);
  assert.ok(gaps.every((g) => g >= 30 && g <= 200), `frame gaps ${gaps}`);
});

test('a slow consumer gets the newest frame; the rest are counted as dropped', async () => {
  const source = new FolderSource({ folder, fps: 200 });
  await source.start();
  const it = source[Symbol.asyncIterator]();
  await it.next();
  await new Promise((r) => setTimeout(r, 300));
  const latest = await it.next();
  await source.stop();
  const stats = source.stats;
  assert.ok(stats.dropped >= 10, `dropped ${stats.dropped}`);
  assert.is(latest.value!.sequence, stats.received - source.buffered, 'the newest frame, not the oldest');
});

test('an empty or missing folder is CAMERA_UNAVAILABLE; bad fps is INVALID_INPUT', async () => {
  for (const dir of [empty, join(tmp.path, 'nope')]) {
    try {
      await new FolderSource({ folder: dir, fps: 10 }).start();
      assert.unreachable('should throw');
    } catch (error) {
      assert.ok(isXacminhError(error, 'CAMERA_UNAVAILABLE'), String(error));
    }
  }
  assert.throws(() => new FolderSource({ folder, fps: 0 }), (e: unknown) => isXacminhError(e, 'INVALID_INPUT'));
});

test.after(() => tmp.remove());
test.run();
