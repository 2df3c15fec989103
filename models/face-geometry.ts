/**
 * Pure pixel and landmark maths on packed RGB: the crop measures (sharpness, brightness), the eye aspect
 * ratio from the 468-point face mesh, and the aligned chip the recognition net is fed. No tensors here.
 */
import type { FaceBox } from './types.ts';

export interface RgbImage {
  rgb: Uint8Array;
  width: number;
  height: number;
}

export type Point = readonly [number, number, number?];

/** Mesh indices (MediaPipe FaceMesh) — person's right eye is on the image left for a camera facing them. */
export const MESH = {
  rightEye: [33, 160, 158, 133, 153, 144],
  leftEye: [362, 385, 387, 263, 373, 380],
  chin: 152,
  browsUpper: [70, 63, 105, 66, 107, 336, 296, 334, 293, 300],
  /** Face outline from temple to temple through the chin (the part of the silhouette a 68-point jaw covers). */
  jaw: [127, 234, 93, 132, 58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397, 288, 361, 323, 454, 356],
} as const;

const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);

/** Eye aspect ratio (Soukupová & Čech): ≈0.25–0.35 open, < 0.15 closed. */
export function eyeAspectRatio(mesh: readonly Point[], eye: readonly number[]): number | null {
  const p = eye.map((i) => mesh[i]);
  if (p.some((q) => !q)) return null;
  const [p1, p2, p3, p4, p5, p6] = p as Point[];
  const width = dist(p1!, p4!);
  return width > 0 ? (dist(p2!, p6!) + dist(p3!, p5!)) / (2 * width) : null;
}

const CROP = 128;

/**
 * Grey face crop resampled (area average) to 128×128, so sharpness compares across face sizes: the variance
 * of its 4-neighbour Laplacian, and its mean luma (BT.601).
 */
export function cropStats(image: RgbImage, box: FaceBox): { sharpness: number; brightness: number } {
  const grey = new Float32Array(CROP * CROP);
  const x0 = Math.max(0, box.x);
  const y0 = Math.max(0, box.y);
  const x1 = Math.min(image.width, box.x + box.width);
  const y1 = Math.min(image.height, box.y + box.height);
  if (x1 - x0 < 2 || y1 - y0 < 2) return { sharpness: 0, brightness: 0 };
  const sx = (x1 - x0) / CROP;
  const sy = (y1 - y0) / CROP;
  let sum = 0;
  for (let v = 0; v < CROP; v++) {
    const ya = Math.floor(y0 + v * sy);
    const yb = Math.max(ya + 1, Math.floor(y0 + (v + 1) * sy));
    for (let u = 0; u < CROP; u++) {
      const xa = Math.floor(x0 + u * sx);
      const xb = Math.max(xa + 1, Math.floor(x0 + (u + 1) * sx));
      let acc = 0;
      let n = 0;
      for (let y = ya; y < yb; y++) {
        for (let x = xa; x < xb; x++) {
          const i = (y * image.width + x) * 3;
          acc += 0.299 * image.rgb[i]! + 0.587 * image.rgb[i + 1]! + 0.114 * image.rgb[i + 2]!;
          n++;
        }
      }
      grey[v * CROP + u] = acc / n;
      sum += acc / n;
    }
  }
  let lsum = 0;
  let lsq = 0;
  const count = (CROP - 2) * (CROP - 2);
  for (let v = 1; v < CROP - 1; v++) {
    for (let u = 1; u < CROP - 1; u++) {
      const i = v * CROP + u;
      const lap = grey[i - 1]! + grey[i + 1]! + grey[i - CROP]! + grey[i + CROP]! - 4 * grey[i]!;
      lsum += lap;
      lsq += lap * lap;
    }
  }
  const mean = lsum / count;
  return { sharpness: lsq / count - mean * mean, brightness: sum / (CROP * CROP) };
}

/**
 * The recognition chip. Default (DEFAULT_CHIP_GEOMETRY): the embedding model's canonical crop — the landmarks
 * from the 468-point mesh mapped by a least-squares similarity transform onto dlib's template (canonicalChip):
 * on lfw-dev this took TAR at FAR 0.1 % on held-out identities from 46.7 % (mesh box) to 94.7 %, 96.3 % with
 * the mirror average (bench/face-accuracy.ts, bench/RESULTS.md). The older geometry is kept for comparison:
 * the box a 68-point landmark set would span (brows to chin, temple to temple) scaled by `scale`, squared,
 * rotated so the eyes are level. Without a mesh: the detector box, unrotated.
 */
export type ChipGeometry =
  | { kind: 'canonical'; padding: number; points: CanonicalPoints }
  | {
      kind: 'mesh-box';
      /** Side of the square chip as a multiple of the landmark box's larger side. */
      scale: number;
      /** Shift of the chip centre, as a fraction of the side (positive = down). */
      shiftY: number;
      /** Level the eyes. */
      rotate: boolean;
    };

export const DEFAULT_CHIP_GEOMETRY: ChipGeometry = { kind: 'canonical', padding: 0.25, points: 'dlib68' };
// Measured on lfw-dev (EER): scale 1.0 → 12 %, 1.2 → 5.7 %, 1.4 → 4.7 %, 1.4 raised 5 % → 4.3 %, 1.6 → 5.3 %.
export const MESH_BOX_GEOMETRY: ChipGeometry = { kind: 'mesh-box', scale: 1.4, shiftY: -0.05, rotate: true };

export function alignedChip(
  image: RgbImage,
  box: FaceBox,
  mesh: readonly Point[] | undefined,
  size: number,
  mirror = false,
  geometry: ChipGeometry = DEFAULT_CHIP_GEOMETRY,
): Uint8Array {
  if (geometry.kind === 'canonical') {
    return canonicalChip(image, mesh, size, mirror, geometry) ?? boxChip(image, box, size, mirror);
  }
  let cx: number;
  let cy: number;
  let side: number;
  let angle = 0;
  if (mesh && mesh.length >= 468) {
    const eyeR = mid(mesh[33]!, mesh[133]!);
    const eyeL = mid(mesh[362]!, mesh[263]!);
    angle = geometry.rotate ? Math.atan2(eyeL[1] - eyeR[1], eyeL[0] - eyeR[0]) : 0;
    const c = mid(eyeR, eyeL);
    const cos = Math.cos(-angle);
    const sin = Math.sin(-angle);
    const rot = (p: Point): [number, number] => [(p[0] - c[0]) * cos - (p[1] - c[1]) * sin, (p[0] - c[0]) * sin + (p[1] - c[1]) * cos];
    const top = Math.min(...MESH.browsUpper.map((i) => rot(mesh[i]!)[1]));
    const bottom = rot(mesh[MESH.chin]!)[1];
    const xs = MESH.jaw.map((i) => rot(mesh[i]!)[0]);
    const left = Math.min(...xs);
    const right = Math.max(...xs);
    side = Math.max(right - left, bottom - top) * geometry.scale;
    // Centre of the padded box, back in image coordinates.
    const [qx, qy] = [(left + right) / 2, (top + bottom) / 2 + geometry.shiftY * side];
    cx = c[0] + qx * Math.cos(angle) - qy * Math.sin(angle);
    cy = c[1] + qx * Math.sin(angle) + qy * Math.cos(angle);
  } else {
    cx = box.x + box.width / 2;
    cy = box.y + box.height / 2;
    side = Math.max(box.width, box.height);
  }
  return warp(image, cx, cy, side, angle, size, mirror);
}

function mid(a: Point, b: Point): [number, number] {
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
}

function warp(image: RgbImage, cx: number, cy: number, side: number, angle: number, size: number, mirror: boolean): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  const step = side / size;
  const ss = Math.min(3, Math.max(1, Math.ceil(step))); // supersample when shrinking, so small chips do not alias
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const px = [0, 0, 0];
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      px[0] = px[1] = px[2] = 0;
      for (let j = 0; j < ss; j++) {
        for (let i = 0; i < ss; i++) {
          const qx = (u + (i + 0.5) / ss - size / 2) * step;
          const qy = (v + (j + 0.5) / ss - size / 2) * step;
          bilinear(image, cx + qx * cos - qy * sin, cy + qx * sin + qy * cos, px);
        }
      }
      const o = (v * size + (mirror ? size - 1 - u : u)) * 3;
      const n = ss * ss;
      out[o] = px[0]! / n;
      out[o + 1] = px[1]! / n;
      out[o + 2] = px[2]! / n;
    }
  }
  return out;
}

/** Adds the bilinear sample at (x, y) to acc; outside the image is black (as face-api pads). */
function bilinear(image: RgbImage, x: number, y: number, acc: number[]): void {
  const fx = x - 0.5;
  const fy = y - 0.5;
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const ax = fx - x0;
  const ay = fy - y0;
  for (let k = 0; k < 4; k++) {
    const xx = x0 + (k & 1);
    const yy = y0 + (k >> 1);
    if (xx < 0 || yy < 0 || xx >= image.width || yy >= image.height) continue;
    const wgt = (k & 1 ? ax : 1 - ax) * (k >> 1 ? ay : 1 - ay);
    const i = (yy * image.width + xx) * 3;
    acc[0]! += wgt * image.rgb[i]!;
    acc[1]! += wgt * image.rgb[i + 1]!;
    acc[2]! += wgt * image.rgb[i + 2]!;
  }
}

/**
 * dlib's canonical face chip (dlib/image_transforms/interpolation.h, get_face_chip_details): the mean
 * positions of 68-point landmarks 17–67 in a unit square. dlib's ResNet (the face-api descriptor) was trained
 * on chips made by a least-squares similarity transform of the landmarks onto these, with padding 0.25 at
 * 150×150 — its "canonical crop". Brows, jaw and lower lip are left out of the fit, as dlib does.
 */
const DLIB_MEAN_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127,
  0.36688, 0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918, 0.182743, 0.645647, 0.714428, 0.793132,
  0.858516, 0.79751, 0.719335, 0.254149, 0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532,
  0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
];
const DLIB_MEAN_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805,
  0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733, 0.245099, 0.244077, 0.231733, 0.179852,
  0.178758, 0.216423, 0.244077, 0.245099, 0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192, 0.909281,
  0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803, 0.824182,
];

/** MediaPipe FaceMesh index for each dlib 68-point landmark (0–16 jaw, 17–26 brows, 27–35 nose, 36–47 eyes, 48–67 lips). */
export const MESH_OF_DLIB68 = [
  127, 234, 132, 58, 172, 150, 176, 148, 152, 377, 400, 379, 397, 288, 361, 454, 356, 70, 63, 105, 66, 107, 336, 296, 334, 293, 300, 168, 197, 5, 4,
  75, 97, 2, 326, 305, 33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380, 61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181, 78, 82, 13,
  312, 308, 317, 14, 87,
] as const;

/** The dlib 68-point landmarks the canonical fit uses: 27–54 and 60–64. */
const DLIB_FIT = Array.from({ length: 51 }, (_, k) => k + 17).filter((i) => !(i <= 26 || (i >= 55 && i <= 59) || i >= 65));

/** The five-point variant (dlib's 5-point shape predictor): eye corners and the base of the nose. */
const DLIB5 = [
  { mesh: 263, x: 0.8595674595992, y: 0.2134981538014 },
  { mesh: 362, x: 0.6460604764104, y: 0.2289674387677 },
  { mesh: 33, x: 0.1205750620789, y: 0.2137274526848 },
  { mesh: 133, x: 0.3340850613712, y: 0.2290642403242 },
  { mesh: 2, x: 0.4901123135679, y: 0.6277975316715 },
];

/** x' = a·x − b·y + tx, y' = b·x + a·y + ty (rotation + uniform scale + shift). */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/** Least-squares similarity transform taking `from` onto `to` (Umeyama, no reflection). */
export function fitSimilarity(from: readonly (readonly [number, number])[], to: readonly (readonly [number, number])[]): Similarity {
  const n = from.length;
  let fx = 0;
  let fy = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i]![0];
    fy += from[i]![1];
    tx += to[i]![0];
    ty += to[i]![1];
  }
  fx /= n;
  fy /= n;
  tx /= n;
  ty /= n;
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const px = from[i]![0] - fx;
    const py = from[i]![1] - fy;
    const qx = to[i]![0] - tx;
    const qy = to[i]![1] - ty;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  const a = norm ? dot / norm : 1;
  const b = norm ? cross / norm : 0;
  return { a, b, tx: tx - (a * fx - b * fy), ty: ty - (b * fx + a * fy) };
}

/**
 * InsightFace / ArcFace's 5-point reference for its 112×112 crop (eye centres, nose tip, mouth corners), the
 * crop most licensed ONNX recognition models expect; scaled to `size` (padding does not apply).
 */
const ARCFACE5 = [
  { mesh: [33, 133], x: 38.2946, y: 51.6963 },
  { mesh: [362, 263], x: 73.5318, y: 51.5014 },
  { mesh: [1], x: 56.0252, y: 71.7366 },
  { mesh: [61], x: 41.5493, y: 92.3655 },
  { mesh: [291], x: 70.7299, y: 92.2041 },
];

export type CanonicalPoints = 'dlib68' | 'dlib5' | 'arcface5';

/**
 * The embedding model's canonical crop: the similarity transform that puts the face's landmarks (from the
 * 468-point mesh) where dlib's template has them, in a size×size chip with `padding` (dlib: 0.25 for the
 * recognition ResNet). Returns null without a full mesh (the caller falls back to a box crop).
 */
export function canonicalChip(
  image: RgbImage,
  mesh: readonly Point[] | undefined,
  size: number,
  mirror = false,
  options: CanonicalOptions = {},
): Uint8Array | null {
  const t = canonicalTransform(mesh, size, options);
  return t ? warpSimilarity(image, t, size, mirror) : null;
}

export interface CanonicalOptions {
  padding?: number;
  points?: CanonicalPoints;
  jitter?: Jitter;
}

/** The chip → image similarity behind canonicalChip; its scale is source pixels per chip pixel. */
export function canonicalTransform(mesh: readonly Point[] | undefined, size: number, options: CanonicalOptions = {}): Similarity | null {
  if (!mesh || mesh.length < 468) return null;
  const padding = options.padding ?? 0.25;
  const place = (x: number, y: number): [number, number] => [((padding + x) / (2 * padding + 1)) * size, ((padding + y) / (2 * padding + 1)) * size];
  const chip: [number, number][] = [];
  const img: [number, number][] = [];
  if (options.points === 'arcface5') {
    for (const p of ARCFACE5) {
      chip.push([(p.x / 112) * size, (p.y / 112) * size]);
      const pts = p.mesh.map((i) => mesh[i]!);
      img.push([pts.reduce((s, q) => s + q[0], 0) / pts.length, pts.reduce((s, q) => s + q[1], 0) / pts.length]);
    }
  } else if (options.points === 'dlib5') {
    for (const p of DLIB5) {
      chip.push(place(p.x, p.y));
      img.push([mesh[p.mesh]![0], mesh[p.mesh]![1]]);
    }
  } else {
    for (const i of DLIB_FIT) {
      chip.push(place(DLIB_MEAN_X[i - 17]!, DLIB_MEAN_Y[i - 17]!));
      const m = mesh[MESH_OF_DLIB68[i]!]!;
      img.push([m[0], m[1]]);
    }
  }
  const t = fitSimilarity(chip, img);
  return options.jitter ? compose(t, jitterAbout(options.jitter, size / 2)) : t;
}

/** A square RGB picture resized from `from`² to `to`² (supersampled when shrinking, bilinear when enlarging). */
export function resizeSquare(rgb: Uint8Array, from: number, to: number): Uint8Array {
  // Chip pixel centres u map to source centres (u + 0.5)·from/to − 0.5.
  const a = from / to;
  return warpSimilarity({ rgb, width: from, height: from }, { a, b: 0, tx: 0.5 * a - 0.5, ty: 0.5 * a - 0.5 }, to, false);
}

/** A small change of the chip (test-time augmentation, as dlib's jitter): zoom, turn (degrees), shift (fraction of the side). */
export interface Jitter {
  scale: number;
  angle: number;
  dx: number;
  dy: number;
}

function jitterAbout(j: Jitter, c: number): Similarity {
  const r = (j.angle * Math.PI) / 180;
  const a = Math.cos(r) / j.scale;
  const b = Math.sin(r) / j.scale;
  // x' = R·(x − c)/scale + c + shift
  return { a, b, tx: c - (a * c - b * c) + j.dx * 2 * c, ty: c - (b * c + a * c) + j.dy * 2 * c };
}

/** p ↦ outer(inner(p)). */
function compose(outer: Similarity, inner: Similarity): Similarity {
  return {
    a: outer.a * inner.a - outer.b * inner.b,
    b: outer.b * inner.a + outer.a * inner.b,
    tx: outer.a * inner.tx - outer.b * inner.ty + outer.tx,
    ty: outer.b * inner.tx + outer.a * inner.ty + outer.ty,
  };
}

/** The plain detector-box crop: the box squared about its centre, unrotated (the baseline). */
export function boxChip(image: RgbImage, box: FaceBox, size: number, mirror = false, scale = 1): Uint8Array {
  return warp(image, box.x + box.width / 2, box.y + box.height / 2, Math.max(box.width, box.height) * scale, 0, size, mirror);
}

/** Samples chip pixel centres through a chip→image similarity (bilinear, supersampled when shrinking). */
function warpSimilarity(image: RgbImage, t: Similarity, size: number, mirror: boolean): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  const scale = Math.hypot(t.a, t.b);
  const ss = Math.min(3, Math.max(1, Math.ceil(scale)));
  const px = [0, 0, 0];
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      px[0] = px[1] = px[2] = 0;
      for (let j = 0; j < ss; j++) {
        for (let i = 0; i < ss; i++) {
          // Chip pixel (u, v) covers [u, u+1); dlib's points are in the same pixel units.
          const x = u + (i + 0.5) / ss - 0.5;
          const y = v + (j + 0.5) / ss - 0.5;
          bilinear(image, t.a * x - t.b * y + t.tx + 0.5, t.b * x + t.a * y + t.ty + 0.5, px);
        }
      }
      const o = (v * size + (mirror ? size - 1 - u : u)) * 3;
      const n = ss * ss;
      out[o] = px[0]! / n;
      out[o + 1] = px[1]! / n;
      out[o + 2] = px[2]! / n;
    }
  }
  return out;
}
