/**
 * Pyramidal Lucas–Kanade point tracking (Bouguet's formulation) on grey images: where did each point of one frame
 * go in the next, to a fraction of a pixel. The liveness motion check follows the face's landmarks with it, because
 * pixels, unlike a face mesh's estimate, cannot paint depth onto a flat picture (planar-motion.ts).
 *
 * Written here rather than taken from OpenCV's WebAssembly build: that is ~10 MB of code and its own heap on a
 * terminal whose face worker is already its largest process, for one function of ~150 lines.
 */
import type { RgbImage } from '../face-geometry.ts';
import type { Point2 } from './planar-motion.ts';

/** A grey region of a frame: `data[(y - y0) * width + (x - x0)]` is the frame's pixel (x, y) at this level's scale. */
interface GreyLevel {
  data: Float32Array;
  width: number;
  height: number;
  /** Frame pixels per level pixel (1, 2, 4 …). */
  scale: number;
  /** The region's top-left corner in level pixels. */
  x0: number;
  y0: number;
}

export interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A frame region as a pyramid: level 0 at full resolution, each next one half the size. */
export type Pyramid = readonly GreyLevel[];

/** Grey (ITU-R BT.601 luma) pyramid of `region` of the frame, `levels` deep. */
export function buildPyramid(image: RgbImage, region: Region, levels: number): Pyramid {
  // Corners on a multiple of 2^levels, so every level's pixel i is exactly the frame's pixel i × scale.
  const align = 2 ** levels;
  const x0 = Math.max(0, Math.floor(region.x0 / align) * align);
  const y0 = Math.max(0, Math.floor(region.y0 / align) * align);
  const x1 = Math.min(image.width, Math.ceil(region.x1));
  const y1 = Math.min(image.height, Math.ceil(region.y1));
  const width = Math.max(1, x1 - x0);
  const height = Math.max(1, y1 - y0);
  const data = new Float32Array(width * height);
  const rgb = image.rgb;
  for (let y = 0; y < height && y0 + y < image.height; y++) {
    let s = ((y0 + y) * image.width + x0) * 3;
    for (let x = 0; x < width && x0 + x < image.width; x++, s += 3) data[y * width + x] = 0.299 * rgb[s]! + 0.587 * rgb[s + 1]! + 0.114 * rgb[s + 2]!;
  }
  const pyramid: GreyLevel[] = [{ data, width, height, scale: 1, x0, y0 }];
  while (pyramid.length < levels) {
    const below = pyramid[pyramid.length - 1]!;
    if (below.width < 16 || below.height < 16) break;
    pyramid.push(halve(below));
  }
  return pyramid;
}

/**
 * Half-size level: a [1 2 1]/4 smoothing in both directions, then every second pixel (edges clamped). Rows are
 * filtered across once into `across` (only the even columns are kept), then combined down: this runs on every frame.
 */
function halve(level: GreyLevel): GreyLevel {
  const { data, width, height } = level;
  const w = width >> 1;
  const h = height >> 1;
  const across = new Float32Array(w * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < w; x++) {
      const c = 2 * x;
      const left = c > 0 ? c - 1 : 0;
      const right = c + 1 < width ? c + 1 : c;
      across[y * w + x] = data[row + left]! + 2 * data[row + c]! + data[row + right]!;
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const c = 2 * y;
    const up = (c > 0 ? c - 1 : 0) * w;
    const mid = c * w;
    const down = (c + 1 < height ? c + 1 : c) * w;
    for (let x = 0; x < w; x++) out[y * w + x] = (across[up + x]! + 2 * across[mid + x]! + across[down + x]!) / 16;
  }
  return { data: out, width: w, height: h, scale: level.scale * 2, x0: level.x0 / 2, y0: level.y0 / 2 };
}

/**
 * Bilinear samples of the side × side window whose first pixel is at level coordinates (x, y) (absolute, at this
 * level's scale) into `out`, row by row. Every pixel of a window shares one fractional offset, so one set of
 * weights and one bounds check serve them all. false when the window leaves the region.
 */
function sampleWindow(level: GreyLevel, x: number, y: number, side: number, out: Float64Array): boolean {
  const fx = x - level.x0;
  const fy = y - level.y0;
  const ix = Math.floor(fx);
  const iy = Math.floor(fy);
  if (!(ix >= 0 && iy >= 0 && ix + side < level.width && iy + side < level.height)) return false;
  const ax = fx - ix;
  const ay = fy - iy;
  const [w00, w10, w01, w11] = [(1 - ax) * (1 - ay), ax * (1 - ay), (1 - ax) * ay, ax * ay];
  const d = level.data;
  const stride = level.width;
  for (let j = 0, k = 0; j < side; j++) {
    let i = (iy + j) * stride + ix;
    for (let c = 0; c < side; c++, i++, k++) out[k] = d[i]! * w00 + d[i + 1]! * w10 + d[i + stride]! * w01 + d[i + stride + 1]! * w11;
  }
  return true;
}

export interface FlowOptions {
  /** Half the side of the square window matched around each point (level pixels). */
  halfWindow: number;
  /** Newton steps per level at most, and the step (level px) below which a level has converged. */
  iterations: number;
  epsilon: number;
  /** Smallest eigenvalue of the window's gradient matrix, per pixel: below it the window has no texture to follow. */
  minEigen: number;
  /** Forward–backward check: a point tracked there and back must come home within this (frame px). */
  maxRoundTrip: number;
}

export const DEFAULT_FLOW: Readonly<FlowOptions> = Object.freeze({ halfWindow: 7, iterations: 12, epsilon: 0.01, minEigen: 1, maxRoundTrip: 1 });

/**
 * Where each of `points` (frame px in `from`) is in `to`, or null where it cannot be told: no texture, out of the
 * region, or not coming back to itself when tracked backwards. `guess` is a displacement to start from (frame px),
 * one for all points or one per point.
 */
export function trackPoints(from: Pyramid, to: Pyramid, points: readonly Point2[], guess: Point2 | readonly Point2[] = [0, 0], options: FlowOptions = DEFAULT_FLOW): (Point2 | null)[] {
  const start = (i: number): Point2 => (typeof guess[0] === 'number' ? (guess as Point2) : (guess as readonly Point2[])[i]!);
  const there = points.map((p, i) => trackOne(from, to, p, start(i), options));
  // Back from where each was found, started by the motion of them all (their median), not by the point's own
  // start: started at p, a point stuck near its start (given by the mesh, which is what this check distrusts) would
  // come home by symmetry whatever it matched.
  const found = there.flatMap((q, i) => (q ? [[q[0] - points[i]![0], q[1] - points[i]![1]] as const] : []));
  const back: Point2 = [-median(found.map((d) => d[0])), -median(found.map((d) => d[1]))];
  return there.map((q, i) => {
    if (!q) return null;
    const home = trackOne(to, from, q, back, options);
    return home && Math.hypot(home[0] - points[i]![0], home[1] - points[i]![1]) <= options.maxRoundTrip ? q : null;
  });
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = values.sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

/** Scratch buffers for one window (reused: trackOne runs for ~70 points × 2 directions × 3 levels per frame). */
let scratch = { side: 0, grid: new Float64Array(0), template: new Float64Array(0), gx: new Float64Array(0), gy: new Float64Array(0), values: new Float64Array(0) };

function buffersFor(halfWindow: number): typeof scratch {
  const side = 2 * halfWindow + 1;
  if (scratch.side !== side) {
    const n = side * side;
    scratch = { side, grid: new Float64Array((side + 2) ** 2), template: new Float64Array(n), gx: new Float64Array(n), gy: new Float64Array(n), values: new Float64Array(n) };
  }
  return scratch;
}

function trackOne(from: Pyramid, to: Pyramid, p: Point2, guess: Point2, o: FlowOptions): Point2 | null {
  const levels = Math.min(from.length, to.length);
  const { side, grid, template, gx, gy, values } = buffersFor(o.halfWindow);
  const n = side * side;
  const hw = o.halfWindow;
  // Displacement so far, in frame px; refined from the coarsest level down.
  let [dx, dy] = guess;
  for (let l = levels - 1; l >= 0; l--) {
    const a = from[l]!;
    const b = to[l]!;
    const s = a.scale;
    const [px, py] = [p[0] / s, p[1] / s];
    // The template once per level, on a grid one pixel wider so its central differences are the gradient
    // (zero-mean below: a change of brightness is not motion).
    const g = side + 2;
    if (!sampleWindow(a, px - hw - 1, py - hw - 1, g, grid)) return null;
    let mean = 0;
    let [gxx, gxy, gyy] = [0, 0, 0];
    for (let j = 0, k = 0; j < side; j++) {
      for (let i = 0; i < side; i++, k++) {
        const c = (j + 1) * g + i + 1;
        const ix = (grid[c + 1]! - grid[c - 1]!) / 2;
        const iy = (grid[c + g]! - grid[c - g]!) / 2;
        template[k] = grid[c]!;
        gx[k] = ix;
        gy[k] = iy;
        mean += grid[c]!;
        gxx += ix * ix;
        gxy += ix * iy;
        gyy += iy * iy;
      }
    }
    mean /= n;
    const minEigen = (gxx + gyy - Math.sqrt((gxx - gyy) ** 2 + 4 * gxy * gxy)) / 2 / n;
    // Texture is required where the answer is read (level 0, as OpenCV does); a coarse level too smooth to tell
    // direction just passes its estimate down.
    if (!(minEigen >= o.minEigen)) {
      if (l === 0) return null;
      continue;
    }
    const det = gxx * gyy - gxy * gxy;
    let [ux, uy] = [dx / s, dy / s];
    for (let it = 0; it < o.iterations; it++) {
      // The target window's mean first (its brightness offset), then the error against the template.
      if (!sampleWindow(b, px + ux - hw, py + uy - hw, side, values)) return null;
      let sum = 0;
      for (let k = 0; k < n; k++) sum += values[k]!;
      const shift = sum / n - mean;
      let [bx, by] = [0, 0];
      for (let k = 0; k < n; k++) {
        const e = template[k]! - (values[k]! - shift);
        bx += e * gx[k]!;
        by += e * gy[k]!;
      }
      const stepX = (gyy * bx - gxy * by) / det;
      const stepY = (gxx * by - gxy * bx) / det;
      ux += stepX;
      uy += stepY;
      if (Math.hypot(stepX, stepY) < o.epsilon) break;
    }
    [dx, dy] = [ux * s, uy * s];
  }
  const out: Point2 = [p[0] + dx, p[1] + dy];
  return Number.isFinite(out[0] + out[1]) ? out : null;
}
