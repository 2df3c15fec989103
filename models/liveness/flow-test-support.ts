/**
 * Test-only: textures and homography helpers for the optical-flow and landmark-tracker tests. Not used by
 * production code.
 */
import { mulberry32 } from '../../drivers/prng.ts';
import { invert3, mul3, type Mat3 } from './attacks/camera.ts';
import type { Homography } from './planar-motion.ts';

/**
 * A random texture with structure at the scales of a face's features (seeded noise on a 4 px lattice, blurred,
 * sampled bilinearly), over width × height plus a 40 px margin, so it can be sampled at any mild warp.
 */
export function latticeTexture(seed: number, width: number, height: number): (x: number, y: number) => number {
  const random = mulberry32(seed);
  const CELL = 4;
  const [cw, ch, pad] = [Math.ceil((width + 80) / CELL), Math.ceil((height + 80) / CELL), 40];
  const noise = Float64Array.from({ length: cw * ch }, () => random() * 255);
  const grid = new Float64Array(noise.length);
  const k = [1, 2, 1];
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      let v = 0;
      for (let j = -1; j <= 1; j++) for (let i = -1; i <= 1; i++) v += k[i + 1]! * k[j + 1]! * noise[Math.min(ch - 1, Math.max(0, y + j)) * cw + Math.min(cw - 1, Math.max(0, x + i))]!;
      grid[y * cw + x] = v / 16;
    }
  }
  return (x, y) => {
    const [u, v] = [Math.min(cw - 1.001, Math.max(0, (x + pad) / CELL)), Math.min(ch - 1.001, Math.max(0, (y + pad) / CELL))];
    const [iu, iv] = [Math.floor(u), Math.floor(v)];
    const [a, b] = [u - iu, v - iv];
    const at = (i: number, j: number) => grid[(iv + j) * cw + iu + i]!;
    const value = (at(0, 0) * (1 - a) + at(1, 0) * a) * (1 - b) + (at(0, 1) * (1 - a) + at(1, 1) * a) * b;
    return Math.max(0, Math.min(255, 128 + (value - 127.5) * 3));
  };
}

const asMat3 = (h: Homography): Mat3 => Array.from(h) as unknown as Mat3;

export const invertHomography = (h: Homography): Homography => Float64Array.from(invert3(asMat3(h)));
export const composeHomographies = (a: Homography, b: Homography): Homography => Float64Array.from(mul3(asMat3(a), asMat3(b)));
