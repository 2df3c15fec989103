/**
 * The webcam's own effects, per frame: global lighting gain/offset, slight defocus blur, sensor noise (read noise plus
 * signal-dependent shot noise) and 8-bit quantisation.
 */
import type { FloatFrame, Rect } from './render.ts';

export interface SensorSettings {
  /** Lighting: value · gain + offset, per sequence. */
  gain: number;
  offset: number;
  /** Read noise σ in grey levels (2–4 on a webcam). */
  readSigma: number;
  /** Shot noise: variance grows by shotGain · signal. */
  shotGain: number;
  /** Defocus: 3-tap kernel [a, 1-2a, a] applied along x then y. */
  blurSide: number;
}

const GAUSS_TABLE_BITS = 16;
/** Standard normal samples, drawn once, indexed by a fast per-frame generator (a log+cos per value is too slow). */
const GAUSS = ((): Float32Array => {
  let a = 0x9e3779b9;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const n = 1 << GAUSS_TABLE_BITS;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next()));
    const th = 2 * Math.PI * next();
    out[i] = r * Math.cos(th);
    out[i + 1] = r * Math.sin(th);
  }
  return out;
})();

/** Blurs the frame inside `rect` (grown by one pixel), where the scene has edges; the smooth wall needs none. */
export function defocus(frame: FloatFrame, rect: Rect, side: number): void {
  const x0 = Math.max(0, rect.x0 - 1);
  const x1 = Math.min(frame.width, rect.x1 + 1);
  const y0 = Math.max(0, rect.y0 - 1);
  const y1 = Math.min(frame.height, rect.y1 + 1);
  if (x1 - x0 < 3 || y1 - y0 < 3 || side <= 0) return;
  const centre = 1 - 2 * side;
  const w = frame.width;
  const d = frame.data;
  const rw = x1 - x0;
  const row = new Float32Array(rw * 3);
  for (let y = y0; y < y1; y++) {
    const base = (y * w + x0) * 3;
    row.set(d.subarray(base, base + rw * 3));
    for (let i = 3; i < rw * 3 - 3; i++) d[base + i] = side * (row[i - 3]! + row[i + 3]!) + centre * row[i]!;
  }
  // Vertical pass row by row (sequential memory), keeping the previous row's original values aside.
  let prev = new Float32Array(rw * 3);
  let cur = new Float32Array(rw * 3);
  prev.set(d.subarray((y0 * w + x0) * 3, (y0 * w + x0) * 3 + rw * 3));
  for (let y = y0 + 1; y < y1 - 1; y++) {
    const base = (y * w + x0) * 3;
    const below = base + w * 3;
    cur.set(d.subarray(base, base + rw * 3));
    for (let i = 0; i < rw * 3; i++) d[base + i] = side * (prev[i]! + d[below + i]!) + centre * cur[i]!;
    [prev, cur] = [cur, prev];
  }
}

/** Lighting, noise and 8-bit quantisation of the whole frame into a new packed RGB buffer. */
export function expose(frame: FloatFrame, settings: SensorSettings, noiseSeed: number): Uint8Array {
  const sigmaByLevel = new Float32Array(256);
  for (let v = 0; v < 256; v++) sigmaByLevel[v] = Math.sqrt(settings.readSigma ** 2 + settings.shotGain * v);
  const out = new Uint8ClampedArray(frame.data.length);
  const src = frame.data;
  const { gain, offset } = settings;
  const mask = (1 << GAUSS_TABLE_BITS) - 1;
  let s = (noiseSeed | 0) || 1;
  for (let i = 0; i < src.length; i++) {
    // xorshift32: one cheap step per value picks a table entry.
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    let v = src[i]! * gain + offset;
    v = v < 0 ? 0 : v > 255 ? 255 : v;
    out[i] = v + GAUSS[(s >>> 8) & mask]! * sigmaByLevel[v | 0]!;
  }
  return new Uint8Array(out.buffer);
}
