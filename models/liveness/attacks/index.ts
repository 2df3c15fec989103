/**
 * Presentation-attack frame generator: still face photos turned into the camera frames of prints, folded prints,
 * screen replays and cut-outs, seen through a pinhole webcam (see README.md for the model and its conventions).
 */
import { AttackRenderer, clipMotion, planAttack } from './scene.ts';
import type { AttackFrame, AttackSpec } from './spec.ts';

export { ATTACK_KINDS, MIMICKED_ACTIONS } from './spec.ts';
export type { AttackFrame, AttackKind, AttackSpec, MimickedAction, RgbImage } from './spec.ts';
// The bona-fide side: a textured 3-D head turning or nodding, through the same camera, wall and sensor.
export { describeHeadMotion, HEAD_MOVES, renderHeadMotion } from './head.ts';
export type { HeadMove, HeadSpec } from './head.ts';

/** Lazily renders the sequence, one frame per call (frames are ~2.7 MB each: never hold them all). Deterministic for a seed. */
export function* renderAttack(spec: AttackSpec): Generator<AttackFrame> {
  const renderer = new AttackRenderer(spec);
  for (let i = 0; i < renderer.frameCount; i++) yield renderer.render(i);
}

const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;

/** For reports: the pose parameters the motion script used (degrees, ms, cm). */
export function describeAttack(spec: AttackSpec): Record<string, number | string> {
  const plan = planAttack(spec);
  const m = plan.motion.params;
  const out: Record<string, number | string> = {
    kind: spec.kind,
    mimic: spec.mimic,
    seed: spec.seed,
    fps: plan.fps,
    durationMs: plan.durationMs,
    frames: Math.floor((plan.durationMs * plan.fps) / 1000),
    actionStartMs: m.actionStartMs,
    actionMs: m.actionMs,
    peakAtMs: round(m.peakAtMs, 1),
    axis: m.axis,
    peakTiltDeg: round(m.peakTiltDeg),
    tiltConvention: 'yaw>0: the plane\'s right edge (image right) moves away from the camera (mimics turn-left, the person turning to THEIR left); pitch>0: top edge away (chin up; the blink flick), pitch<0: top edge nearer (chin down: the nod)',
    distanceCm: round(m.rest.z * 100, 1),
    targetFaceBoxPx: Math.round(plan.targetBoxPx),
    restYawDeg: round(m.rest.yawDeg),
    restPitchDeg: round(m.rest.pitchDeg),
    restRollDeg: round(m.rest.rollDeg),
    tremorMm: round(m.tremorMm),
    tremorDeg: round(m.tremorDeg),
    lightGain: round(plan.sensor.gain, 3),
    lightOffset: round(plan.sensor.offset),
    noiseSigma: round(plan.sensor.readSigma),
  };
  if (spec.kind.startsWith('print') || spec.kind === 'cutout') out.photoWidthCm = round(plan.print.photoWidthM * 100);
  if (spec.kind === 'print-fold') out.foldDeg = round(plan.foldDeg);
  if (spec.kind === 'print-moved') {
    Object.assign(out, { moveXCm: round(m.moveX * 100), moveYCm: round(m.moveY * 100), moveZCm: round(m.moveZ * 100), moveRollDeg: round(m.moveRollDeg) });
  }
  if (spec.kind === 'cutout') Object.assign(out, { attackerGapCm: round(plan.attackerGapM * 100), attackerScale: round(plan.attackerScale, 3) });
  if (plan.device) {
    Object.assign(out, { device: plan.device.name, pixelPitchMm: round(plan.device.pitchMm, 4), displayGammaRatio: round(plan.displayGammaRatio, 3), displayBrightness: round(plan.displayBrightness, 3) });
  }
  if (spec.kind === 'screen-clip') {
    // The replayed recording's own print-tilt; the device itself is held still.
    const clip = clipMotion(spec.mimic, spec.seed, 0.3).params;
    Object.assign(out, { clipActionStartMs: clip.actionStartMs, clipActionMs: clip.actionMs, clipPeakAtMs: round(clip.peakAtMs, 1), clipAxis: clip.axis, clipPeakTiltDeg: round(clip.peakTiltDeg) });
  }
  return out;
}
