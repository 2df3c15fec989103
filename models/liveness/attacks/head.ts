/**
 * The bona-fide side of the attacks: a real-looking head turning or nodding, rendered through the same pinhole
 * camera, wall and sensor as the presentation attacks, so a pixel-based liveness check can be measured on both.
 *
 * The person's photo is lifted onto its own 468-point face mesh (Human's depth estimate), in metres (eye outer
 * corners 9 cm apart), extended outwards by a "skirt" of rings that curve back to behind the head's pivot (hair,
 * temples, neck; faded out at its rim), turned about a pivot behind the eyes, projected, z-buffered and texture-mapped
 * from the photo (see README.md, "Bona-fide head").
 *
 * Conventions (FaceObservation's): 'turn-left' = the person turns to THEIR left, the nose moves to the IMAGE RIGHT
 * (yaw > 0, camera.ts rotationYaw(+)); 'nod' = chin down first (pitch < 0; rotationPitch(−) brings the forehead
 * nearer), then back.
 */
import { mulberry32 } from '../../../drivers/prng.ts';
import { XacminhError } from '../../../drivers/errors.ts';
import { pinholeCamera, poseRotation, type PinholeCamera, type PlanePose } from './camera.ts';
import { TriangleRaster, type ScreenVertices } from './raster.ts';
import { between, outAndBack, wobble, type Wobble } from './motion.ts';
import { floatFrame, indoorBackground, textureFromImage, EMPTY_RECT, type FloatFrame, type Texture } from './render.ts';
import { defocus, expose, type SensorSettings } from './sensor.ts';
import type { AttackFrame, RgbImage } from './spec.ts';

export type HeadMove = 'turn-left' | 'turn-right' | 'nod' | 'still';
export const HEAD_MOVES: readonly HeadMove[] = ['turn-left', 'turn-right', 'nod', 'still'];

export interface HeadSpec {
  /** The person's photo (LFW 250×250 typical). */
  face: RgbImage;
  /** Its 468-point face mesh: x, y px in the photo, z depth in px on x's scale, smaller z = nearer the camera (Human's). */
  mesh: readonly (readonly [number, number, number])[];
  /** The mesh's triangulation: flat vertex index triples (FaceEngine.faceTriangulation). */
  triangles: readonly number[];
  move: HeadMove;
  seed: number;
  fps?: number;
  durationMs?: number;
  width?: number;
  height?: number;
  /** Peak rotation, degrees, unsigned (the move gives the sign); default seeded 20–40 for turns, 15–30 for nods. */
  peakDegrees?: number;
}

/** Outer eye corners (mesh 33, 263) of an adult: ≈ 9 cm apart. Sets the head's size in metres. */
export const EYE_CORNER_M = 0.09;
/**
 * Human's face box height over the mesh's projected height (forehead to chin) on rendered heads: 1.32–1.90, mean
 * 1.65 (3 lfw-dev people × 2 seeds; on the raw LFW photos it is 1.29–1.44: the skirt's hair and neck enlarge the box).
 * Used to place the head at the distance that gives the seeded face box.
 */
export const BOX_PER_MESH_HEIGHT = 1.65;
/** The skirt: rings out to this multiple of the face oval's radius (from its centre), the last one faded out. */
const SKIRT_RINGS = 5;
const SKIRT_EXTENT = 0.6;
/** How far behind the pivot the skirt's rim lies (the head's sides and the neck curve back beyond the ears). */
const SKIRT_BEHIND_PIVOT_M = 0.03;

export type HeadAxis = 'none' | 'yaw' | 'pitch';


export interface HeadPlan {
  fps: number;
  durationMs: number;
  width: number;
  height: number;
  /** The face box height (Human's, px) the distance was chosen for. */
  targetBoxPx: number;
  /** Camera to the eye corners' midpoint at rest, metres (follows from the box: a head has its own size). */
  distanceM: number;
  /** The pivot (neck / head centre) behind the eye corners' midpoint, metres. */
  pivotBehindM: number;
  actionStartMs: number;
  actionMs: number;
  peakAtMs: number;
  axis: HeadAxis;
  /** Signed peak, degrees, in FaceObservation's convention (yaw > 0 = the person's left; pitch < 0 = chin down). */
  peakDeg: number;
  rest: PlanePose;
  swayMm: number;
  swayDeg: number;
  sway: Record<'x' | 'y' | 'z' | 'yaw' | 'pitch' | 'roll', Wobble[]>;
  sensor: SensorSettings;
}


/** A standing or seated person's head sway: slower than a hand's tremor (0.2–1.2 Hz), three seeded sinusoids. */
function swayTerms(random: () => number, amplitude: number): Wobble[] {
  return Array.from({ length: 3 }, () => ({ amp: (amplitude / 3) * between(random, 0.6, 1.4), hz: between(random, 0.2, 1.2), phase: random() * Math.PI * 2 }));
}


function validate(spec: HeadSpec): void {
  const { face, mesh, triangles } = spec;
  if (face.rgb.length !== face.width * face.height * 3) throw new XacminhError('INVALID_INPUT', 'head spec: the photo\'s RGB buffer does not match width × height × 3');
  if (mesh.length < 468) throw new XacminhError('INVALID_INPUT', `head spec: the mesh needs 468 points (got ${mesh.length})`);
  if (triangles.length === 0 || triangles.length % 3 !== 0 || triangles.some((i) => !(i >= 0 && i < 468 && Number.isInteger(i)))) {
    throw new XacminhError('INVALID_INPUT', 'head spec: triangles must be index triples into the mesh');
  }
  if (!HEAD_MOVES.includes(spec.move)) throw new XacminhError('INVALID_INPUT', `head spec: unknown move ${String(spec.move)}`);
  if (spec.peakDegrees !== undefined && !(spec.peakDegrees > 0 && spec.peakDegrees <= 60)) {
    throw new XacminhError('INVALID_INPUT', `head spec: peakDegrees must be in (0, 60] (got ${spec.peakDegrees})`);
  }
}

/** The eye corners' midpoint and the photo px → metres scale of the mesh (3-D distance: a slightly turned photo too). */
function meshScale(mesh: HeadSpec['mesh']): { origin: readonly [number, number, number]; metresPerPx: number } {
  const a = mesh[33]!;
  const b = mesh[263]!;
  const px = Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]);
  return { origin: [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2], metresPerPx: EYE_CORNER_M / px };
}

export function planHead(spec: HeadSpec): HeadPlan {
  validate(spec);
  const fps = spec.fps ?? 15;
  const durationMs = spec.durationMs ?? 3600;
  const width = spec.width ?? 1280;
  const height = spec.height ?? 720;
  if (!(fps > 0 && durationMs > 0 && width >= 16 && height >= 16)) {
    throw new XacminhError('INVALID_INPUT', `head spec: fps, durationMs must be > 0 and the frame at least 16×16 (got ${fps}, ${durationMs}, ${width}×${height})`);
  }
  const random = mulberry32(spec.seed ^ 0x4ead);
  const camera = pinholeCamera(width, height);
  const targetBoxPx = between(random, 210, 300) * (width / 1280);
  const { metresPerPx } = meshScale(spec.mesh);
  const ys = spec.mesh.slice(0, 468).map((p) => p[1]);
  const meshHeightM = (Math.max(...ys) - Math.min(...ys)) * metresPerPx;
  const distanceM = (camera.focalPx * BOX_PER_MESH_HEIGHT * meshHeightM) / targetBoxPx;
  const pivotBehindM = between(random, 0.09, 0.1);
  const actionStartMs = Math.round(between(random, 900, 1300));
  const actionMs = Math.round(between(random, 400, 1200));
  const turnDeg = between(random, 20, 40);
  const nodDeg = between(random, 15, 30);
  const axis: HeadAxis = spec.move === 'nod' ? 'pitch' : spec.move === 'still' ? 'none' : 'yaw';
  const magnitude = axis === 'none' ? 0 : spec.peakDegrees ?? (axis === 'yaw' ? turnDeg : nodDeg);
  const peakDeg = spec.move === 'turn-left' ? magnitude : -magnitude;
  const rest: PlanePose = {
    // Nobody sits exactly square to the camera; the photo's own pose comes on top.
    yawDeg: between(random, -2, 2),
    pitchDeg: between(random, -2, 2),
    rollDeg: between(random, -3, 3),
    x: between(random, -0.04, 0.04),
    y: between(random, -0.03, 0.02),
    z: distanceM,
  };
  const swayMm = between(random, 1, 4);
  const swayDeg = between(random, 0.3, 0.7); // three terms of ≤ 1.4/3 each: never beyond 1°
  const sway = {
    x: swayTerms(random, swayMm / 1000),
    y: swayTerms(random, swayMm / 1000),
    z: swayTerms(random, swayMm / 1000),
    yaw: swayTerms(random, swayDeg),
    pitch: swayTerms(random, swayDeg),
    roll: swayTerms(random, swayDeg),
  };
  const sensor: SensorSettings = {
    gain: between(random, 0.8, 1.12),
    offset: between(random, -6, 8),
    readSigma: between(random, 2, 4),
    shotGain: between(random, 0.02, 0.05),
    blurSide: between(random, 0.12, 0.25),
  };
  return {
    fps, durationMs, width, height, targetBoxPx, distanceM, pivotBehindM, actionStartMs, actionMs,
    peakAtMs: actionStartMs + actionMs / 2, axis, peakDeg: axis === 'none' ? 0 : peakDeg, rest, swayMm, swayDeg, sway, sensor,
  };
}

/** The head's pose at t ms: rotation about the pivot (degrees) and where the eye corners' midpoint sits unturned (m). */
export function headPoseAt(plan: HeadPlan, tMs: number, still = false): PlanePose {
  const p = plan.axis === 'none' ? 0 : outAndBack((tMs - plan.actionStartMs) / plan.actionMs);
  const k = still ? 0 : 1;
  const { rest, sway } = plan;
  return {
    yawDeg: rest.yawDeg + (plan.axis === 'yaw' ? p * plan.peakDeg : 0) + k * wobble(sway.yaw, tMs),
    pitchDeg: rest.pitchDeg + (plan.axis === 'pitch' ? p * plan.peakDeg : 0) + k * wobble(sway.pitch, tMs),
    rollDeg: rest.rollDeg + k * wobble(sway.roll, tMs),
    x: rest.x + k * wobble(sway.x, tMs),
    y: rest.y + k * wobble(sway.y, tMs),
    z: rest.z + k * wobble(sway.z, tMs),
  };
}

/** Boundary loops of a triangulated surface (edges used by one triangle), longest first. */
function boundaryLoops(triangles: readonly number[]): number[][] {
  const uses = new Map<number, number>();
  const key = (a: number, b: number): number => (a < b ? a * 65536 + b : b * 65536 + a);
  for (let t = 0; t < triangles.length; t += 3) {
    for (let e = 0; e < 3; e++) {
      const k = key(triangles[t + e]!, triangles[t + ((e + 1) % 3)]!);
      uses.set(k, (uses.get(k) ?? 0) + 1);
    }
  }
  const next = new Map<number, number[]>();
  for (const [k, n] of uses) {
    if (n !== 1) continue;
    const a = Math.floor(k / 65536);
    const b = k % 65536;
    next.set(a, [...(next.get(a) ?? []), b]);
    next.set(b, [...(next.get(b) ?? []), a]);
  }
  const seen = new Set<number>();
  const loops: number[][] = [];
  for (const start of next.keys()) {
    if (seen.has(start)) continue;
    const loop = [start];
    seen.add(start);
    for (let cur = start; ;) {
      const step = next.get(cur)!.find((n) => !seen.has(n));
      if (step === undefined) break;
      loop.push(step);
      seen.add(step);
      cur = step;
    }
    if (loop.length >= 3) loops.push(loop);
  }
  return loops.sort((a, b) => b.length - a.length);
}

/** The head's surface: texture coordinates, head-frame depth (m, + away from the camera), coverage, triangles. */
interface HeadSurface {
  u: Float64Array;
  v: Float64Array;
  depth: Float64Array;
  alpha: Float64Array;
  triangles: Uint32Array;
}

/**
 * The mesh, its inner holes (the lips' opening) filled by a fan from their centre, and the skirt: rings scaled
 * out from the face oval's centre, their depth curving from the oval's back to behind the pivot, the last faded out.
 */
function headSurface(spec: HeadSpec, backZPx: number): HeadSurface {
  const mesh = spec.mesh.slice(0, 468);
  const n = mesh.length;
  const loops = boundaryLoops(spec.triangles);
  const outer = loops[0] ?? [];
  const holes = loops.slice(1);
  const ringCount = outer.length ? SKIRT_RINGS : 0;
  const total = n + holes.length + ringCount * outer.length;
  const u = new Float64Array(total);
  const v = new Float64Array(total);
  const depth = new Float64Array(total);
  const alpha = new Float64Array(total).fill(1);
  mesh.forEach(([x, y, z], i) => {
    u[i] = x;
    v[i] = y;
    depth[i] = z;
  });
  const tris: number[] = [...spec.triangles];
  let next = n;
  for (const hole of holes) {
    const c = next++;
    for (const i of hole) {
      u[c]! += u[i]! / hole.length;
      v[c]! += v[i]! / hole.length;
      depth[c]! += depth[i]! / hole.length;
    }
    hole.forEach((a, k) => tris.push(a, hole[(k + 1) % hole.length]!, c));
  }
  const cu = outer.reduce((s, i) => s + u[i]!, 0) / (outer.length || 1);
  const cv = outer.reduce((s, i) => s + v[i]!, 0) / (outer.length || 1);
  let inner = outer.slice();
  for (let r = 1; r <= ringCount; r++) {
    const t = r / ringCount;
    const scale = 1 + SKIRT_EXTENT * t;
    const ring = outer.map((i) => {
      const k = next++;
      // Clamped to the photo: the texture ends there (the geometry follows the clamped point).
      u[k] = Math.min(spec.face.width, Math.max(0, cu + (u[i]! - cu) * scale));
      v[k] = Math.min(spec.face.height, Math.max(0, cv + (v[i]! - cv) * scale));
      depth[k] = depth[i]! + (backZPx - depth[i]!) * (1 - (1 - t) ** 2);
      alpha[k] = r === ringCount ? 0 : 1;
      return k;
    });
    ring.forEach((a, k) => {
      const b = ring[(k + 1) % ring.length]!;
      const ia = inner[k]!;
      const ib = inner[(k + 1) % inner.length]!;
      tris.push(ib, ia, a, ib, a, b);
    });
    inner = ring;
  }
  return { u, v, depth, alpha, triangles: Uint32Array.from(tris) };
}

export interface HeadRenderOptions {
  /** Tests only: no sway. */
  still?: boolean;
}

export class HeadRenderer {
  readonly plan: HeadPlan;
  readonly camera: PinholeCamera;
  readonly frameCount: number;
  private readonly frame: FloatFrame;
  private readonly background: Float32Array;
  private readonly texture: Texture;
  private readonly raster: TriangleRaster;
  private readonly surface: HeadSurface;
  /** Head frame (m; origin the eye corners' midpoint, x right, y down, z away), per vertex. */
  private readonly local: Float64Array;
  private readonly screen: ScreenVertices;

  constructor(private readonly spec: HeadSpec, private readonly options: HeadRenderOptions = {}) {
    this.plan = planHead(spec);
    const { width, height, distanceM, pivotBehindM } = this.plan;
    this.camera = pinholeCamera(width, height);
    this.frameCount = Math.floor((this.plan.durationMs * this.plan.fps) / 1000);
    this.frame = floatFrame(width, height);
    this.background = indoorBackground(width, height, mulberry32(spec.seed ^ 0xbac6));
    this.texture = textureFromImage(spec.face);
    this.raster = new TriangleRaster(width, height);
    const { origin, metresPerPx } = meshScale(spec.mesh);
    this.surface = headSurface(spec, origin[2] + (pivotBehindM + SKIRT_BEHIND_PIVOT_M) / metresPerPx);
    const count = this.surface.u.length;
    this.local = new Float64Array(count * 3);
    for (let i = 0; i < count; i++) {
      const z = (this.surface.depth[i]! - origin[2]) * metresPerPx;
      // Lifted along the rest camera's rays (weak perspective about the eyes): unturned, the head projects onto the photo exactly.
      const lift = 1 + z / distanceM;
      this.local[i * 3] = (this.surface.u[i]! - origin[0]) * metresPerPx * lift;
      this.local[i * 3 + 1] = (this.surface.v[i]! - origin[1]) * metresPerPx * lift;
      this.local[i * 3 + 2] = z;
    }
    const buffer = (): Float64Array => new Float64Array(count);
    this.screen = { x: buffer(), y: buffer(), z: buffer(), u: this.surface.u, v: this.surface.v, a: this.surface.alpha };
  }

  timeOf(index: number): number {
    return (index * 1000) / this.plan.fps;
  }

  poseAt(tMs: number): PlanePose {
    return headPoseAt(this.plan, tMs, this.options.still);
  }

  render(index: number): AttackFrame {
    const t = this.timeOf(index);
    return this.renderPose(this.poseAt(t), t, index);
  }

  /** One frame of the head at `pose` (the sequence's pose at t, or any other: tests). */
  renderPose(pose: PlanePose, t: number, index: number): AttackFrame {
    this.frame.data.set(this.background);
    this.project(pose);
    const edges = this.raster.draw(this.screen, this.surface.triangles);
    this.raster.resolve(this.frame, this.texture);
    if (edges !== EMPTY_RECT) defocus(this.frame, edges, this.plan.sensor.blurSide);
    const noiseSeed = Math.imul(this.spec.seed ^ 0x51ed270b, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
    return { rgb: expose(this.frame, this.plan.sensor, noiseSeed), width: this.plan.width, height: this.plan.height, t };
  }

  /** A mesh point's image position (px) and camera depth (m) at `pose`. */
  projectMeshPoint(index: number, pose: PlanePose): [number, number, number] {
    this.project(pose);
    return [this.screen.x[index]!, this.screen.y[index]!, this.screen.z[index]!];
  }

  /** The depth (m) of the surface drawn at a pixel by the last render; Infinity where the wall shows. */
  depthAt(x: number, y: number): number {
    return this.raster.depthAt(x, y);
  }

  /** Camera point = R·(p − pivot) + pivot + (x, y, z): turned about the pivot, the eye corners' midpoint placed at (x, y, z) unturned. */
  private project(pose: PlanePose): void {
    const r = poseRotation(pose);
    const pz = this.plan.pivotBehindM;
    const { focalPx: f, cx, cy } = this.camera;
    const { x: X, y: Y, z: Z } = this.screen;
    const l = this.local;
    for (let i = 0; i < X.length; i++) {
      const lx = l[i * 3]!;
      const ly = l[i * 3 + 1]!;
      const lz = l[i * 3 + 2]! - pz;
      const x = r[0] * lx + r[1] * ly + r[2] * lz + pose.x;
      const y = r[3] * lx + r[4] * ly + r[5] * lz + pose.y;
      const z = r[6] * lx + r[7] * ly + r[8] * lz + pz + pose.z;
      X[i] = cx + (f * x) / z;
      Y[i] = cy + (f * y) / z;
      Z[i] = z;
    }
  }
}

/** Lazily renders the sequence, one frame per call. Deterministic for a seed. */
export function* renderHeadMotion(spec: HeadSpec): Generator<AttackFrame> {
  const renderer = new HeadRenderer(spec);
  for (let i = 0; i < renderer.frameCount; i++) yield renderer.render(i);
}

const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;

/** For reports: the seeded parameters (degrees, ms, cm). */
export function describeHeadMotion(spec: HeadSpec): Record<string, number | string> {
  const plan = planHead(spec);
  return {
    move: spec.move,
    seed: spec.seed,
    fps: plan.fps,
    durationMs: plan.durationMs,
    frames: Math.floor((plan.durationMs * plan.fps) / 1000),
    actionStartMs: plan.actionStartMs,
    actionMs: plan.actionMs,
    peakAtMs: round(plan.peakAtMs, 1),
    axis: plan.axis,
    peakDeg: round(plan.peakDeg),
    poseConvention: 'FaceObservation\'s: yaw>0 the person turns to THEIR left (nose to the image right); pitch>0 looking up, a nod goes chin down (pitch<0) first',
    distanceCm: round(plan.distanceM * 100, 1),
    targetFaceBoxPx: Math.round(plan.targetBoxPx),
    pivotBehindEyesCm: round(plan.pivotBehindM * 100),
    restYawDeg: round(plan.rest.yawDeg),
    restPitchDeg: round(plan.rest.pitchDeg),
    restRollDeg: round(plan.rest.rollDeg),
    restXCm: round(plan.rest.x * 100),
    restYCm: round(plan.rest.y * 100),
    swayMm: round(plan.swayMm),
    swayDeg: round(plan.swayDeg),
    lightGain: round(plan.sensor.gain, 3),
    lightOffset: round(plan.sensor.offset),
    noiseSigma: round(plan.sensor.readSigma),
  };
}
