// The face step split (begin while the chip is read, finish with the photo) against the real engine: the same
// evidence as run(), only earlier; cancelled cleanly; kept faces not trusted once too old.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Frame } from '../drivers/camera/types.ts';
import { assertRejectsCode } from '../drivers/test-assert.ts';
import { FaceEngine } from './engine.ts';
import { LocalFaceStep } from './face-step.ts';
import { faceJpeg, frameOf, framesOf } from './test-faces.ts';
import { readCalibration } from './threshold.ts';

const calibration = readCalibration();
let engine: FaceEngine;

test.before(async () => {
  engine = await FaceEngine.load({ flipAverage: calibration.flipAverage });
});
test.after(async () => engine.close());

const stillStep = (extra: { maxEvidenceAgeMs?: number } = {}) =>
  new LocalFaceStep({ engine, threshold: calibration.threshold, liveness: false, framesWithoutLiveness: 2, ...extra });

/**
 * A camera that shows `first`, then has no new frame until opened, then shows `then` and goes silent. Written
 * as an iterator (not a generator) so that return() is seen even while a next() is pending, as with a camera.
 */
function gatedCamera(first: Uint8Array[], then: Uint8Array[] = []) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const state = { pulled: 0, closed: false, open };
  const queue = [...first];
  const iterator: AsyncIterator<Frame> = {
    async next() {
      if (queue.length === 0 && state.pulled >= first.length) {
        await gate;
        if (state.pulled === first.length) queue.push(...then);
      }
      const jpeg = queue.shift();
      if (jpeg === undefined || state.closed) return new Promise<IteratorResult<Frame>>(() => undefined);
      return { done: false, value: frameOf(jpeg, ++state.pulled) };
    },
    async return() {
      state.closed = true;
      return { done: true, value: undefined };
    },
  };
  return { frames: { [Symbol.asyncIterator]: () => iterator }, state };
}

test('tracked while the chip is read, matched when the photo comes: the same evidence as run(), the live faces already embedded', async () => {
  const photo = await faceJpeg('Ari_Fleischer_0003.jpg');
  const live = [await faceJpeg('Ari_Fleischer_0002.jpg'), await faceJpeg('Ari_Fleischer_0004.jpg')];
  const camera = gatedCamera(live);
  const tracker = stillStep().begin(camera.frames);
  await until(() => tracker.progress.waitingForPhoto);
  assert.equal(tracker.progress, { framesSeen: 2, kept: 2, embedded: 2, waitingForPhoto: true }, 'the per-frame work and the live embeddings are done before the photo');
  const early = await tracker.finish(photo);
  const late = await stillStep().run(photo, framesOf(live));
  assert.is(early.decision, 'match');
  assert.is(late.decision, 'match');
  assert.ok(Math.abs(early.similarity! - late.similarity!) < 1e-5, `${early.similarity} vs ${late.similarity}`);
  assert.is(early.threshold, late.threshold);
  assert.is(early.framesSeen, 2);
  assert.ok(early.timings['tracked-before-photo']! > 0);
  assert.is(camera.state.pulled, 2, 'no frame pulled while waiting for the photo');
  await until(() => camera.state.closed);
});

test('cancelled before the photo (card lifted, chip not genuine): the camera iterator is closed and finish() is CANCELLED', async () => {
  const a = gatedCamera([await faceJpeg('Ari_Fleischer_0002.jpg')]);
  const tracker = stillStep().begin(a.frames);
  await until(() => tracker.progress.framesSeen === 1);
  tracker.cancel('card removed');
  await until(() => a.state.closed);
  assert.is(tracker.progress.kept, 0, 'nothing of the customer is kept');
  await assertRejectsCode(tracker.finish(await faceJpeg('Ari_Fleischer_0003.jpg')), 'CANCELLED');
  // The verification's own signal ends it the same way, also while the camera is silent.
  const controller = new AbortController();
  const b = gatedCamera([]);
  const second = stillStep().begin(b.frames, { signal: controller.signal });
  controller.abort('operator cancelled');
  await until(() => b.state.closed);
  await assertRejectsCode(second.finish(await faceJpeg('Ari_Fleischer_0003.jpg')), 'CANCELLED');
});

test('without liveness, faces kept too long before the photo are dropped and the person in view now is matched', async () => {
  const photo = await faceJpeg('Ari_Fleischer_0003.jpg');
  const holder = [await faceJpeg('Ari_Fleischer_0002.jpg'), await faceJpeg('Ari_Fleischer_0004.jpg')];
  const stranger = await faceJpeg('Aicha_El_Ouafi_0001.jpg');
  for (const [maxEvidenceAgeMs, expected] of [
    [60_000, 'match'],
    [0, 'no-match'],
  ] as const) {
    const camera = gatedCamera(holder, [stranger, stranger]);
    const tracker = stillStep({ maxEvidenceAgeMs }).begin(camera.frames);
    await until(() => tracker.progress.waitingForPhoto);
    const finished = tracker.finish(photo);
    camera.state.open();
    const e = await finished;
    assert.is(e.decision, expected, `max age ${maxEvidenceAgeMs}: similarity ${e.similarity}`);
    assert.is(e.framesSeen, expected === 'match' ? 2 : 4);
  }
});

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test.run();
