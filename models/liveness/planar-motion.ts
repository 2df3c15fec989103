/**
 * Is a head movement three-dimensional? The landmarks of a flat picture (a print, a phone or monitor screen, a
 * face cut from a print) seen by a pinhole camera move, whatever the picture's pose, as ONE homography of their
 * positions in another frame; a head turning or nodding does not: the nose tip, standing in front of the eye
 * corners and the cheeks, moves across them (parallax). So we fit a homography from the landmarks before the
 * challenge to those during it and look at what it cannot explain. A print bent along the nose line is two
 * planes: a second fit, one homography per half of the face, closes that door too.
 *
 * What the homography leaves is not all depth: the mesh's own errors leave some too, and on a tilted print they
 * are as large as a head's parallax (bench/liveness-attacks: RMS 0.01–0.07 eye-corner distances either way). So the
 * decision does not rest on the size of what is left but on its SHAPE: it is projected on the residual a head of
 * the mean face's depth (mean-face.json) would leave for the same change of pose. `parallax` ≈ 1 for a head, ≈ 0
 * for a plane (and `foldParallax` the same after one homography per half). The threshold is operating-point.ts's
 * parallaxMin, measured on both sides in bench/liveness-attacks.ts.
 */
import { readFileSync } from 'node:fs';
import { MESH } from '../face-geometry.ts';

export type Point2 = readonly [number, number];
/** 3×3 row-major. */
export type Homography = Float64Array;

/**
 * The face-mesh points the motion check follows: points that stay put on the skull (no eyelids, no lips),
 * spread over depth — the nose line in front, eye corners and brows in the middle, the face outline behind.
 * Then the two eyes' six points each (MESH.rightEye, MESH.leftEye), which only the blink check reads.
 */
const MIDLINE = [10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1, 2, 164, 199, 175, 152] as const;
/** Pairs (person's right side on the image left, person's left side), so each half of a fold is a clear set. */
const SIDES: readonly (readonly [number, number])[] = [
  [33, 263], // eye outer corners
  [133, 362], // eye inner corners
  [70, 300], // brows
  [105, 334],
  [107, 336],
  [98, 327], // nose wings
  [129, 358],
  [48, 278],
  [50, 280], // cheeks
  [116, 345],
  [123, 352],
  [61, 291], // mouth corners (they move with a smile, not with a plane)
  [127, 356], // face outline, temple to jaw
  [234, 454],
  [93, 323],
  [132, 361],
  [58, 288],
  [172, 397],
  [136, 365],
  [150, 379],
  [149, 378],
  [176, 400],
  [148, 377],
  [103, 332], // forehead outline
  [67, 297],
  [109, 338],
];

export const MOTION_MESH_POINTS: readonly number[] = Object.freeze([...MIDLINE, ...SIDES.map((p) => p[0]), ...SIDES.map((p) => p[1])]);
/** Per rigid point: 0 on the nose line, -1 the person's right half, +1 their left half. */
export const MOTION_POINT_SIDE: readonly number[] = Object.freeze([...MIDLINE.map(() => 0), ...SIDES.map(() => -1), ...SIDES.map(() => 1)]);
export const RIGID_POINTS = MOTION_MESH_POINTS.length;
/** Indices into an observation's landmarks of the eye points, in eyeAspectRatio's order. */
export const RIGHT_EYE_POINTS: readonly number[] = Object.freeze(MESH.rightEye.map((_, i) => RIGID_POINTS + i));
export const LEFT_EYE_POINTS: readonly number[] = Object.freeze(MESH.leftEye.map((_, i) => RIGID_POINTS + MESH.rightEye.length + i));
/** Mesh indices of FaceObservation.landmarks, in order: the rigid points, then the two eyes. */
export const LANDMARK_MESH_INDICES: readonly number[] = Object.freeze([...MOTION_MESH_POINTS, ...MESH.rightEye, ...MESH.leftEye]);
/** Positions in LANDMARK_MESH_INDICES of the eye corners (to scale residuals by the eye-corner distance). */
const OUTER_CORNERS = [MOTION_MESH_POINTS.indexOf(33), MOTION_MESH_POINTS.indexOf(263)] as const;

/** The mean face (bench/mean-face.ts): the landmarks in eye-corner distances, x right, y down, z away from the camera. */
interface MeanFace {
  meshIndices: number[];
  points: [number, number, number][];
}

let meanFace: MeanFace | undefined;

export function loadMeanFace(): MeanFace {
  meanFace ??= JSON.parse(readFileSync(new URL('./mean-face.json', import.meta.url), 'utf8')) as MeanFace;
  if (meanFace.meshIndices.join() !== LANDMARK_MESH_INDICES.join()) throw new Error('models/liveness/mean-face.json is for other landmarks: remake it with bench/mean-face.ts');
  return meanFace;
}

/** Head centre behind the eye corners, and the camera's distance, in eye-corner distances (≈ 9 cm, 45 cm). */
export const PIVOT_DEPTH = 1.0;
export const CAMERA_DISTANCE = 5;

/**
 * 3D points in eye-corner distances turned about the head's centre (yaw > 0 brings the nose to the image right,
 * the person's left; pitch > 0 up) and seen by a pinhole camera at CAMERA_DISTANCE; in eye-corner distances of
 * the frontal face, about the eye corners' midpoint.
 */
export function turnedPoints(points: readonly (readonly [number, number, number])[], yawDeg: number, pitchDeg: number): [number, number][] {
  const y = (yawDeg * Math.PI) / 180;
  const p = (pitchDeg * Math.PI) / 180;
  return points.map(([x0, y0, z0]) => {
    const z1 = z0 - PIVOT_DEPTH;
    const x = x0 * Math.cos(y) - z1 * Math.sin(y);
    const z2 = x0 * Math.sin(y) + z1 * Math.cos(y);
    const yy = y0 * Math.cos(p) + z2 * Math.sin(p);
    const z = -y0 * Math.sin(p) + z2 * Math.cos(p) + PIVOT_DEPTH + CAMERA_DISTANCE;
    const k = CAMERA_DISTANCE / z;
    return [k * x, k * yy];
  });
}

export interface PlanarFit {
  /** RMS transfer error of one homography over the rigid points, in eye-corner distances of the reference. */
  onePlane: number;
  /** The same with one homography per half of the face (the nose line in both): a print folded along it. */
  twoPlanes: number;
}

/** The residual vectors one homography, and one per half, leave; keyed by half and point. */
interface ResidualFields {
  one: Map<number, [number, number]>;
  two: Map<string, [number, number]>;
  oneSse: number;
  twoSse: number;
  oneCount: number;
  twoCount: number;
}

const ALL_RIGID = Array.from({ length: RIGID_POINTS }, (_, i) => i);
const RIGHT_HALF = ALL_RIGID.filter((i) => MOTION_POINT_SIDE[i]! <= 0);
const LEFT_HALF = ALL_RIGID.filter((i) => MOTION_POINT_SIDE[i]! >= 0);

/** A point's position, or null where it was not measured (a tracked point lost on the way). */
export type MaybePoint2 = Point2 | null;
/**
 * Fewest points a half-face fit may rest on: a homography has 8 degrees of freedom, so a half with few points
 * is fitted nearly exactly whatever moved it (a head's half with 8 followed points read as flat on a rendered head).
 */
const MIN_FIT_POINTS = 12;
/**
 * … of which at least this many off the nose line: the nose line is in both halves, and on it alone (nearly
 * collinear points) the fit and a head's expected field are both noise. Not more: a head turning fast loses most of
 * its far side's points at once (rendered heads: with 8, 11 of 62 turns were left unmeasured; with 4, 4; without the rule, 3).
 */
const MIN_SIDE_POINTS = 4;
/**
 * The points left must be able to show a head's depth: the field a head would leave on them at least this share
 * of the field it leaves on all of them (RMS per point); otherwise what they show is noise over noise.
 */
const MIN_EXPECTED_SHARE = 0.5;

function residualFields(reference: readonly MaybePoint2[], current: readonly MaybePoint2[], valid: readonly number[]): ResidualFields | null {
  const inBoth = new Set(valid);
  const right = RIGHT_HALF.filter((i) => inBoth.has(i));
  const left = LEFT_HALF.filter((i) => inBoth.has(i));
  const offLine = (half: readonly number[]) => half.filter((i) => MOTION_POINT_SIDE[i] !== 0).length;
  if (right.length < MIN_FIT_POINTS || left.length < MIN_FIT_POINTS || offLine(right) < MIN_SIDE_POINTS || offLine(left) < MIN_SIDE_POINTS) return null;
  const oneFit = residualOf(reference, current, valid);
  const rightFit = residualOf(reference, current, right);
  const leftFit = residualOf(reference, current, left);
  if (!oneFit || !rightFit || !leftFit) return null;
  const two = new Map<string, [number, number]>();
  for (const [i, v] of rightFit.vectors) two.set(`r${i}`, v);
  for (const [i, v] of leftFit.vectors) two.set(`l${i}`, v);
  return { one: oneFit.vectors, two, oneSse: oneFit.sse, twoSse: rightFit.sse + leftFit.sse, oneCount: valid.length, twoCount: right.length + left.length };
}

/** The reference face's eye-corner distance and the angle of that line (roll), or null. */
function frameOf(reference: readonly Point2[]): { scale: number; roll: number } | null {
  const [a, b] = [reference[OUTER_CORNERS[0]]!, reference[OUTER_CORNERS[1]]!];
  const scale = Math.hypot(b[0] - a[0], b[1] - a[1]);
  return scale > 1 ? { scale, roll: Math.atan2(b[1] - a[1], b[0] - a[0]) } : null;
}

const hasRigid = (points: readonly Point2[] | undefined): points is readonly Point2[] => points !== undefined && points.length >= RIGID_POINTS;

/**
 * How far the rigid landmarks' motion from `reference` to `current` is from what a flat (or folded) picture
 * would show, as RMS residuals. null when either frame lacks the landmarks or a fit is degenerate.
 */
export function planarFit(reference: readonly Point2[] | undefined, current: readonly MaybePoint2[] | undefined): PlanarFit | null {
  return measured(reference, current)?.fit ?? null;
}

/** The residual fields between two frames' rigid landmarks, once, with the reference's frame and the RMS fit. */
function measured(
  reference: readonly Point2[] | undefined,
  current: readonly MaybePoint2[] | undefined,
): { frame: { scale: number; roll: number }; fields: ResidualFields; fit: PlanarFit; valid: number[] } | null {
  if (!hasRigid(reference) || !current || current.length < RIGID_POINTS) return null;
  const valid = ALL_RIGID.filter((i) => current[i] !== null && current[i] !== undefined);
  const frame = frameOf(reference);
  const fields = frame && residualFields(reference, current, valid);
  if (!frame || !fields) return null;
  const fit = { onePlane: Math.sqrt(fields.oneSse / fields.oneCount) / frame.scale, twoPlanes: Math.sqrt(fields.twoSse / fields.twoCount) / frame.scale };
  return { frame, fields, fit, valid };
}

export interface DepthEvidence extends PlanarFit {
  /** The one-homography residual projected on a mean-depth head's for the same pose change: ≈ 1 a head, ≈ 0 a plane. */
  parallax: number;
  /** The same after one homography per half of the face: ≈ 0 for a print folded along the nose line. */
  foldParallax: number;
}

/**
 * Depth evidence for a change of pose (degrees, as the pose estimate measured it: current − reference) between
 * two frames' landmarks. null without landmarks, for a degenerate fit, or for a change too small to show depth.
 */
export function depthEvidence(
  reference: readonly Point2[] | undefined,
  current: readonly MaybePoint2[] | undefined,
  change: { yaw: number; pitch: number },
): DepthEvidence | null {
  const m = measured(reference, current);
  if (!m) return null;
  const { frame, fields: observed, fit, valid } = m;
  const expected = expectedFields(change.yaw, change.pitch, valid);
  if (!expected) return null;
  if (valid.length < RIGID_POINTS) {
    const all = expectedFields(change.yaw, change.pitch, ALL_RIGID)!;
    const rms = (sse: number, count: number) => Math.sqrt(sse / count);
    const share = Math.min(rms(expected.oneSse, expected.oneCount) / rms(all.oneSse, all.oneCount), rms(expected.twoSse, expected.twoCount) / rms(all.twoSse, all.twoCount));
    if (!(share >= MIN_EXPECTED_SHARE)) return null;
  }
  const [cos, sin] = [Math.cos(frame.roll), Math.sin(frame.roll)];
  // The expected field is for level eyes and a unit eye distance: turned by the face's roll, observed scaled to it.
  const project = <K>(obs: Map<K, [number, number]>, exp: Map<K, [number, number]>): number => {
    let dot = 0;
    let norm = 0;
    for (const [key, [ex, ey]] of exp) {
      const o = obs.get(key);
      if (!o) continue;
      const [rx, ry] = [cos * ex - sin * ey, sin * ex + cos * ey];
      dot += (o[0] / frame.scale) * rx + (o[1] / frame.scale) * ry;
      norm += rx * rx + ry * ry;
    }
    return norm > 0 ? dot / norm : 0;
  };
  return { ...fit, parallax: project(observed.one, expected.one), foldParallax: project(observed.two, expected.two) };
}

/** The residual fields the mean face leaves for a pose change (null when it is too small to leave any). */
function expectedFields(yaw: number, pitch: number, valid: readonly number[]): ResidualFields | null {
  if (!(Math.hypot(yaw, pitch) >= 1)) return null;
  const face = loadMeanFace();
  const rigid = face.points.slice(0, RIGID_POINTS);
  return residualFields(turnedPoints(rigid, 0, 0), turnedPoints(rigid, yaw, pitch), valid);
}

/**
 * The eye aspect ratio of `current`'s eyes after undoing the picture's own motion: the eye points are mapped
 * back into the reference frame by the homography the rigid points fit. A print flicked about a horizontal axis
 * squashes the whole face, eyes included, and the homography undoes it; a real blink moves the eyelids alone and
 * stays. Returns the larger of the two eyes (as eyeOpenness: a blink needs both closed), or null.
 */
export function rectifiedEyeOpenness(reference: readonly Point2[] | undefined, current: readonly Point2[] | undefined): number | null {
  if (!reference || !current || current.length < LEFT_EYE_POINTS[LEFT_EYE_POINTS.length - 1]! + 1) return null;
  const h = fitHomography(
    ALL_RIGID.map((i) => current[i]!),
    ALL_RIGID.map((i) => reference[i]!),
  );
  if (!h) return null;
  const ear = (eye: readonly number[]): number => {
    const p = eye.map((i) => apply(h, current[i]!));
    const d = (a: Point2, b: Point2) => Math.hypot(a[0] - b[0], a[1] - b[1]);
    const width = d(p[0]!, p[3]!);
    return width > 0 ? (d(p[1]!, p[5]!) + d(p[2]!, p[4]!)) / (2 * width) : 0;
  };
  return Math.max(ear(RIGHT_EYE_POINTS), ear(LEFT_EYE_POINTS));
}

/** What one homography over `indices` leaves unexplained: the sum of squares, and per point its vector (dst − fit). */
/**
 * How much the face's outline changed shape, not just size or angle, from `reference` to `current`: the ratio
 * of the smaller to the larger singular value of the least-squares affine map between their rigid points
 * (1 = the same shape; a print tilted by θ about an axis shows about cos θ). null without landmarks.
 */
export function shapeRatio(reference: readonly Point2[] | undefined, current: readonly Point2[] | undefined): number | null {
  if (!hasRigid(reference) || !hasRigid(current)) return null;
  const centre = (points: readonly Point2[]): [number, number] => {
    let x = 0;
    let y = 0;
    for (const i of ALL_RIGID) [x, y] = [x + points[i]![0], y + points[i]![1]];
    return [x / RIGID_POINTS, y / RIGID_POINTS];
  };
  const [rx, ry] = centre(reference);
  const [cx, cy] = centre(current);
  // A = (Σ d sᵀ)(Σ s sᵀ)⁻¹ over the centred points s (reference) and d (current).
  let [sxx, sxy, syy, dxsx, dxsy, dysx, dysy] = [0, 0, 0, 0, 0, 0, 0];
  for (const i of ALL_RIGID) {
    const [sx, sy] = [reference[i]![0] - rx, reference[i]![1] - ry];
    const [dx, dy] = [current[i]![0] - cx, current[i]![1] - cy];
    [sxx, sxy, syy] = [sxx + sx * sx, sxy + sx * sy, syy + sy * sy];
    [dxsx, dxsy, dysx, dysy] = [dxsx + dx * sx, dxsy + dx * sy, dysx + dy * sx, dysy + dy * sy];
  }
  const det = sxx * syy - sxy * sxy;
  if (!(Math.abs(det) > 1e-9)) return null;
  const [i11, i12, i22] = [syy / det, -sxy / det, sxx / det];
  const [a, b, c, d] = [dxsx * i11 + dxsy * i12, dxsx * i12 + dxsy * i22, dysx * i11 + dysy * i12, dysx * i12 + dysy * i22];
  // Singular values of [[a, b], [c, d]] from its Frobenius norm and determinant.
  const f = a * a + b * b + c * c + d * d;
  const g = Math.abs(a * d - b * c);
  const root = Math.sqrt(Math.max(0, f * f - 4 * g * g));
  const large = Math.sqrt((f + root) / 2);
  const small = Math.sqrt(Math.max(0, (f - root) / 2));
  return large > 0 ? small / large : null;
}

function residualOf(reference: readonly MaybePoint2[], current: readonly MaybePoint2[], indices: readonly number[]): { sse: number; vectors: Map<number, [number, number]> } | null {
  const src = indices.map((i) => reference[i]!);
  const dst = indices.map((i) => current[i]!);
  const h = fitHomography(src, dst);
  if (!h) return null;
  let sse = 0;
  const vectors = new Map<number, [number, number]>();
  indices.forEach((index, k) => {
    const [x, y] = apply(h, src[k]!);
    const v: [number, number] = [dst[k]![0] - x, dst[k]![1] - y];
    vectors.set(index, v);
    sse += v[0] ** 2 + v[1] ** 2;
  });
  return Number.isFinite(sse) ? { sse, vectors } : null;
}

export function apply(h: Homography, [x, y]: Point2): [number, number] {
  const w = h[6]! * x + h[7]! * y + h[8]!;
  return [(h[0]! * x + h[1]! * y + h[2]!) / w, (h[3]! * x + h[4]! * y + h[5]!) / w];
}

/**
 * Least-squares homography src → dst (direct linear transform with Hartley's normalisation; the null vector of
 * AᵀA by Jacobi eigen-decomposition). null for fewer than 4 points or a degenerate set.
 */
export function fitHomography(src: readonly Point2[], dst: readonly Point2[]): Homography | null {
  if (src.length < 4 || src.length !== dst.length) return null;
  const ns = normaliser(src);
  const nd = normaliser(dst);
  if (!ns || !nd) return null;
  const ata = new Float64Array(81);
  const row = new Float64Array(9);
  const accumulate = () => {
    for (let i = 0; i < 9; i++) for (let j = i; j < 9; j++) ata[i * 9 + j]! += row[i]! * row[j]!;
  };
  for (let k = 0; k < src.length; k++) {
    const [x, y] = ns.map(src[k]!);
    const [u, v] = nd.map(dst[k]!);
    row.set([-x, -y, -1, 0, 0, 0, u * x, u * y, u]);
    accumulate();
    row.set([0, 0, 0, -x, -y, -1, v * x, v * y, v]);
    accumulate();
  }
  for (let i = 0; i < 9; i++) for (let j = 0; j < i; j++) ata[i * 9 + j] = ata[j * 9 + i]!;
  const hn = smallestEigenvector(ata, 9);
  // h = Nd⁻¹ · Hn · Ns
  const h = multiply(multiply(nd.inverse, hn), ns.matrix);
  if (!h.every(Number.isFinite) || Math.abs(h[8]!) < 1e-12) return null;
  for (let i = 0; i < 9; i++) h[i]! /= h[8]!;
  return h;
}

/** Hartley: centre the points and scale their mean distance to √2. */
function normaliser(points: readonly Point2[]): { map: (p: Point2) => [number, number]; matrix: Homography; inverse: Homography } | null {
  let cx = 0;
  let cy = 0;
  for (const [x, y] of points) {
    cx += x;
    cy += y;
  }
  cx /= points.length;
  cy /= points.length;
  let spread = 0;
  for (const [x, y] of points) spread += Math.hypot(x - cx, y - cy);
  spread /= points.length;
  if (!(spread > 1e-9)) return null;
  const s = Math.SQRT2 / spread;
  return {
    map: ([x, y]) => [(x - cx) * s, (y - cy) * s],
    matrix: Float64Array.from([s, 0, -s * cx, 0, s, -s * cy, 0, 0, 1]),
    inverse: Float64Array.from([1 / s, 0, cx, 0, 1 / s, cy, 0, 0, 1]),
  };
}

function multiply(a: Homography, b: Homography): Homography {
  const out = new Float64Array(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out[i * 3 + j] = a[i * 3]! * b[j]! + a[i * 3 + 1]! * b[3 + j]! + a[i * 3 + 2]! * b[6 + j]!;
  return out;
}

/** Cyclic Jacobi on a symmetric n×n matrix (row-major); the eigenvector of the smallest eigenvalue. */
function smallestEigenvector(matrix: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < n; i++) if (a[i * n + i]! < a[best * n + best]!) best = i;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = v[i * n + best]!;
  return out;
}
