// The face step on its own thread: the same evidence as in this thread, frames handed over one per request,
// cancelled cleanly, and a worker that dies fails the step (MODEL_INVALID) instead of the agent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Frame } from '../drivers/camera/types.ts';
import { XacminhError } from '../drivers/errors.ts';
import { assertRejectsCode } from '../drivers/test-assert.ts';
import { faceJpeg, frameOf, framesOf } from './test-faces.ts';
import { WorkerFaceStep } from './worker-face-step.ts';

let step: WorkerFaceStep;
test.before(async () => {
  step = await WorkerFaceStep.create({ liveness: false, track: false });
});
test.after(async () => step.close());

/** A camera that counts the frames taken from it and notices when it is closed. */
function countingCamera(jpegs: Uint8Array[]) {
  const state = { pulled: 0, closed: false };
  const iterator: AsyncIterator<Frame> = {
    async next() {
      const jpeg = jpegs[state.pulled];
      if (!jpeg || state.closed) return new Promise<IteratorResult<Frame>>(() => undefined); // no new frame
      return { done: false, value: frameOf(jpeg, ++state.pulled) };
    },
    async return() {
      state.closed = true;
      return { done: true, value: undefined };
    },
  };
  return { frames: { [Symbol.asyncIterator]: () => iterator }, state };
}

test('through the worker: stills of the same person match, another person does not, with the best frame and guidance', async () => {
  const photo = await faceJpeg('Ari_Fleischer_0003.jpg');
  const guidance: string[] = [];
  const same = await step.run(photo, framesOf([await faceJpeg('Ari_Fleischer_0002.jpg'), await faceJpeg('Ari_Fleischer_0004.jpg')]), { onGuidance: (g) => guidance.push(g.code) });
  assert.is(same.decision, 'match', JSON.stringify(same.reasons));
  assert.ok(same.bestFrameJpeg && same.bestFrameJpeg[0] === 0xff && same.bestFrameJpeg[1] === 0xd8);
  assert.ok(same.reasons.includes('liveness-not-checked'));
  assert.equal(guidance, ['ok']);
  const other = await step.run(photo, framesOf([await faceJpeg('Aicha_El_Ouafi_0001.jpg')]));
  assert.is(other.decision, 'no-match');
  assert.is(step.model.sha256.length, 64);
  // The self-test's camera check asks the engine for one frame's faces through the same worker.
  const { faces } = await step.engine.analyzeFrame(frameOf(await faceJpeg('Ari_Fleischer_0002.jpg')));
  assert.is(faces.length, 1);
  assert.ok(faces[0]!.detectionScore > 0.5);
});

test('begin before the photo: frames are taken while waiting, finish matches; cancel closes the camera and rejects CANCELLED', async () => {
  const photo = await faceJpeg('Ari_Fleischer_0003.jpg');
  const camera = countingCamera([await faceJpeg('Ari_Fleischer_0002.jpg'), await faceJpeg('Ari_Fleischer_0004.jpg'), await faceJpeg('Ari_Fleischer_0002.jpg')]);
  const tracking = step.begin(camera.frames);
  await until(() => camera.state.pulled === 3); // two analysed, a third asked for: tracked before any photo
  const e = await tracking.finish(photo);
  assert.is(e.decision, 'match');
  assert.ok(e.timings['tracked-before-photo']! > 0);
  await until(() => camera.state.closed);
  const second = countingCamera([await faceJpeg('Ari_Fleischer_0002.jpg')]);
  const controller = new AbortController();
  const cancelled = step.begin(second.frames, { signal: controller.signal });
  await until(() => second.state.pulled === 1);
  controller.abort('card removed');
  await until(() => second.state.closed);
  await assertRejectsCode(cancelled.finish(photo), 'CANCELLED');
});

test('a camera that fails during the step fails the step with its error, across the thread', async () => {
  async function* failing(): AsyncGenerator<Frame> {
    yield frameOf(await faceJpeg('Ari_Fleischer_0002.jpg'), 1);
    throw new XacminhError('CAMERA_UNAVAILABLE', 'the camera process died');
  }
  const error = await assertRejectsCode(step.run(await faceJpeg('Ari_Fleischer_0003.jpg'), failing()), 'CAMERA_UNAVAILABLE');
  assert.match(error.message, 'the camera process died');
});

test('a worker that dies fails the step in progress and the later ones with MODEL_INVALID', async () => {
  const doomed = await WorkerFaceStep.create({ liveness: false, track: false });
  const camera = countingCamera([]);
  const tracking = doomed.begin(camera.frames);
  const finished = tracking.finish(await faceJpeg('Ari_Fleischer_0003.jpg'));
  await (doomed as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
  await assertRejectsCode(finished, 'MODEL_INVALID');
  await assertRejectsCode(doomed.run(await faceJpeg('Ari_Fleischer_0003.jpg'), framesOf([])), 'MODEL_INVALID');
  await doomed.close();
});

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test.run();
