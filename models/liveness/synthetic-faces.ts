/**
 * Test-only: realistic FaceObservation sequences for the liveness tests — camera timestamps at 15–30 fps with
 * jitter, mesh noise on eye openness and yaw, a slightly swaying box — and the scenarios (real blink, head
 * turn, printed photo, waved photo, face swap) built from them. Not used by production code.
 */
import { mulberry32 } from '../../drivers/prng.ts';
import type { FaceObservation } from '../types.ts';

export interface Track {
  /** Eye openness (EAR) at t ms from the start, before noise, given the person's open EAR; null = mesh missing. */
  ear?: (t: number, open: number) => number | null;
  yaw?: (t: number) => number;
  pitch?: (t: number) => number;
  /** Box centre offset (px) and height at t. */
  box?: (t: number) => { dx: number; dy: number; height: number };
  antispoof?: number | null;
  liveness?: number | null;
}

export interface SequenceSpec extends Track {
  fps: number;
  durationMs: number;
  seed: number;
  /** Standard deviations of the measurement noise (defaults: live mesh on a real face). */
  earNoise?: number;
  yawNoise?: number;
  start?: number;
}

const W = 1280;
const H = 720;

/** Box–Muller normal sample from the seeded uniform source. */
function gaussian(random: () => number): number {
  const u = Math.max(1e-12, random());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function sequence(spec: SequenceSpec): FaceObservation[] {
  const random = mulberry32(spec.seed);
  const start = spec.start ?? 1_700_000_000_000;
  const period = 1000 / spec.fps;
  const openEar = 0.27 + random() * 0.06; // this person's open-eye EAR
  const ear = spec.ear ?? ((_t: number, open: number) => open);
  const yaw = spec.yaw ?? (() => 0);
  const pitch = spec.pitch ?? (() => -3);
  const box = spec.box ?? ((t: number) => ({ dx: 6 * Math.sin(t / 700), dy: 4 * Math.sin(t / 900), height: 270 }));
  const out: FaceObservation[] = [];
  for (let i = 0; ; i++) {
    const t = i * period + (random() - 0.5) * 0.3 * period; // capture jitter
    if (t > spec.durationMs) break;
    const e = ear(t, openEar);
    const b = box(t);
    const width = b.height * 0.8;
    const noisyEar = (base: number | null): number | null =>
      base === null ? null : Math.max(0.02, base + gaussian(random) * (spec.earNoise ?? 0.012));
    out.push({
      frameSequence: i + 1,
      timestamp: start + Math.max(0, t),
      frameWidth: W,
      frameHeight: H,
      box: { x: W / 2 + b.dx - width / 2 + gaussian(random), y: H / 2 + b.dy - b.height / 2 + gaussian(random), width, height: b.height },
      detectionScore: 0.9 + random() * 0.08,
      yaw: yaw(t) + gaussian(random) * (spec.yawNoise ?? 1.2),
      pitch: pitch(t) + gaussian(random) * 1.2,
      roll: gaussian(random) * 1.5,
      leftEyeOpenness: noisyEar(e),
      rightEyeOpenness: noisyEar(e),
      sharpness: 120 + random() * 60,
      brightness: 125 + random() * 10,
      antispoof: spec.antispoof === undefined ? 0.75 + random() * 0.2 : spec.antispoof,
      liveness: spec.liveness === undefined ? 0.7 + random() * 0.25 : spec.liveness,
    });
  }
  return out;
}

/** EAR of a blink starting at `at` ms: closes in ~80 ms to ~0.07, stays ~60 ms, reopens in ~120 ms. */
export function blinkEar(at: number, closedMs = 60): (t: number, open: number) => number {
  return (t, open) => {
    const s = t - at;
    const closed = 0.07;
    if (s < 0) return open;
    if (s < 80) return open - (open - closed) * (s / 80);
    if (s < 80 + closedMs) return closed;
    if (s < 200 + closedMs) return closed + (open - closed) * ((s - 80 - closedMs) / 120);
    return open;
  };
}

/** Yaw of a head turn to `peak` degrees starting at `at`: ~350 ms out, ~250 ms held, ~400 ms back. */
export function turnYaw(peak: number, at: number, base = 0): (t: number) => number {
  const ease = (x: number): number => (1 - Math.cos(Math.PI * Math.min(1, Math.max(0, x)))) / 2;
  return (t) => {
    const s = t - at;
    if (s < 0) return base;
    if (s < 350) return base + peak * ease(s / 350);
    if (s < 600) return base + peak;
    return base + peak * (1 - ease((s - 600) / 400));
  };
}

/** Applies a transform to every observation from time `at` (relative to the first frame) onwards. */
export function after(frames: FaceObservation[], at: number, change: (f: FaceObservation) => FaceObservation): FaceObservation[] {
  const t0 = frames[0]!.timestamp;
  return frames.map((f) => (f.timestamp - t0 >= at ? change(f) : f));
}
