/**
 * Per-kind motion scripts: the plane's pose over time. Every sequence: held nearly still (tremor only) from 0 to
 * actionStartMs, the action, then held still to the end. Tremor: a few mm and a fraction of a degree, a sum of
 * seeded sinusoids at 2–6 Hz (a hand holding a sheet).
 *
 * Tilt direction (camera.ts conventions): mimic 'turn-left' (the person turns to THEIR left, towards the image's
 * right) → yawDeg > 0, the print's right edge (image right) moves away from the camera, so the face's image-right
 * half is foreshortened as a real face's is when it turns that way; 'turn-right' → yawDeg < 0; 'nod' → pitchDeg < 0
 * (top edge towards the camera, bottom away: the chin-down look of a nod, which goes down first); 'blink' → a fast
 * pitch flick, top edge away (eyes foreshortened vertically).
 */
import { mulberry32 } from '../../../drivers/prng.ts';
import type { PlanePose } from './camera.ts';
import type { AttackKind, MimickedAction } from './spec.ts';

export type TiltAxis = 'none' | 'vertical' | 'horizontal' | 'translation';

export interface MotionParams {
  actionStartMs: number;
  actionMs: number;
  /** When the action's pose is at its peak (the middle of the held peak, or of a flick). */
  peakAtMs: number;
  axis: TiltAxis;
  /** Signed peak, degrees, in camera.ts conventions (yawDeg for 'vertical', pitchDeg for 'horizontal'); 0 when none. */
  peakTiltDeg: number;
  /** The resting pose (no tremor). */
  rest: PlanePose;
  /** print-moved only: the peak offset, metres and degrees. */
  moveX: number;
  moveY: number;
  moveZ: number;
  moveRollDeg: number;
  tremorMm: number;
  tremorDeg: number;
}

export interface MotionScript {
  params: MotionParams;
  /** The pose at t ms, with tremor unless `still`. */
  poseAt(tMs: number, still?: boolean): PlanePose;
}

export function between(random: () => number, lo: number, hi: number): number {
  return lo + random() * (hi - lo);
}

const smoothstep = (s: number): number => (s <= 0 ? 0 : s >= 1 ? 1 : s * s * (3 - 2 * s));

/** Out, hold, back: 0 → 1 over the first 40 %, held to 60 %, back to 0 by the end. */
export function outAndBack(s: number): number {
  if (s <= 0 || s >= 1) return 0;
  if (s < 0.4) return smoothstep(s / 0.4);
  if (s <= 0.6) return 1;
  return smoothstep((1 - s) / 0.4);
}

/** A flick: sin² out and straight back, peak at the middle. */
function flick(s: number): number {
  return s <= 0 || s >= 1 ? 0 : Math.sin(Math.PI * s) ** 2;
}

export interface Wobble {
  amp: number;
  hz: number;
  phase: number;
}

function tremorTerms(random: () => number, amplitude: number): Wobble[] {
  return Array.from({ length: 3 }, () => ({ amp: (amplitude / 3) * between(random, 0.6, 1.4), hz: between(random, 2, 6), phase: random() * Math.PI * 2 }));
}

export function wobble(terms: readonly Wobble[], tMs: number): number {
  let v = 0;
  for (const w of terms) v += w.amp * Math.sin(2 * Math.PI * w.hz * (tMs / 1000) + w.phase);
  return v;
}

/**
 * The script for a plane of a given kind held at `distanceM`. Kinds without an action of their own (print-still, the
 * screens, whose clip carries the motion) still get seeded timings, so reports line up.
 */
export function motionScript(kind: AttackKind, mimic: MimickedAction, seed: number, distanceM: number): MotionScript {
  const random = mulberry32(seed ^ 0x5eed);
  const actionStartMs = Math.round(between(random, 900, 1300));
  const isBlinkFlick = mimic === 'blink' && (kind === 'print-tilt' || kind === 'print-fold' || kind === 'cutout');
  const actionMs = Math.round(isBlinkFlick ? between(random, 200, 350) : between(random, 400, 1200));
  const rest: PlanePose = {
    yawDeg: between(random, -3, 3),
    pitchDeg: between(random, -3, 3),
    rollDeg: between(random, -4, 4),
    x: between(random, -0.03, 0.03),
    y: between(random, -0.02, 0.02),
    z: distanceM,
  };
  let axis: TiltAxis = 'none';
  let peakTiltDeg = 0;
  const tilts = kind === 'print-tilt' || kind === 'print-fold' || kind === 'cutout';
  if (tilts) {
    if (mimic === 'turn-left' || mimic === 'turn-right') {
      axis = 'vertical';
      peakTiltDeg = between(random, 25, 55) * (mimic === 'turn-left' ? 1 : -1);
    } else if (mimic === 'nod') {
      axis = 'horizontal';
      peakTiltDeg = -between(random, 20, 45);
    } else {
      axis = 'horizontal';
      peakTiltDeg = between(random, 45, 70);
    }
  }
  let moveX = 0;
  let moveY = 0;
  let moveZ = 0;
  let moveRollDeg = 0;
  if (kind === 'print-moved') {
    axis = 'translation';
    const sign = (): number => (random() < 0.5 ? -1 : 1);
    // The attacker's best guess with a flat print: slide it the asked way, dip it for a nod, jerk it for a blink.
    moveX = between(random, 0.02, 0.04) * (mimic === 'turn-left' ? 1 : mimic === 'turn-right' ? -1 : sign());
    moveY = between(random, 0.01, 0.04) * (mimic === 'nod' ? 1 : sign());
    moveZ = between(random, 0.03, 0.08) * sign();
    moveRollDeg = between(random, 4, 10) * sign();
  }
  const tremorMm = between(random, 1, 3);
  const tremorDeg = between(random, 0.2, 0.5);
  const tremor = {
    x: tremorTerms(random, tremorMm / 1000),
    y: tremorTerms(random, tremorMm / 1000),
    z: tremorTerms(random, tremorMm / 1000),
    yaw: tremorTerms(random, tremorDeg),
    pitch: tremorTerms(random, tremorDeg),
    roll: tremorTerms(random, tremorDeg),
  };
  const params: MotionParams = {
    actionStartMs, actionMs, peakAtMs: actionStartMs + actionMs / 2, axis, peakTiltDeg, rest,
    moveX, moveY, moveZ, moveRollDeg, tremorMm, tremorDeg,
  };
  const profile = isBlinkFlick ? flick : outAndBack;
  return {
    params,
    poseAt(tMs: number, still = false): PlanePose {
      const p = axis === 'none' ? 0 : profile((tMs - actionStartMs) / actionMs);
      const k = still ? 0 : 1;
      return {
        yawDeg: rest.yawDeg + (axis === 'vertical' ? p * peakTiltDeg : 0) + k * wobble(tremor.yaw, tMs),
        pitchDeg: rest.pitchDeg + (axis === 'horizontal' ? p * peakTiltDeg : 0) + k * wobble(tremor.pitch, tMs),
        rollDeg: rest.rollDeg + p * moveRollDeg + k * wobble(tremor.roll, tMs),
        x: rest.x + p * moveX + k * wobble(tremor.x, tMs),
        y: rest.y + p * moveY + k * wobble(tremor.y, tMs),
        z: rest.z + p * moveZ + k * wobble(tremor.z, tMs),
      };
    },
  };
}
