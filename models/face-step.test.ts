import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { Frame } from '../drivers/camera/types.ts';
import { assertRejectsCode } from '../drivers/test-assert.ts';
import { FaceEngine } from './engine.ts';
import { LocalFaceStep } from './face-step.ts';
import { blankJpeg, faceJpeg, frameOf, framesOf, placedFaceJpeg, sideBySideJpeg } from './test-faces.ts';
import { FACE_MODEL_ENV, modelIdentity, type EmbeddingModelSpec } from './embedder.ts';
import { faceresSpec } from './test-provisioned.ts';
import { readCalibration } from './threshold.ts';
import type { FaceGuidance } from './types.ts';

const calibration = readCalibration();
let engine: FaceEngine;

test.before(async () => {
  engine = await FaceEngine.load({ flipAverage: calibration.flipAverage });
});
test.after(async () => engine.close());

const stillStep = () => new LocalFaceStep({ engine, threshold: calibration.threshold, liveness: false });

test('stills of the same person match (liveness not checked), with scores, timings and the best frame', async () => {
  const photo = await faceJpeg('Ari_Fleischer_0003.jpg');
  const frames = framesOf([await faceJpeg('Ari_Fleischer_0002.jpg'), await faceJpeg('Ari_Fleischer_0004.jpg')]);
  const e = await stillStep().run(photo, frames);
  assert.is(e.decision, 'match', JSON.stringify(e.reasons));
  assert.ok(e.similarity! >= e.threshold);
  assert.is(e.liveness, null);
  assert.ok(e.reasons.includes('liveness-not-checked'));
  assert.is(e.framesSeen, 2);
  assert.ok(e.bestFrameJpeg && e.bestFrameJpeg[0] === 0xff && e.bestFrameJpeg[1] === 0xd8);
  for (const stage of ['photo-decode', 'photo-detect', 'embed-photo', 'detect', 'embed-live', 'total']) assert.ok(e.timings[stage]! > 0, stage);
  assert.is(e.quality?.acceptable, true);
});

test('usable faces with the eyes closed in every frame: no-face, and the reason says eyes-closed (not "quality ok")', async () => {
  // Zhang Ziyi laughs with her eyes shut in both of these: good faces, no frame the match may use.
  const e = await stillStep().run(await faceJpeg('Zhang_Ziyi_0001.jpg'), framesOf([await faceJpeg('Zhang_Ziyi_0002.jpg'), await faceJpeg('Zhang_Ziyi_0004.jpg')]));
  assert.is(e.decision, 'no-face');
  assert.ok(e.reasons.includes('eyes-closed'), JSON.stringify(e.reasons));
  assert.is(e.quality?.acceptable, true);
});

test('stills of another person do not match', async () => {
  const photo = await faceJpeg('Ben_Affleck_0001.jpg');
  const e = await stillStep().run(photo, framesOf([await faceJpeg('Ari_Fleischer_0001.jpg'), await faceJpeg('Ari_Fleischer_0002.jpg')]));
  assert.is(e.decision, 'no-match');
  assert.ok(e.similarity! < e.threshold);
});

test('a JPEG 2000 chip photo (as on many chips) matches stills of the same person', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'xacminh-jp2-'));
  try {
    await writeFile(join(dir, 'in.png'), await sharp(await faceJpeg('Ari_Fleischer_0003.jpg')).png().toBuffer());
    await promisify(execFile)('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', '-i', join(dir, 'in.png'), '-c:v', 'jpeg2000', join(dir, 'photo.jp2')]);
    const jp2 = new Uint8Array(await readFile(join(dir, 'photo.jp2')));
    const e = await stillStep().run(jp2, framesOf([await faceJpeg('Ari_Fleischer_0002.jpg'), await faceJpeg('Ari_Fleischer_0004.jpg')]));
    assert.is(e.decision, 'match');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

async function guidanceFor(jpeg: Uint8Array): Promise<{ decision: string; codes: string[]; reasons: string[] }> {
  const codes: string[] = [];
  const e = await stillStep().run(await faceJpeg('Aicha_El_Ouafi_0001.jpg'), framesOf([jpeg], 2), { onGuidance: (g) => codes.push(g.code) });
  return { decision: e.decision, codes, reasons: e.reasons };
}

test('no face, two faces and a tiny face give the right guidance and no match', async () => {
  const cases: [Uint8Array, FaceGuidance][] = [
    [await blankJpeg(), 'no-face'],
    [await sideBySideJpeg('Aicha_El_Ouafi_0002.jpg', 'Al_Sharpton_0002.jpg'), 'multiple-faces'],
    [await placedFaceJpeg('Aicha_El_Ouafi_0002.jpg', 100), 'move-closer'],
  ];
  for (const [jpeg, expected] of cases) {
    const r = await guidanceFor(jpeg);
    assert.is(r.decision, 'no-face', expected);
    assert.equal(r.codes, [expected]);
    assert.ok(r.reasons.includes(`quality-${expected}`), r.reasons.join());
  }
});

test('a chip photo without a face is NO_FACE; a corrupt one is MALFORMED_DATA', async () => {
  await assertRejectsCode(stillStep().run(await blankJpeg(), framesOf([])), 'NO_FACE');
  const jpeg = await faceJpeg('Aicha_El_Ouafi_0001.jpg');
  await assertRejectsCode(stillStep().run(jpeg.slice(0, 3000), framesOf([])), 'MALFORMED_DATA');
});

test('frames taken before the step began are never used: the previous customer cannot stand in for this one', async () => {
  const photo = await faceJpeg('Ari_Fleischer_0003.jpg');
  const earlier = frameOf(await faceJpeg('Ari_Fleischer_0002.jpg'), 1); // stamped now, before run() starts
  const stranger = await faceJpeg('Aicha_El_Ouafi_0001.jpg');
  await new Promise((resolve) => setTimeout(resolve, 5));
  async function* camera(): AsyncGenerator<Frame> {
    yield earlier; // still waiting in the camera when the step starts
    yield frameOf(stranger, 2);
    yield frameOf(stranger, 3);
  }
  const e = await stillStep().run(photo, camera());
  assert.is(e.framesSeen, 2, 'the stale frame is not counted');
  assert.is(e.decision, 'no-match', `similarity ${e.similarity}`);
  // Had it been used, that frame alone matches the photo: skipping it is what keeps the stranger out.
  const fresh = await stillStep().run(photo, framesOf([await faceJpeg('Ari_Fleischer_0002.jpg')]));
  assert.is(fresh.decision, 'match');
  // A frame taken after `notBefore` (the session passes when the card was laid down) counts, even before run().
  const sinceCard = await stillStep().run(photo, camera(), { notBefore: earlier.timestamp - 1 });
  assert.is(sinceCard.framesSeen, 3);
});

test('a no-match against a chip photo far smaller than the recognition chip says the photo is too small', async () => {
  const sharpPhoto = await faceJpeg('Ari_Fleischer_0003.jpg');
  const tiny = new Uint8Array(await sharp(sharpPhoto).resize(70, 70).jpeg({ quality: 60 }).toBuffer());
  const stranger = await faceJpeg('Aicha_El_Ouafi_0001.jpg');
  const small = await stillStep().run(tiny, framesOf([stranger]));
  assert.is(small.decision, 'no-match');
  assert.ok(small.photoResolution! < 0.35, `resolution ${small.photoResolution}`);
  assert.ok(small.reasons.includes('chip-photo-small'), small.reasons.join());
  const normal = await stillStep().run(sharpPhoto, framesOf([stranger]));
  assert.is(normal.decision, 'no-match');
  assert.ok(normal.photoResolution! > 0.5, `resolution ${normal.photoResolution}`);
  assert.not.ok(normal.reasons.includes('chip-photo-small'));
  // A match is not second-guessed: the reason only explains a rejection.
  const same = await stillStep().run(tiny, framesOf([await faceJpeg('Ari_Fleischer_0002.jpg')]));
  assert.is(same.decision, 'match', `similarity ${same.similarity}`);
  assert.not.ok(same.reasons.includes('chip-photo-small'));
});

test('a corrupt frame is skipped, the step goes on', async () => {
  const good = await faceJpeg('Ari_Fleischer_0002.jpg');
  const e = await stillStep().run(await faceJpeg('Ari_Fleischer_0003.jpg'), framesOf([good.slice(0, 4000), good]));
  assert.is(e.framesSeen, 2);
  assert.is(e.decision, 'match');
});

test('with liveness on, still images are not live', async () => {
  const step = new LocalFaceStep({ engine, threshold: calibration.threshold, challenge: 'blink' });
  const prompts: string[] = [];
  const e = await step.run(await faceJpeg('Ari_Fleischer_0003.jpg'), framesOf([await faceJpeg('Ari_Fleischer_0002.jpg')], 12), {
    onGuidance: (g) => prompts.push(g.code),
  });
  assert.is(e.decision, 'not-live');
  assert.is(e.liveness?.challenge, 'blink');
  assert.is(e.liveness?.challengePassed, false);
  assert.is(prompts[0], 'blink');
  assert.ok(e.similarity !== null, 'the similarity is still recorded');
});

test('timeout: a silent camera ends with a decision from what was seen', async () => {
  async function* silent(): AsyncGenerator<Frame> {
    yield frameOf(await blankJpeg(), 1);
    await new Promise((r) => setTimeout(r, 5000));
  }
  const started = Date.now();
  const e = await stillStep().run(await faceJpeg('Aicha_El_Ouafi_0001.jpg'), silent(), { timeoutMs: 1500 });
  assert.ok(Date.now() - started < 4000);
  assert.is(e.decision, 'no-face');
  assert.ok(e.reasons.includes('timeout'));
  assert.is(e.framesSeen, 1);
});

test('cancellation through the signal is CANCELLED, even while waiting for a frame', async () => {
  async function* never(): AsyncGenerator<Frame> {
    await new Promise((r) => setTimeout(r, 5000));
    yield frameOf(await blankJpeg(), 1);
  }
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  await assertRejectsCode(stillStep().run(await faceJpeg('Aicha_El_Ouafi_0001.jpg'), never(), { signal: controller.signal }), 'CANCELLED');
  const aborted = AbortSignal.abort();
  await assertRejectsCode(stillStep().run(await faceJpeg('Aicha_El_Ouafi_0001.jpg'), framesOf([]), { signal: aborted }), 'CANCELLED');
});

test('with a provisioned model (XACMINH_FACE_MODEL) the face step takes that model\'s calibration, and refuses one made for other weights', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'xacminh-provisioned-'));
  const saved = process.env[FACE_MODEL_ENV];
  try {
    const specPath = await faceresSpec(dir);
    const spec = JSON.parse(await readFile(specPath, 'utf8')) as EmbeddingModelSpec;
    const own = { ...calibration, threshold: 0.42, flipAverage: false, fusion: undefined, model: { name: 'faceres', sha256: modelIdentity(spec) } };
    await writeFile(join(dir, spec.calibration), JSON.stringify(own));
    process.env[FACE_MODEL_ENV] = specPath;
    const step = await LocalFaceStep.create({ liveness: false, track: false });
    try {
      assert.is(step.engine.model.sha256, modelIdentity(spec));
      assert.is.not(modelIdentity(spec), spec.sha256, 'the weights file counts, not only model.json');
      const e = await step.run(await faceJpeg('Ari_Fleischer_0003.jpg'), framesOf([await faceJpeg('Ari_Fleischer_0002.jpg')]));
      assert.is(e.threshold, 0.42, 'the provisioned calibration, not the shipped one');
      assert.ok(e.similarity !== null && e.similarity > 0);
    } finally {
      await step.close();
    }
    await writeFile(join(dir, spec.calibration), JSON.stringify({ ...own, model: calibration.model }));
    const stale = await assertRejectsCode(LocalFaceStep.create({ liveness: false, track: false }), 'CONFIG_INVALID');
    assert.match(stale.message, /other model weights than faceres as a provisioned model: run xacminh face-calibrate/);
    await rm(join(dir, spec.calibration));
    const missing = await assertRejectsCode(LocalFaceStep.create({ liveness: false, track: false }), 'CONFIG_INVALID');
    assert.match(missing.message, /faceres\.calibration\.json is missing/);
  } finally {
    if (saved === undefined) delete process.env[FACE_MODEL_ENV];
    else process.env[FACE_MODEL_ENV] = saved;
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
