/**
 * bench/face: the face pipeline on 1280×720 camera-like frames, as the face step runs it.
 *   node --import tsx bench/face.ts [--people N] [--steps N]
 *
 * Frames: for each of N people (default 30) a 10-frame clip — an LFW face scaled to 320 px (face box ≈ 250 px,
 * 35 % of the frame height, a customer at arm's length) on a grey 1280×720 canvas, moving 0–6 px from frame to
 * frame like a person holding still, JPEG q90.
 *
 * A. The engine exactly as LocalFaceStep.create() loads it (detector boxes tracked across frames, mirror
 *    averaging per the calibration): load time and RSS; then every frame of every clip in order, paced at
 *    10 fps (the slowest camera rate the face step expects, so the most detector runs per frame), per stage:
 *    decode, detect (detector + mesh + passive models + crop statistics), quality, liveness (observe); the
 *    sum detect + quality + liveness is the per-frame goal. Embedding of one face per clip. Whole face
 *    steps (chip photo + one clip of 10 frames, liveness off so every frame is processed). RSS after all that.
 * B. The same engine without tracking (the detector on every frame), first 3 frames of each clip: the
 *    worst case per frame, e.g. when the customer moves.
 * D. The kiosk's camera preview beside the face step (bench/face-preview.ts): whole face steps without it and
 *    with the preview tap and an MJPEG client attached, interleaved; per-frame cost and frames pulled.
 * C. Human's default pipeline (face with iris/emotion/description, body, hand, gestures; its own caching on)
 *    on the same clips in the same process, as a ratio.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeFrame } from '../drivers/camera/decode.ts';
import type { Frame } from '../drivers/camera/types.ts';
import { FaceEngine, VIDEO_TRACKING } from '../models/engine.ts';
import { LocalFaceStep } from '../models/face-step.ts';
import { createHuman } from '../models/human-detector.ts';
import { LivenessSession } from '../models/liveness/liveness.ts';
import { ModelStore, nodeModulesDir } from '../models/manifest.ts';
import { assessQuality } from '../models/quality/quality.ts';
import { mountStore } from '../models/runtime.ts';
import { FACE_DATA } from '../models/test-faces.ts';
import { calibrationPathFor } from '../models/embedder.ts';
import { readCalibration } from '../models/threshold.ts';
import { previewComparison } from './face-preview.ts';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) || fallback : fallback;
};
const peopleCount = arg('--people', 30);
const stepRuns = arg('--steps', 5);
const CLIP = 10;
const FRAME_MS = 100;
const mb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const peakMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const rssStart = mb();

// Clips: one per person, the face drifting a few pixels per frame.
const people = (await readdir(FACE_DATA)).sort().slice(0, peopleCount);
const clips: Uint8Array[][] = [];
for (const person of people) {
  const [first] = (await readdir(join(FACE_DATA, person))).sort();
  const face = await sharp(join(FACE_DATA, person, first!)).resize(320, 320).toBuffer();
  const clip: Uint8Array[] = [];
  for (let k = 0; k < CLIP; k++) {
    const canvas = sharp({ create: { width: 1280, height: 720, channels: 3, background: { r: 120, g: 120, b: 120 } } });
    const at = { left: 480 + Math.round(6 * Math.sin(k / 2)), top: 200 + (k % 3) };
    clip.push(new Uint8Array(await canvas.composite([{ input: face, ...at }]).jpeg({ quality: 90 }).toBuffer()));
  }
  clips.push(clip);
}
let sequence = 0;
const frame = (jpeg: Uint8Array): Frame => ({ jpeg, width: 1280, height: 720, timestamp: performance.timeOrigin + performance.now(), sequence: ++sequence });
const stages: Record<string, number[]> = Object.fromEntries(
  ['decode', 'detect', 'quality', 'liveness', 'detect+quality+liveness', '  frames with the detector', '  frames tracked (no detector)'].map((k) => [k, []]),
);
const record = (name: string, ms: number) => (stages[name] ??= []).push(ms);

// A. The production engine.
const calibration = readCalibration(await calibrationPathFor()); // the calibration of the model FaceEngine loads
let t = performance.now();
const engine = await FaceEngine.load({ flipAverage: calibration.flipAverage, track: { ...VIDEO_TRACKING } });
const loadMs = performance.now() - t;
const rssLoaded = mb();
const tensorsLoaded = engine.runtime.tf.memory().numTensors;
// Count the detector's runs (instrumentation only: Human's blazeface model inside the engine).
let detectorRuns = 0;
const blazeface = (engine as unknown as { human: { models: { models: Record<string, { execute: (...a: unknown[]) => unknown }> } } }).human.models.models.blazeface!;
const execute = blazeface.execute.bind(blazeface);
blazeface.execute = (...a: unknown[]) => {
  detectorRuns++;
  return execute(...a);
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
for (const clip of clips) {
  const session = new LivenessSession({ challenge: 'blink' });
  const clipStart = performance.now();
  for (const [i, jpeg] of clip.entries()) {
    // Paced like a 10 fps camera (the detector's 300 ms window then covers 3 frames); a frame is late when
    // the previous one took longer than 100 ms, as it would be from a camera that drops stale frames.
    await sleep(clipStart + i * FRAME_MS - performance.now());
    const f = frame(jpeg);
    t = performance.now();
    const d = await decodeFrame(f);
    record('decode', performance.now() - t);
    const runsBefore = detectorRuns;
    t = performance.now();
    const faces = await engine.analyze({ rgb: d.rgb, width: d.width, height: d.height }, f);
    const td = performance.now() - t;
    t = performance.now();
    const q = assessQuality(faces);
    const tq = performance.now() - t;
    t = performance.now();
    if (faces[0] && q.guidance !== 'no-face' && q.guidance !== 'multiple-faces') session.observe(faces[0]);
    const tl = performance.now() - t;
    record('detect', td);
    record(detectorRuns > runsBefore ? '  frames with the detector' : '  frames tracked (no detector)', td + tq + tl);
    record('quality', tq);
    record('liveness', tl);
    record('detect+quality+liveness', td + tq + tl);
  }
}
// One face per clip (a face step embeds 1–3 live frames and the photo, one face per pass).
for (const clip of clips) {
  const d = await decodeFrame(frame(clip[0]!));
  const image = { rgb: d.rgb, width: d.width, height: d.height };
  const [face] = await engine.analyze(image);
  if (!face) continue;
  t = performance.now();
  await engine.embed(image, face);
  record('embed (1 face)', performance.now() - t);
}
const rssLoop = mb();

// Whole face steps: the chip photo (another image of the person) + a 10-frame clip (1 s at 10 fps).
const step = new LocalFaceStep({ engine, threshold: calibration.threshold, liveness: false, framesWithoutLiveness: CLIP });
const stepTotals: number[] = [];
const stepStages: Record<string, number[]> = {};
const decisions: string[] = [];
for (let r = 0; r < stepRuns; r++) {
  const person = people[r % people.length]!;
  const photo = new Uint8Array(await readFile(join(FACE_DATA, person, (await readdir(join(FACE_DATA, person))).sort()[1]!)));
  const clip = clips[r % clips.length]!;
  async function* frames() {
    for (const jpeg of clip) yield frame(jpeg);
  }
  const e = await step.run(photo, frames());
  stepTotals.push(e.timings.total!);
  decisions.push(`${e.decision} ${e.similarity?.toFixed(3)}`);
  for (const [k, v] of Object.entries(e.timings)) if (k !== 'total') (stepStages[k] ??= []).push(v);
}
const rssSteps = mb();
const peakSteps = peakMb();
const tensorsSteps = engine.runtime.tf.memory().numTensors;

// D. The kiosk's preview: the same face steps with and without the tap and an MJPEG client.
const previewPhotos = await Promise.all(people.slice(0, stepRuns).map(async (person) => new Uint8Array(await readFile(join(FACE_DATA, person, (await readdir(join(FACE_DATA, person))).sort()[1]!)))));
const preview = await previewComparison(step, previewPhotos, clips, Math.max(6, stepRuns * 2));

// B. Detector on every frame (no tracking).
const untracked = await FaceEngine.load({ flipAverage: calibration.flipAverage });
for (const clip of clips) {
  for (const jpeg of clip.slice(0, 3)) {
    const d = await decodeFrame(frame(jpeg));
    t = performance.now();
    await untracked.analyze({ rgb: d.rgb, width: d.width, height: d.height });
    record('detect (no tracking)', performance.now() - t);
  }
}
await untracked.close();

// C. Human's default pipeline in the same process, on the first clips.
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
for (const clip of clips.slice(0, 5)) {
  for (const jpeg of clip) {
    const d = await decodeFrame(frame(jpeg));
    const input = engine.runtime.tf.tensor3d(new Float32Array(d.rgb), [d.height, d.width, 3], 'float32');
    t = performance.now();
    await human.detect(input);
    record('Human default detect', performance.now() - t);
    input.dispose();
  }
}
const rssHuman = mb();

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]! : NaN;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const row = (name: string, xs: number[]) =>
  `${name.padEnd(28)} median ${pct(xs, 0.5).toFixed(1).padStart(6)} ms   mean ${mean(xs).toFixed(1).padStart(6)} ms   p95 ${pct(xs, 0.95).toFixed(1).padStart(6)} ms   (n=${xs.length})`;
const [load1] = (await readFile('/proc/loadavg', 'utf8').catch(() => '?')).split(' ');
console.log(
  `bench/face — ${clips.length} clips × ${CLIP} frames 1280×720, backend ${engine.runtime.backend}${engine.runtime.simd ? ' SIMD' : ''}${engine.runtime.threads ? ' threads' : ' single-thread'}, Node ${process.version}, load average ${load1}`,
);
console.log(`model load (verify manifest + runtime + 5 models + warm-up): ${loadMs.toFixed(0)} ms`);
for (const [name, xs] of Object.entries(stages)) if (name !== 'Human default detect') console.log(row(name, xs));
console.log(row(`face step (photo + ${CLIP} fr)`, stepTotals));
for (const [name, xs] of Object.entries(stepStages)) console.log(row(`  step: ${name}`, xs));
console.log(`  decisions: ${decisions.join(', ')}`);
const humanDefault = stages['Human default detect']!;
console.log(row('Human default detect', humanDefault));
const ours = stages['detect']!.slice(0, humanDefault.length);
console.log(
  `ratio Human default / ours on the same ${humanDefault.length} frames: median ${(pct(humanDefault, 0.5) / pct(ours, 0.5)).toFixed(2)}×, mean ${(mean(humanDefault) / mean(ours)).toFixed(2)}×; ` +
    `vs ours without tracking: median ${(pct(humanDefault, 0.5) / pct(stages['detect (no tracking)']!, 0.5)).toFixed(2)}×; Human default load ${humanLoadMs.toFixed(0)} ms`,
);
for (const line of preview.lines) console.log(line);
console.log(
  `RSS MB: start ${rssStart}, after load ${rssLoaded}, after the frame loop ${rssLoop}, after ${stepRuns} face steps ${rssSteps} (peak so far ${peakSteps}); ` +
    `after a second engine and Human default too ${rssHuman}`,
);
console.log(`tensors: after load ${tensorsLoaded}, after the loop and face steps ${tensorsSteps} (equal = no leak)`);
mount.unmount();
await engine.close();
