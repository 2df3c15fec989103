/**
 * Chip-photo JPEGs for the virtual card, sized like a CCCD's DG2 (480×640, 15–25 KB): either a real test
 * image scaled up (tests use ../shared/data faces) or a drawn portrait (the demo, which must not read test data).
 */
import jpeg from 'jpeg-js';
import { XacminhError } from '../errors.ts';
import { mulberry32 } from '../prng.ts';

export const PORTRAIT_WIDTH = 480;
export const PORTRAIT_HEIGHT = 640;
const TARGET_BYTES = { min: 15_000, max: 25_000 };

interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Scales any JPEG to a 480×640 portrait (centre crop to 3:4) and encodes it at 15–25 KB. */
export function portraitFromJpeg(source: Uint8Array): Uint8Array {
  let image: Rgba;
  try {
    image = jpeg.decode(source, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 256 });
  } catch (error) {
    throw new XacminhError('MALFORMED_DATA', `Cannot decode the portrait JPEG: ${(error as Error).message}`, {}, { cause: error });
  }
  return encodeToTarget(resizeCover(image, PORTRAIT_WIDTH, PORTRAIT_HEIGHT));
}

/** A drawn, clearly synthetic head-and-shoulders portrait, deterministic for a seed. */
export function drawnPortrait(seed: number): Uint8Array {
  const random = mulberry32(seed);
  const { width, height } = { width: PORTRAIT_WIDTH, height: PORTRAIT_HEIGHT };
  const data = new Uint8Array(width * height * 4);
  const skin = [200 + random() * 40, 160 + random() * 40, 130 + random() * 30];
  const hair = [20 + random() * 40, 15 + random() * 30, 10 + random() * 20];
  const shirt = [40 + random() * 180, 40 + random() * 180, 60 + random() * 180];
  const cx = width / 2;
  const cy = height * 0.42;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const grain = (random() - 0.5) * 18; // texture, so the JPEG has realistic entropy
      let c = [225 - y * 0.05, 232 - y * 0.04, 240 - y * 0.03]; // pale studio background
      const fx = (x - cx) / 120;
      const fy = (y - cy) / 160;
      const inFace = fx * fx + fy * fy <= 1;
      const inHair = ((x - cx) / 130) ** 2 + ((y - cy + 40) / 150) ** 2 <= 1 && y < cy - 60;
      const inShoulders = y > height * 0.74 && ((x - cx) / 230) ** 2 + ((y - height) / 170) ** 2 <= 1;
      if (inShoulders) c = shirt;
      if (inHair) c = hair;
      if (inFace && !inHair) {
        const shade = 1 - 0.25 * Math.max(0, fx);
        c = skin.map((v) => v * shade);
        const eye = (ex: number) => ((x - ex) / 18) ** 2 + ((y - (cy - 25)) / 9) ** 2 <= 1;
        if (eye(cx - 45) || eye(cx + 45)) c = [40, 30, 30];
        if (((x - cx) / 45) ** 2 + ((y - (cy + 75)) / 10) ** 2 <= 1) c = [150, 70, 70];
        if (Math.abs(x - cx) < 6 && y > cy - 10 && y < cy + 40) c = skin.map((v) => v * 0.85);
      }
      data[i] = clamp(c[0]! + grain);
      data[i + 1] = clamp(c[1]! + grain);
      data[i + 2] = clamp(c[2]! + grain);
      data[i + 3] = 255;
    }
  }
  return encodeToTarget({ width, height, data });
}

/** Binary-searches the JPEG quality so the file lands in the CCCD's typical DG2 size range. */
function encodeToTarget(image: Rgba): Uint8Array {
  let low = 5;
  let high = 95;
  let best: Uint8Array | undefined;
  while (low <= high) {
    const quality = Math.floor((low + high) / 2);
    const encoded = new Uint8Array(jpeg.encode({ ...image, data: Buffer.from(image.data) }, quality).data);
    best = encoded;
    if (encoded.length < TARGET_BYTES.min) low = quality + 1;
    else if (encoded.length > TARGET_BYTES.max) high = quality - 1;
    else return encoded;
  }
  return best!;
}

function resizeCover(src: Rgba, width: number, height: number): Rgba {
  const scale = Math.max(width / src.width, height / src.height);
  const offsetX = (src.width * scale - width) / 2;
  const offsetY = (src.height * scale - height) / 2;
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(src.height - 1, Math.max(0, (y + offsetY) / scale - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(src.height - 1, y0 + 1);
    const wy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(src.width - 1, Math.max(0, (x + offsetX) / scale - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(src.width - 1, x0 + 1);
      const wx = sx - x0;
      for (let ch = 0; ch < 4; ch++) {
        const p = (xx: number, yy: number) => src.data[(yy * src.width + xx) * 4 + ch]!;
        const top = p(x0, y0) * (1 - wx) + p(x1, y0) * wx;
        const bottom = p(x0, y1) * (1 - wx) + p(x1, y1) * wx;
        out[(y * width + x) * 4 + ch] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return { width, height, data: out };
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
