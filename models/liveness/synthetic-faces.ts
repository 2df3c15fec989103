/**
 * Test-only: realistic FaceObservation sequences for the liveness tests — camera timestamps at 15–30 fps with
 * jitter, mesh noise on eye openness and yaw, a slightly swaying box, and the landmarks the motion checks follow
 * (the mean face of mean-face.json turned in 3D for a head, or flattened for a picture) — and the scenarios
 * (real blink, head turn, printed photo, waved photo, face swap) built from them. Not used by production code.
 */
import { gaussian, mulberry32 } from '../../drivers/prng.ts';
import type { FaceObservation } from '../types.ts';
import type { LivenessSession } from './liveness.ts';
import { LANDMARK_MESH_INDICES, LEFT_EYE_POINTS, loadMeanFace, RIGHT_EYE_POINTS, RIGID_POINTS, turnedPoints } from './planar-motion.ts';

export interface Track {
  /** Eye openness (EAR) at t ms from the start, before noise, given the person's open EAR; null = mesh missing. */
  ear?: (t: number, open: number) => number | null;
  /** The person's right eye alone, when it differs from `ear` (a wink). */
  rightEar?: (t: number, open: number) => number | null;
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
  /** What the face is: a head (default), or a picture whose pose the yaw/pitch tracks describe. */
  surface?: Surface;
  /**
   * What the mesh's landmarks move like (default: the surface). A mesh is a model of a head: on a turned picture it
   * may report a head's parallax ('head') while the picture's pixels, which the tracked points follow, stay flat.
   */
  meshSurface?: Surface;
  /**
   * Landmark noise (SD per coordinate), in eye-corner distances; default 0.003: the mesh on a still face in two
   * noisy captures left an RMS residual of 0.003–0.009 after the homography (≈ 2 × SD) on 12 lfw-dev faces.
   */
  landmarkNoise?: number;
  /** Noise of points followed by their pixels (SD per coordinate, eye-corner distances); default 0.002. */
  trackNoise?: number;
}

/** Where each frame's rigid points really are (no mesh noise): what observeAsFaceStep's tracker follows. */
const surfaceOf = new WeakMap<FaceObservation, { points: [number, number][]; noise: () => number; eyeDistance: number }>();

const W = 1280;
const H = 720;

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
    const right = spec.rightEar ? spec.rightEar(t, openEar) : e;
    const b = box(t);
    const width = b.height * 0.8;
    const noisyEar = (base: number | null): number | null =>
      base === null ? null : Math.max(0.02, base + gaussian(random) * (spec.earNoise ?? 0.012));
    const pose = { yaw: yaw(t), pitch: pitch(t), ear: [right, e] as const, centre: [W / 2 + b.dx, H / 2 + b.dy] as const, eyeDistance: b.height * 0.4 };
    const observation: FaceObservation = {
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
      rightEyeOpenness: noisyEar(right),
      sharpness: 120 + random() * 60,
      brightness: 125 + random() * 10,
      antispoof: spec.antispoof === undefined ? 0.75 + random() * 0.2 : spec.antispoof,
      liveness: spec.liveness === undefined ? 0.7 + random() * 0.25 : spec.liveness,
      landmarks: posedLandmarks({ ...pose, surface: spec.meshSurface ?? spec.surface ?? 'head', noise: () => gaussian(random) * (spec.landmarkNoise ?? 0.003) }),
    };
    const trackNoise = spec.trackNoise ?? 0.002;
    surfaceOf.set(observation, {
      points: posedLandmarks({ ...pose, surface: spec.surface ?? 'head', noise: () => 0 }).slice(0, RIGID_POINTS),
      noise: () => gaussian(random) * trackNoise,
      eyeDistance: pose.eyeDistance,
    });
    out.push(observation);
  }
  return out;
}

/**
 * Feeds frames to a session as the face step does (landmark-tracker.ts observeFollowed): the followed-point chain
 * starts on the session's reference frame (LivenessSession.referenceAt); while a turn or nod is judged each frame
 * carries the chain's points followed to it — the anchor's landmarks moved as the surface really moved, plus
 * tracking noise. Frames from elsewhere (no known surface) carry no followed points.
 */
export function observeAsFaceStep(session: LivenessSession, frames: readonly FaceObservation[]): void {
  let anchor: { frame: FaceObservation; truth: [number, number][] } | null = null;
  for (const frame of frames) {
    const truth = surfaceOf.get(frame);
    let observed = frame;
    if (session.prompting && session.challenge !== 'blink' && anchor && truth) {
      const from = anchor;
      const points = truth.points.map(([x, y], i) => [from.frame.landmarks![i]![0] + x - from.truth[i]![0] + truth.eyeDistance * truth.noise(), from.frame.landmarks![i]![1] + y - from.truth[i]![1] + truth.eyeDistance * truth.noise()] as const);
      observed = { ...frame, tracked: { since: from.frame.timestamp, points } };
    }
    session.observe(observed);
    if (session.referenceAt === frame.timestamp && truth && frame.landmarks) anchor = { frame, truth: truth.points };
  }
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

/** A head; a flat picture; or a picture folded along the nose line, its halves at `fold` degrees (ridge towards the camera). */
export type Surface = 'head' | 'flat' | { fold: number };

function depthOn(surface: Surface, x: number, z: number): number {
  if (surface === 'head') return z;
  if (surface === 'flat') return 0;
  return Math.abs(x) * Math.tan(((180 - surface.fold) / 2) * (Math.PI / 180));
}

export interface Pose {
  yaw: number;
  pitch: number;
  /** Eye aspect ratio to give the person's right and left eye (null: as the mean face has it). */
  ear: readonly [number | null, number | null];
  centre: readonly [number, number];
  /** Pixels between the outer eye corners when frontal. */
  eyeDistance: number;
  surface: Surface;
  noise: () => number;
}

/**
 * The landmarks of the mean face at a pose, through a pinhole camera: a head turns its 3D points about its
 * centre; a flat picture (the same face with no depth) turns as a plane, so its landmarks are one homography of
 * the frontal ones. yaw > 0 moves the nose to the image right (the person's left), pitch > 0 up.
 */
export function posedLandmarks(pose: Pose): [number, number][] {
  const face = loadMeanFace();
  const points = face.points.map(([x0, y0, z0]) => [x0, y0, depthOn(pose.surface, x0, z0)] as [number, number, number]);
  setEyeOpenness(points, RIGHT_EYE_POINTS, pose.ear[0]);
  setEyeOpenness(points, LEFT_EYE_POINTS, pose.ear[1]);
  return projectPoints(points, pose);
}

/**
 * 3D points in eye-corner distances (origin between the outer eye corners, x right, y down, z away from the
 * camera) turned about the head's centre and seen by a pinhole camera, plus noise.
 */
export function projectPoints(points: readonly (readonly [number, number, number])[], pose: Pick<Pose, 'yaw' | 'pitch' | 'centre' | 'eyeDistance' | 'noise'>): [number, number][] {
  return turnedPoints(points, pose.yaw, pose.pitch).map(([x, y]) => [
    pose.centre[0] + pose.eyeDistance * (x + pose.noise()),
    pose.centre[1] + pose.eyeDistance * (y + pose.noise()),
  ]);
}

/** A measured mesh's liveness landmarks (x, y px; z depth on the x scale) in the eye-corner frame projectPoints takes. */
export function meshInEyeFrame(mesh: readonly (readonly [number, number, number])[]): [number, number, number][] {
  const [a, b] = [mesh[33]!, mesh[263]!];
  const scale = Math.hypot(b[0] - a[0], b[1] - a[1]);
  const cos = (b[0] - a[0]) / scale;
  const sin = (b[1] - a[1]) / scale;
  const origin = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2] as const;
  return LANDMARK_MESH_INDICES.map((index) => {
    const [x, y, z] = mesh[index]!;
    const dx = x - origin[0];
    const dy = y - origin[1];
    return [(cos * dx + sin * dy) / scale, (-sin * dx + cos * dy) / scale, (z - origin[2]) / scale];
  });
}

/** Opens or closes an eye to an eye aspect ratio: the lids move towards the line between the corners. */
function setEyeOpenness(points: [number, number, number][], eye: readonly number[], ear: number | null): void {
  if (ear === null) return;
  const [c1, , , c2] = eye.map((i) => points[i]!);
  const width = Math.hypot(c2![0] - c1![0], c2![1] - c1![1]);
  const midY = (c1![1] + c2![1]) / 2;
  // Lids at ± ear × width / 2 about the corners' line gives (|p2−p6| + |p3−p5|) / (2·width) = ear.
  for (const [k, sign] of [[1, -1], [2, -1], [4, 1], [5, 1]] as const) points[eye[k]!]![1] = midY + (sign * ear * width) / 2;
}
