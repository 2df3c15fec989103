// Pyramidal Lucas–Kanade on synthetic textures moved by known amounts: sub-pixel shifts, a large shift the pyramid
// must bridge, a perspective warp (what a tilted print does), and points that cannot be told (flat grey, off the image).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RgbImage } from '../face-geometry.ts';
import { latticeTexture, invertHomography } from './flow-test-support.ts';
import { buildPyramid, trackPoints } from './optical-flow.ts';
import { apply, type Homography, type Point2 } from './planar-motion.ts';

const W = 320;
const H = 240;

const texture = (seed: number) => latticeTexture(seed, W, H);

/** The image whose pixel (x, y) shows the texture at inverse(x, y): the texture moved by the forward map. */
function render(tex: (x: number, y: number) => number, inverse: (p: Point2) => Point2, flatFrom = Infinity): RgbImage {
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const [u, v] = inverse([x, y]);
      const value = u >= flatFrom ? 128 : tex(u, v);
      rgb.fill(Math.round(value), (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
  }
  return { rgb, width: W, height: H };
}

const region = { x0: 0, y0: 0, x1: W, y1: H };
const grid: Point2[] = [];
for (let y = 60; y <= 180; y += 30) for (let x = 80; x <= 240; x += 40) grid.push([x, y]);

test('a sub-pixel shift is followed to within 0.1 px', () => {
  const tex = texture(1);
  const before = buildPyramid(render(tex, (p) => p), region, 3);
  const after = buildPyramid(render(tex, ([x, y]) => [x - 1.37, y + 0.62]), region, 3);
  const tracked = trackPoints(before, after, grid);
  for (const [i, p] of tracked.entries()) {
    assert.ok(p, `point ${i} lost`);
    assert.ok(Math.hypot(p[0] - grid[i]![0] - 1.37, p[1] - grid[i]![1] + 0.62) < 0.1, `point ${i}: ${p}`);
  }
});

test('a 14 px move between frames is followed from a start 3 px off (what the mesh gives), not without one on one level', () => {
  const tex = texture(2);
  const still = render(tex, (p) => p);
  const moved = render(tex, ([x, y]) => [x - 14, y - 5]);
  const followed = (levels: number, guess: Point2) =>
    trackPoints(buildPyramid(still, region, levels), buildPyramid(moved, region, levels), grid, guess).filter(
      (p, i) => p && Math.hypot(p[0] - grid[i]![0] - 14, p[1] - grid[i]![1] - 5) < 0.1,
    ).length;
  assert.is(followed(3, [11.5, 3]), grid.length);
  const alone = followed(1, [0, 0]);
  assert.ok(alone < grid.length / 4, `one level with no start followed ${alone} of ${grid.length}`);
});

test("a plane tilted in perspective: the tracked points are the homography's images of the first ones", () => {
  const tex = texture(3);
  // A mild perspective change between two frames, as a print turning a few degrees between frames.
  const h: Homography = Float64Array.from([1.02, 0.01, -3, -0.008, 0.995, 2, 0.00006, -0.00002, 1]);
  const inverse = invertHomography(h);
  const before = buildPyramid(render(tex, (p) => p), region, 3);
  const after = buildPyramid(render(tex, (p) => apply(inverse, p)), region, 3);
  const tracked = trackPoints(before, after, grid);
  let worst = 0;
  for (const [i, p] of tracked.entries()) {
    assert.ok(p, `point ${i} lost`);
    const [x, y] = apply(h, grid[i]!);
    worst = Math.max(worst, Math.hypot(p[0] - x, p[1] - y));
  }
  assert.ok(worst < 0.2, `worst error ${worst.toFixed(3)} px`);
});

test('a point on flat grey, or leaving the image, is not followed (null), the others still are', () => {
  const tex = texture(4);
  const before = buildPyramid(render(tex, (p) => p, 200), region, 3);
  const after = buildPyramid(render(tex, ([x, y]) => [x - 2, y], 200), region, 3);
  const [textured, flat, edge] = trackPoints(before, after, [[100, 120], [260, 120], [3, 120]]);
  assert.ok(textured && Math.abs(textured[0] - 102) < 0.1, `textured ${textured}`);
  assert.is(flat, null);
  assert.is(edge, null);
});

test('a point started one period off on a repeating texture matches the wrong stripe: coming back with the others\' motion shows it (null)', () => {
  // Stripes every 8 px across, an irregular pattern down: a start 8 px off is a perfect (wrong) match.
  const stripes = (x: number, y: number) => 128 + 50 * Math.sin((2 * Math.PI * x) / 8) + 40 * Math.sin((2 * Math.PI * y) / 19 + 1.3 * Math.sin((2 * Math.PI * y) / 53));
  const image = render(stripes, (p) => p);
  const [before, after] = [buildPyramid(image, region, 3), buildPyramid(image, region, 3)];
  const points = grid.slice(0, 8);
  const starts: Point2[] = points.map((_, i) => (i === 3 ? [8, 0] : [0, 0]));
  const tracked = trackPoints(before, after, points, starts);
  assert.is(tracked[3], null, `the point started 8 px off came back as ${tracked[3]}`);
  for (const [i, p] of tracked.entries()) if (i !== 3) assert.ok(p && Math.hypot(p[0] - points[i]![0], p[1] - points[i]![1]) < 0.05, `point ${i}: ${p}`);
});

test.run();
