// Generated presentation attacks through the whole face step with the real models (engine as the face step loads
// it for video): every kind is refused while the chip photo is the victim's own, so only liveness stands in the way.
// And the other side: measured meshes of real faces, turned and nodded in 3D as a head moves, pass the depth checks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { monotonicNow, type Frame } from '../../drivers/camera/types.ts';
import { normalNoise } from '../../drivers/prng.ts';
import { FaceEngine, VIDEO_TRACKING } from '../engine.ts';
import { LocalFaceStep } from '../face-step.ts';
import type { RgbImage } from '../face-geometry.ts';
import { FACE_DATA, faceFile, faceJpeg } from '../test-faces.ts';
import { fusedThreshold, readCalibration } from '../threshold.ts';
import type { ChallengeKind, FaceObservation } from '../types.ts';
import { describeAttack, renderAttack, type AttackFrame, type AttackKind, type AttackSpec } from './attacks/index.ts';
import { renderHeadMotion } from './attacks/head.ts';
import { LivenessSession } from './liveness.ts';
import { LIVENESS_OPERATING_POINT as T } from './operating-point.ts';
import { depthEvidence } from './planar-motion.ts';
import { meshInEyeFrame, projectPoints, sequence, turnYaw } from './synthetic-faces.ts';

const calibration = readCalibration();
let engine: FaceEngine;

test.before(async () => {
  engine = await FaceEngine.load({ flipAverage: calibration.flipAverage, track: { ...VIDEO_TRACKING } });
});
test.after(async () => engine.close());

async function rgbOf(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { rgb: new Uint8Array(data), width: info.width, height: info.height };
}

/** Rendered frames as a camera: at the sequence's own times from when the step starts pulling. */
async function* camera(frames: AttackSpec | Iterable<AttackFrame>): AsyncGenerator<Frame> {
  const t0 = monotonicNow();
  let sequenceNumber = 0;
  for (const f of 'kind' in frames ? renderAttack(frames) : frames) yield { rgb: f.rgb, width: f.width, height: f.height, timestamp: t0 + f.t, sequence: ++sequenceNumber };
}

const VIEW2 = join(FACE_DATA, '../lfw-view2-dev/images');

test('a folded print that passed the turn on the mesh alone (held out, bench/liveness-attacks) is refused by its followed pixels', async () => {
  // Sterling Hitchcock's photo folded along the nose and turned about 50°: the mesh read a 27° turn with a head's
  // parallax; the tracked points moved as two planes.
  const face = await rgbOf(join(VIEW2, 'Sterling_Hitchcock', readdirSync(join(VIEW2, 'Sterling_Hitchcock')).sort()[0]!));
  const spec: AttackSpec = { kind: 'print-fold', mimic: 'turn-left', face, seed: 19_000_082, fps: 15 };
  const run = async (livenessThresholds: { trackedParallaxMin?: number }) => {
    const step = new LocalFaceStep({ engine, threshold: calibration.threshold, challenge: 'turn-left', livenessThresholds });
    const jpeg = await sharp(Buffer.from(face.rgb), { raw: { width: face.width, height: face.height, channels: 3 } }).jpeg().toBuffer();
    return (await step.run(new Uint8Array(jpeg), camera(spec), { timeoutMs: 60_000 })).liveness!;
  };
  const refused = await run({});
  assert.is(refused.decision, 'inconclusive', JSON.stringify(refused));
  assert.ok(refused.reasons.includes('planar-motion'), JSON.stringify(refused));
  // Without the followed pixels it is the hole: the mesh's turn and parallax pass.
  const meshAlone = await run({ trackedParallaxMin: 0 });
  assert.is(meshAlone.decision, 'live', JSON.stringify(meshAlone));
});

test('a rendered real head turning and nodding (its photo on its own mesh, z-buffered) is live through the face step', async () => {
  const file = faceFile('Ari_Fleischer_0002.jpg');
  const face = await rgbOf(file);
  const [found] = await engine.analyze(face);
  const mesh = engine.meshOf(found!)!;
  // Turns out in ~450 ms (seed 7: an action of 1.1 s), a customer's pace; their face box jumps ≤ 0.26 of its height.
  // The fastest renders (10° or more between two frames at 15 fps) can lose the far side's points before half the
  // angle: 'motion-unmeasured', counted in bench/RESULTS.md. A 22° nod, not more: at 25° this render's face box jumps
  // by up to 0.35 of its height between two frames when the detector runs on each (the limit is 0.4), and under load
  // the detector's reuse varies.
  for (const [move, seed] of [['turn-left', 7], ['turn-right', 7], ['nod', 5]] as const) {
    const step = new LocalFaceStep({ engine, threshold: calibration.threshold, challenge: move });
    const frames = renderHeadMotion({ face, mesh, triangles: engine.faceTriangulation, move, seed, peakDegrees: move === 'nod' ? 22 : 32, fps: 15 });
    const e = await step.run(await faceJpeg('Ari_Fleischer_0003.jpg'), camera(frames), { timeoutMs: 60_000 });
    assert.is(e.liveness?.decision, 'live', `${move}: ${JSON.stringify(e.liveness)}`);
  }
});

// Each kind with the challenge its means mimic best (a tilt for a turn, a flick for a blink, a replayed nod …).
const CASES: readonly [AttackKind, ChallengeKind][] = [
  ['print-still', 'blink'],
  ['print-moved', 'turn-right'],
  ['print-tilt', 'turn-left'],
  ['print-tilt', 'blink'],
  ['print-fold', 'turn-right'],
  ['screen-still', 'blink'],
  ['screen-clip', 'nod'],
  ['cutout', 'turn-left'],
];

for (const [kind, challenge] of CASES) {
  test(`attack ${kind} mimicking ${challenge} is refused by the face step (victim's own chip photo)`, async () => {
    const face = await rgbOf(faceFile('Ari_Fleischer_0002.jpg'));
    const attacker = await rgbOf(faceFile('Ben_Affleck_0003.jpg'));
    const fused = fusedThreshold(calibration, 'mean');
    const step = new LocalFaceStep({ engine, threshold: calibration.threshold, ...(fused !== null ? { fusedThreshold: fused } : {}), challenge });
    const spec: AttackSpec = { kind, mimic: challenge, face, attacker, seed: 1900 + CASES.findIndex((c) => c[0] === kind && c[1] === challenge), fps: 12 };
    const e = await step.run(await faceJpeg('Ari_Fleischer_0003.jpg'), camera(spec), { timeoutMs: 60_000 });
    assert.is.not(e.decision, 'match', JSON.stringify({ reasons: e.reasons, liveness: e.liveness }));
    assert.ok(e.liveness, 'liveness was checked');
    assert.is.not(e.liveness!.decision, 'live', JSON.stringify(e.liveness));
    assert.is(e.liveness!.challenge, challenge);
  });
}

test("the engine's pose signs are the contract's: a print folded and turned to the image right reads yaw > 0, bent chin-down reads pitch < 0", async () => {
  const face = await rgbOf(faceFile('Ari_Fleischer_0002.jpg'));
  // Median pose over the frames before the action, and over the frames around its peak.
  const poses = async (mimic: 'turn-left' | 'nod') => {
    const spec: AttackSpec = { kind: 'print-fold', mimic, face, seed: 77, fps: 12 };
    const { actionStartMs, peakAtMs } = describeAttack(spec) as { actionStartMs: number; peakAtMs: number };
    const before: FaceObservation[] = [];
    const peak: FaceObservation[] = [];
    for (const f of renderAttack(spec)) {
      if (f.t >= actionStartMs - 400 && f.t < actionStartMs) before.push(...(await engine.analyze(f)).slice(0, 1));
      if (Math.abs(f.t - peakAtMs) <= 150) peak.push(...(await engine.analyze(f)).slice(0, 1));
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    return { yaw: med(peak.map((o) => o.yaw)) - med(before.map((o) => o.yaw)), pitch: med(peak.map((o) => o.pitch)) - med(before.map((o) => o.pitch)) };
  };
  const turned = await poses('turn-left');
  assert.ok(turned.yaw > 2, `turned to the person's left: yaw change ${turned.yaw}`);
  const nodded = await poses('nod');
  assert.ok(nodded.pitch < -2, `chin down: pitch change ${nodded.pitch}`);
});

/** Every 3rd lfw-dev person's first photo: real faces, measured by the mesh. */
async function measuredMeshes(count: number): Promise<NonNullable<ReturnType<FaceEngine['meshOf']>>[]> {
  const meshes: NonNullable<ReturnType<FaceEngine['meshOf']>>[] = [];
  for (const person of readdirSync(FACE_DATA).sort().filter((_, i) => i % 3 === 0)) {
    if (meshes.length >= count) break;
    const image = await rgbOf(join(FACE_DATA, person, readdirSync(join(FACE_DATA, person)).sort()[0]!));
    const [face] = await engine.analyze(image);
    const mesh = face && Math.abs(face.yaw) < 12 ? engine.meshOf(face) : undefined;
    if (mesh) meshes.push(mesh);
  }
  return meshes;
}

test('real faces turned and nodded as a head moves pass the depth checks; the same faces as a flat print do not', async () => {
  const meshes = await measuredMeshes(12);
  assert.ok(meshes.length >= 10, `${meshes.length} frontal faces`);
  for (const [m, mesh] of meshes.entries()) {
    const head = meshInEyeFrame(mesh);
    const print = head.map(([x, y]) => [x, y, 0] as const);
    for (const [challenge, track] of [
      ['turn-left', { yaw: turnYaw(30, 900) }],
      ['turn-right', { yaw: turnYaw(-30, 900) }],
      ['nod', { pitch: turnYaw(-22, 900, -3) }],
    ] as const) {
      // The synthetic sequence's pose, box and noise, with this face's measured landmarks in place of the mean face's.
      const frames = sequence({ fps: 15, durationMs: 4500, seed: 50 + m, ...track });
      const withMesh = (points: readonly (readonly [number, number, number])[]): FaceObservation[] =>
        frames.map((f, i) => ({
          ...f,
          landmarks: projectPoints(points, {
            yaw: f.yaw,
            pitch: f.pitch,
            centre: [f.box.x + f.box.width / 2, f.box.y + f.box.height / 2],
            eyeDistance: f.box.height * 0.4,
            noise: normalNoise(m * 1000 + i, 0.003), // the mesh's noise on a still face
          }),
        }));
      // The mesh's check alone: these landmark-only sequences have no pixels to follow (the rendered heads below do).
      const judge = (obs: FaceObservation[]) => {
        const s = new LivenessSession({ challenge, trackedParallaxMin: 0 });
        for (const o of obs) s.observe(o);
        return s.result();
      };
      const real = judge(withMesh(head));
      assert.is(real.decision, 'live', `face ${m} ${challenge}: ${real.reasons}`);
      const flat = judge(withMesh(print));
      assert.is(flat.decision, 'inconclusive', `face ${m} ${challenge} as a print: ${flat.reasons}`);
      assert.ok(flat.reasons.includes('planar-motion'));
    }
    // And at the smallest movement that counts, the margin over the thresholds.
    const frame = (yaw: number, pitch: number) => projectPoints(head, { yaw, pitch, centre: [640, 360], eyeDistance: 100, noise: () => 0 });
    for (const [yaw, pitch] of [[T.turnDegrees, 0], [-T.turnDegrees, 0], [0, -T.nodDegrees]] as const) {
      const fit = depthEvidence(frame(0, 0), frame(yaw, pitch), { yaw, pitch })!;
      assert.ok(fit.parallax > 2 * T.parallaxMin && fit.foldParallax > 2 * T.parallaxMin, `face ${m} ${yaw}/${pitch}: ${JSON.stringify(fit)}`);
    }
  }
});

test.run();
