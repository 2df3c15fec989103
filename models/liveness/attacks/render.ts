/**
 * Rendering planes into a float frame by inverse mapping (image → texture) with bilinear sampling, only over the
 * plane's projected bounding box. Values are linear-ish 0…255 floats; the sensor pass (sensor.ts) quantises them.
 */
import { invert3, project, type Mat3 } from './camera.ts';
import type { RgbImage } from '../../face-geometry.ts';

export interface FloatFrame {
  data: Float32Array;
  width: number;
  height: number;
}

/** A pixel rectangle [x0, x1) × [y0, y1). */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export const EMPTY_RECT: Rect = { x0: 0, y0: 0, x1: 0, y1: 0 };

export function unionRect(a: Rect, b: Rect): Rect {
  if (a.x1 <= a.x0 || a.y1 <= a.y0) return b;
  if (b.x1 <= b.x0 || b.y1 <= b.y0) return a;
  return { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
}

/** A texture: RGB floats 0…255 and an optional coverage 0…1 (a cut-out's shape, a feathered edge). */
export interface Texture {
  rgb: Float32Array;
  alpha?: Float32Array;
  width: number;
  height: number;
}

export function floatFrame(width: number, height: number): FloatFrame {
  return { data: new Float32Array(width * height * 3), width, height };
}

export function textureFromImage(image: RgbImage, map: (v: number) => number = (v) => v): Texture {
  const rgb = new Float32Array(image.width * image.height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = map(image.rgb[i]!);
  return { rgb, width: image.width, height: image.height };
}

/** The projected bounding box of the texture rectangle [u0, u1] × [v0, v1] (texture px), clamped to the frame. */
export function projectedBox(frame: { width: number; height: number }, h: Mat3, u0: number, v0: number, u1: number, v1: number): Rect {
  const corners = [project(h, u0, v0), project(h, u1, v0), project(h, u1, v1), project(h, u0, v1)];
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  return {
    x0: Math.max(0, Math.floor(Math.min(...xs))),
    y0: Math.max(0, Math.floor(Math.min(...ys))),
    x1: Math.min(frame.width, Math.ceil(Math.max(...xs)) + 1),
    y1: Math.min(frame.height, Math.ceil(Math.max(...ys)) + 1),
  };
}

/**
 * Draws `texture` into `frame` through `h` (texture px → image px), restricted to texture columns [clipU0, clipU1)
 * (a fold's half). Pixel centres are sampled: texture pixel i covers [i, i+1), its centre at i + 0.5.
 * `shade` scales the texture (the light falling on a matte sheet). Returns the rectangle drawn over (for the blur pass).
 */
export function renderPlane(frame: FloatFrame, texture: Texture, h: Mat3, clipU0 = 0, clipU1 = texture.width, shade = 1): Rect {
  const box = projectedBox(frame, h, clipU0, 0, clipU1, texture.height);
  if (box.x1 <= box.x0 || box.y1 <= box.y0) return EMPTY_RECT;
  const inv = invert3(h);
  const { rgb, alpha, width: tw, height: th } = texture;
  const out = frame.data;
  const fw = frame.width;
  const maxU = tw - 1;
  const maxV = th - 1;
  for (let y = box.y0; y < box.y1; y++) {
    const py = y + 0.5;
    // Inverse map of the pixel centre, incremental along the row.
    let X = inv[0] * (box.x0 + 0.5) + inv[1] * py + inv[2];
    let Y = inv[3] * (box.x0 + 0.5) + inv[4] * py + inv[5];
    let W = inv[6] * (box.x0 + 0.5) + inv[7] * py + inv[8];
    for (let x = box.x0; x < box.x1; x++, X += inv[0], Y += inv[3], W += inv[6]) {
      if (W <= 0) continue;
      const u = X / W;
      const v = Y / W;
      if (u < clipU0 || u >= clipU1 || v < 0 || v >= th) continue;
      // Bilinear between texel centres, clamped at the texture's border.
      let fu = u - 0.5;
      let fv = v - 0.5;
      if (fu < 0) fu = 0; else if (fu > maxU) fu = maxU;
      if (fv < 0) fv = 0; else if (fv > maxV) fv = maxV;
      const iu = fu | 0;
      const iv = fv | 0;
      const au = fu - iu;
      const av = fv - iv;
      const iu1 = iu < maxU ? iu + 1 : iu;
      const iv1 = iv < maxV ? iv + 1 : iv;
      const w00 = (1 - au) * (1 - av);
      const w10 = au * (1 - av);
      const w01 = (1 - au) * av;
      const w11 = au * av;
      const i00 = iv * tw + iu;
      const i10 = iv * tw + iu1;
      const i01 = iv1 * tw + iu;
      const i11 = iv1 * tw + iu1;
      let cover = 1;
      if (alpha) {
        cover = alpha[i00]! * w00 + alpha[i10]! * w10 + alpha[i01]! * w01 + alpha[i11]! * w11;
        if (cover <= 0) continue;
      }
      const o = (y * fw + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v3 = (rgb[i00 * 3 + c]! * w00 + rgb[i10 * 3 + c]! * w10 + rgb[i01 * 3 + c]! * w01 + rgb[i11 * 3 + c]! * w11) * shade;
        out[o + c] = cover >= 1 ? v3 : out[o + c]! * (1 - cover) + v3 * cover;
      }
    }
  }
  return box;
}

/** A plain indoor-ish wall: a smooth two-colour gradient plus low-frequency blotches, from `random`. */
export function indoorBackground(width: number, height: number, random: () => number): Float32Array {
  const base = [110 + random() * 90, 105 + random() * 85, 95 + random() * 85];
  const other = base.map((b) => b * (0.7 + random() * 0.35));
  const angle = random() * Math.PI * 2;
  const dx = Math.cos(angle) / width;
  const dy = Math.sin(angle) / height;
  const gx = 9;
  const gy = 6;
  const blotch = Array.from({ length: (gx + 1) * (gy + 1) }, () => (random() - 0.5) * 24);
  const smooth = (s: number): number => s * s * (3 - 2 * s);
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const cy = (y / height) * gy;
    const iy = Math.min(gy - 1, Math.floor(cy));
    const sy = smooth(cy - iy);
    for (let x = 0; x < width; x++) {
      const cx = (x / width) * gx;
      const ix = Math.min(gx - 1, Math.floor(cx));
      const sx = smooth(cx - ix);
      const b0 = blotch[iy * (gx + 1) + ix]! * (1 - sx) + blotch[iy * (gx + 1) + ix + 1]! * sx;
      const b1 = blotch[(iy + 1) * (gx + 1) + ix]! * (1 - sx) + blotch[(iy + 1) * (gx + 1) + ix + 1]! * sx;
      const tex = b0 * (1 - sy) + b1 * sy;
      const g = Math.min(1, Math.max(0, 0.5 + (x - width / 2) * dx + (y - height / 2) * dy));
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) data[o + c] = base[c]! * (1 - g) + other[c]! * g + tex;
    }
  }
  return data;
}
