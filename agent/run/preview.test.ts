// The preview tap: the face step sees exactly the frames it saw without it; the tap only notes the newest JPEG.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Frame } from '../../drivers/camera/types.ts';
import { PreviewTap } from './preview.ts';

/** A frame source that counts how often it is asked, and can hold a request open until told. */
function source(count: number) {
  const stats = { pulls: 0, returned: 0 };
  let release: (() => void) | undefined;
  let finished = false;
  const frames = Array.from({ length: count }, (_, i): Frame => ({ jpeg: new Uint8Array([0xff, 0xd8, i, 0xff, 0xd9]), width: 640, height: 480, timestamp: i, sequence: i + 1 }));
  const make = (): AsyncIterable<Frame> => ({
    [Symbol.asyncIterator]: () => {
      let i = 0;
      return {
        next: async () => {
          stats.pulls++;
          if (i >= frames.length && !finished) await new Promise<void>((resolve) => (release = resolve)); // a camera with nothing new yet
          return i < frames.length ? { done: false, value: frames[i++]! } : { done: true, value: undefined };
        },
        return: async () => {
          stats.returned++;
          release?.();
          return { done: true, value: undefined };
        },
      };
    },
  });
  /** The camera stops: a pending pull and every later one report the end. */
  const finish = () => {
    finished = true;
    release?.();
  };
  return { make, frames, stats, release: finish };
}

test('the face step gets the same frames, the same objects, with no extra pull; the tap notes only the newest JPEG', async () => {
  const tap = new PreviewTap();
  const camera = source(5);
  const seen: Frame[] = [];
  const events: string[] = [];
  tap.on('start', () => events.push('start')).on('frame', () => events.push(`frame ${tap.latest()?.sequence}`)).on('end', () => events.push('end'));
  assert.is(tap.active, false);
  const iterator = tap.wrap(camera.make)()[Symbol.asyncIterator]();
  assert.is(tap.active, true);
  for (let i = 0; i < 3; i++) {
    const next = await iterator.next();
    assert.not.ok(next.done);
    seen.push(next.value);
    const latest = tap.latest()!;
    assert.is(latest.jpeg, next.value.jpeg, 'the same bytes, not a copy');
    assert.not.ok('rgb' in latest || 'timestamp' in latest, 'not the frame itself (its decoded pixels would stay alive)');
  }
  assert.is(camera.stats.pulls, 3, 'one pull from the camera per frame the face step asked for');
  assert.equal(seen, camera.frames.slice(0, 3));
  for (let i = 0; i < 3; i++) assert.is(seen[i], camera.frames[i], 'the very objects the camera gave');
  await iterator.return!();
  assert.is(camera.stats.returned, 1, 'the camera is let go too');
  assert.is(tap.active, false);
  assert.is(tap.latest(), undefined, 'nothing kept once the step let go');
  assert.equal(events, ['start', 'frame 1', 'frame 2', 'frame 3', 'end']);
});

test('the step letting go ends the preview at once, even while a frame is still awaited', async () => {
  const tap = new PreviewTap();
  const camera = source(1);
  let ended = 0;
  tap.on('end', () => ended++);
  const iterator = tap.wrap(camera.make)()[Symbol.asyncIterator]();
  await iterator.next();
  const waiting = iterator.next(); // the camera has nothing new: this pull stays open
  void iterator.return!(); // the face step does not await this (models/face-step.ts)
  assert.is(ended, 1, 'ended before the pending pull settles');
  assert.is(tap.latest(), undefined);
  camera.release();
  assert.ok((await waiting).done);
  assert.is(tap.latest(), undefined, 'a frame arriving after the end is not noted');
  assert.is(ended, 1);
});

test('a source that runs out ends the preview; a throwing listener never reaches the face step', async () => {
  const tap = new PreviewTap();
  tap.on('frame', () => {
    throw new Error('a broken page route');
  });
  const camera = source(2);
  let ended = false;
  tap.on('end', () => (ended = true));
  let count = 0;
  const consume = (async () => {
    for await (const _frame of tap.wrap(camera.make)()) if (++count === 2) camera.release();
  })();
  // The source blocks after 2 frames until released, then reports done.
  await consume;
  assert.is(count, 2);
  assert.ok(ended);
  assert.is(tap.active, false);
});

test.run();
