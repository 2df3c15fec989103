/**
 * bench/landmark-tracker (issue 19): what following the landmarks by their pixels costs per frame of a challenge.
 *
 *   node --import tsx bench/landmark-tracker.ts [--runs 5]
 *
 * Frames: a rendered real head turning and a print tilted like a turn (models/liveness/attacks, 1280×720, 15 fps),
 * analysed once by the engine; then LandmarkTracker.follow() is timed alone over each sequence, anchored as the face
 * step anchors it (every frame up to the action's start, followed after). Baseline in the same process: follow()
 * with tracking off (the grey pyramid every frame of the customer costs), so the ratio is the tracking's own price.
 */
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { FaceEngine, VIDEO_TRACKING } from '../models/engine.ts';
import type { RgbImage } from '../models/face-geometry.ts';
import { describeAttack, renderAttack } from '../models/liveness/attacks/index.ts';
import { describeHeadMotion, renderHeadMotion } from '../models/liveness/attacks/head.ts';
import { LandmarkTracker } from '../models/liveness/landmark-tracker.ts';
import { faceFile } from '../models/test-faces.ts';
import type { FaceObservation } from '../models/types.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });

interface Recorded {
  image: RgbImage;
  face: FaceObservation;
  followed: boolean;
}

async function rgbOf(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { rgb: new Uint8Array(data), width: info.width, height: info.height };
}

async function record(engine: FaceEngine, frames: Iterable<{ rgb: Uint8Array; width: number; height: number; t: number }>, actionStartMs: number): Promise<Recorded[]> {
  const out: Recorded[] = [];
  for (const f of frames) {
    const image = { rgb: f.rgb, width: f.width, height: f.height };
    const [face] = await engine.analyze(image, { timestamp: f.t });
    if (face) out.push({ image, face, followed: f.t >= actionStartMs });
  }
  return out;
}

function time(sequence: readonly Recorded[], track: boolean): number[] {
  const tracker = new LandmarkTracker();
  const ms: number[] = [];
  for (const r of sequence) {
    const started = performance.now();
    const followed = tracker.follow(r.image, r.face, track && r.followed);
    if (!r.followed) tracker.anchor(followed);
    if (r.followed) ms.push(performance.now() - started);
  }
  return ms;
}

const quantile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

const engine = await FaceEngine.load({ track: { ...VIDEO_TRACKING } });
const face = await rgbOf(faceFile('Ari_Fleischer_0002.jpg'));
const [found] = await engine.analyze(face);
const head = { face, mesh: engine.meshOf(found!)!, triangles: engine.faceTriangulation, move: 'turn-left' as const, seed: 3, peakDegrees: 30, fps: 15 };
const tilt = { kind: 'print-tilt' as const, mimic: 'turn-left' as const, face, seed: 5, fps: 15 };
const sequences: [string, Recorded[]][] = [
  ['rendered head turning 30°', await record(engine, renderHeadMotion(head), Number(describeHeadMotion(head).actionStartMs))],
  ['print tilted like a turn', await record(engine, renderAttack(tilt), Number(describeAttack(tilt).actionStartMs))],
];
await engine.close();

console.log(`| sequence | followed frames | pyramid only: median ms | follow: median ms | p95 ms | ratio (median) |`);
console.log('|---|---|---|---|---|---|');
for (const [name, sequence] of sequences) {
  const base: number[] = [];
  const tracked: number[] = [];
  for (let run = 0; run < Number(values.runs); run++) {
    base.push(...time(sequence, false));
    tracked.push(...time(sequence, true));
  }
  const [b, t] = [quantile(base, 0.5), quantile(tracked, 0.5)];
  console.log(`| ${name} | ${tracked.length / Number(values.runs)} | ${b.toFixed(2)} | ${t.toFixed(2)} | ${quantile(tracked, 0.95).toFixed(2)} | ${(t / b).toFixed(1)}× |`);
}
