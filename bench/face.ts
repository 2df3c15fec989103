/**
 * bench/face: the face pipeline on 1280×720 camera-like frames (an LFW face scaled to 320 px on a grey
 * 1280×720 canvas, JPEG q90): per-stage median and p95, model load time, RSS, a whole face step over 1 s
 * of frames (10 at 10 fps), and Human's default `human.detect` pipeline in the same process as a ratio.
 *   node --import tsx bench/face.ts [--frames N]
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeFrame } from '../drivers/camera/decode.ts';
import type { Frame } from '../drivers/camera/types.ts';
import { FaceEngine } from '../models/engine.ts';
import { LocalFaceStep } from '../models/face-step.ts';
import { createHuman } from '../models/human-detector.ts';
import { LivenessSession } from '../models/liveness/liveness.ts';
import { ModelStore, nodeModulesDir } from '../models/manifest.ts';
import { assessQuality } from '../models/quality/quality.ts';
import { mountStore } from '../models/runtime.ts';
import { FACE_DATA } from '../models/test-faces.ts';
import { readCalibration } from '../models/threshold.ts';

const count = Number(process.argv[process.argv.indexOf('--frames') + 1]) || 30;
const mb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const rssStart = mb();

// Frames: one face per person, cycled.
const people = (await readdir(FACE_DATA)).sort();
const sources: Uint8Array[] = [];
for (const person of people.slice(0, count)) {
  const [first] = (await readdir(join(FACE_DATA, person))).sort();
  const face = await sharp(join(FACE_DATA, person, first!)).resize(320, 320).toBuffer();
  const canvas = sharp({ create: { width: 1280, height: 720, channels: 3, background: { r: 120, g: 120, b: 120 } } });
  sources.push(new Uint8Array(await canvas.composite([{ input: face, left: 480, top: 200 }]).jpeg({ quality: 90 }).toBuffer()));
}
const frame = (i: number): Frame => ({ jpeg: sources[i % sources.length]!, width: 1280, height: 720, timestamp: performance.now(), sequence: i + 1 });

const calibration = readCalibration();
let t = performance.now();
const engine = await FaceEngine.load({ flipAverage: calibration.flipAverage });
const loadMs = performance.now() - t;
const rssLoaded = mb();
const tensorsLoaded = engine.runtime.tf.memory().numTensors;

const stages: Record<string, number[]> = { decode: [], detect: [], quality: [], liveness: [], 'detect+quality+liveness': [], embed: [] };
const session = new LivenessSession({ challenge: 'blink' });
for (let i = 0; i < count; i++) {
  const f = frame(i);
  t = performance.now();
  const d = await decodeFrame(f);
  stages.decode!.push(performance.now() - t);
  const image = { rgb: d.rgb, width: d.width, height: d.height };
  t = performance.now();
  const faces = await engine.analyze(image, f);
  const td = performance.now() - t;
  t = performance.now();
  const q = assessQuality(faces);
  const tq = performance.now() - t;
  t = performance.now();
  if (faces[0]) session.observe(faces[0]);
  const tl = performance.now() - t;
  stages.detect!.push(td);
  stages.quality!.push(tq);
  stages.liveness!.push(tl);
  stages['detect+quality+liveness']!.push(td + tq + tl);
  if (faces[0] && q.guidance !== 'no-face') {
    t = performance.now();
    await engine.embed(image, faces[0]);
    stages.embed!.push(performance.now() - t);
  }
}
const rssLoop = mb();
const tensorsLoop = engine.runtime.tf.memory().numTensors;

// The same frames through an engine that reuses detector boxes between near-identical frames (video mode):
// each frame is shown 3 times, as a steady face at 30 fps would be.
const tracked = await FaceEngine.load({ flipAverage: calibration.flipAverage, track: { frames: 2, ms: 200 } });
stages['detect (tracking)'] = [];
for (let i = 0; i < count * 3; i++) {
  const d = await decodeFrame(frame(Math.floor(i / 3)));
  t = performance.now();
  await tracked.analyze({ rgb: d.rgb, width: d.width, height: d.height });
  stages['detect (tracking)']!.push(performance.now() - t);
}
await tracked.close();

// A whole face step: chip photo + 10 frames (1 s at 10 fps), liveness off so every frame is processed.
const step = new LocalFaceStep({ engine, threshold: calibration.threshold, liveness: false, framesWithoutLiveness: 10 });
const photo = new Uint8Array(await readFile(join(FACE_DATA, people[0]!, (await readdir(join(FACE_DATA, people[0]!))).sort()[1]!)));
const stepTotals: number[] = [];
for (let r = 0; r < 5; r++) {
  async function* tenFrames() {
    for (let i = 0; i < 10; i++) yield { ...frame(0), rgb: undefined, sequence: i + 1 };
  }
  const e = await step.run(photo, tenFrames());
  stepTotals.push(e.timings.total!);
}

// Human's default pipeline (face with iris/emotion/description, body, hand, gestures) in the same process.
const root = nodeModulesDir();
const humanDir = '@vladmandic/human/models/';
const files = [];
for (const name of await readdir(join(root, humanDir))) {
  const bytes = await readFile(join(root, humanDir, name));
  files.push({ path: humanDir + name, role: 'bench', package: '@vladmandic/human', sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, license: 'MIT' });
}
const mount = mountStore(new ModelStore({ files }, root));
t = performance.now();
const human = await createHuman({ backend: engine.runtime.backend, wasmPath: engine.runtime.wasmDir, modelBasePath: `${mount.prefix}${humanDir}`, debug: false }, root, []);
const humanLoadMs = performance.now() - t;
const humanDetect: number[] = [];
for (let i = 0; i < Math.min(count, 15); i++) {
  const d = await decodeFrame(frame(i));
  const input = engine.runtime.tf.tensor3d(d.rgb, [d.height, d.width, 3], 'int32');
  t = performance.now();
  await human.detect(input);
  humanDetect.push(performance.now() - t);
  input.dispose();
}
const rssHuman = mb();

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]! : NaN;
};
const row = (name: string, xs: number[]) => `${name.padEnd(26)} median ${pct(xs, 0.5).toFixed(1).padStart(6)} ms   p95 ${pct(xs, 0.95).toFixed(1).padStart(6)} ms   (n=${xs.length})`;
console.log(`bench/face — ${count} frames 1280×720, backend ${engine.runtime.backend}${engine.runtime.simd ? ' SIMD' : ''}${engine.runtime.threads ? ' threads' : ' single-thread'}, Node ${process.version}`);
console.log(`model load (verify manifest + runtime + 5 models + warm-up): ${loadMs.toFixed(0)} ms`);
for (const [name, xs] of Object.entries(stages)) console.log(row(name, xs));
console.log(row('face step (photo + 10 fr)', stepTotals));
console.log(row('Human default detect', humanDetect));
console.log(
  `ratio Human default detect / our detect (same Human models subset, same process): ${(pct(humanDetect, 0.5) / pct(stages.detect!, 0.5)).toFixed(2)}×; Human default load ${humanLoadMs.toFixed(0)} ms`,
);
console.log(`RSS MB: start ${rssStart}, after load ${rssLoaded}, after ${count}-frame loop ${rssLoop}, after Human default too ${rssHuman}`);
console.log(`tensors: after load ${tensorsLoaded}, after the loop ${tensorsLoop} (equal = no leak)`);
mount.unmount();
await engine.close();
