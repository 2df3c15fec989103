// The flat-picture checks on exact geometry: a homography is recovered from its points, a plane's motion leaves
// no residual whatever its pose, a head's turn or nod leaves one well above the mesh's noise, a fold is two planes,
// and the eyes are measured with the face's own motion undone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mulberry32, normalNoise } from '../../drivers/prng.ts';
import { LIVENESS_OPERATING_POINT as T } from './operating-point.ts';
import { apply, depthEvidence, fitHomography, LEFT_EYE_POINTS, loadMeanFace, MOTION_POINT_SIDE, planarFit, rectifiedEyeOpenness, RIGHT_EYE_POINTS, RIGID_POINTS, shapeRatio, type Point2 } from './planar-motion.ts';
import { posedLandmarks, projectPoints, type Surface } from './synthetic-faces.ts';

const still = () => 0;
function pose(yaw: number, pitch: number, surface: Surface, options: { ear?: number | null; noise?: () => number } = {}): Point2[] {
  const ear = options.ear ?? null;
  return posedLandmarks({ yaw, pitch, ear: [ear, ear], centre: [640, 360], eyeDistance: 100, surface, noise: options.noise ?? still });
}

const ear = (points: readonly Point2[], eye: readonly number[]): number => {
  const p = eye.map((i) => points[i]!);
  const d = (a: Point2, b: Point2) => Math.hypot(a[0] - b[0], a[1] - b[1]);
  return (d(p[1]!, p[5]!) + d(p[2]!, p[4]!)) / (2 * d(p[0]!, p[3]!));
};

test('fitHomography recovers a perspective map from its points, and refuses too few or degenerate ones', () => {
  const h = Float64Array.from([1.1, 0.05, 30, -0.04, 0.95, -12, 2e-4, -1e-4, 1]);
  const random = mulberry32(3);
  const src: Point2[] = Array.from({ length: 20 }, () => [random() * 400, random() * 300]);
  const dst = src.map((p) => apply(h, p));
  const fit = fitHomography(src, dst)!;
  for (let i = 0; i < 9; i++) assert.ok(Math.abs(fit[i]! - h[i]!) < 1e-6 * Math.max(1, Math.abs(h[i]!)), `h[${i}] ${fit[i]} vs ${h[i]}`);
  assert.is(fitHomography(src.slice(0, 3), dst.slice(0, 3)), null);
  assert.is(fitHomography(src, dst.slice(1)), null);
  const same: Point2[] = Array.from({ length: 6 }, () => [5, 5]);
  assert.is(fitHomography(same, same), null);
});

test('a flat picture leaves no residual at any pose; a head turning or nodding leaves the parallax of its depth', () => {
  const front = pose(0, 0, 'flat');
  for (const [yaw, pitch] of [[25, 0], [-45, 0], [0, -30], [0, 40], [30, 20]] as const) {
    const fit = depthEvidence(front, pose(yaw, pitch, 'flat'), { yaw, pitch })!;
    assert.ok(fit.onePlane < 1e-6 && fit.twoPlanes < 1e-6, `flat ${yaw}/${pitch}: ${JSON.stringify(fit)}`);
    assert.ok(Math.abs(fit.parallax) < 1e-4 && Math.abs(fit.foldParallax) < 1e-4, `flat ${yaw}/${pitch}: ${JSON.stringify(fit)}`);
  }
  const head = pose(0, 0, 'head');
  for (const [yaw, pitch] of [[T.turnDegrees, 0], [-T.turnDegrees, 0], [0, -T.nodDegrees], [35, 0]] as const) {
    const fit = depthEvidence(head, pose(yaw, pitch, 'head'), { yaw, pitch })!;
    // The mean face against its own expectation: exactly 1; its RMS residual is that of a real head's depth.
    assert.ok(Math.abs(fit.parallax - 1) < 1e-6 && Math.abs(fit.foldParallax - 1) < 1e-6, `head ${yaw}/${pitch}: ${JSON.stringify(fit)}`);
    assert.ok(fit.onePlane > 0.03 && fit.twoPlanes > 0.015, `head ${yaw}/${pitch}: ${JSON.stringify(fit)}`);
    // A pose estimate that reads the turn at half its size still sees a head (parallax scales with the angle).
    assert.ok(depthEvidence(head, pose(yaw, pitch, 'head'), { yaw: yaw / 2, pitch: pitch / 2 })!.parallax > 1.5);
  }
  assert.is(depthEvidence(head, pose(0.2, 0, 'head'), { yaw: 0.2, pitch: 0 }), null, 'no pose change, no evidence');
  assert.is(planarFit(undefined, head), null);
  assert.is(planarFit(head, head.slice(0, 10)), null);
});

test('a face flatter than the mean face (half its depth) still shows a head\'s parallax above the threshold', () => {
  for (const depth of [0.5, 0.7]) {
    const flatter = (yaw: number, pitch: number) =>
      projectPoints(
        loadMeanFace().points.map(([x, y, z]) => [x, y, z * depth] as const),
        { yaw, pitch, centre: [640, 360], eyeDistance: 100, noise: still },
      );
    for (const [yaw, pitch] of [[T.turnDegrees, 0], [0, -T.nodDegrees]] as const) {
      const fit = depthEvidence(flatter(0, 0), flatter(yaw, pitch), { yaw, pitch })!;
      assert.ok(Math.min(fit.parallax, fit.foldParallax) > T.parallaxMin, `depth ×${depth} ${yaw}/${pitch}: ${JSON.stringify(fit)}`);
    }
  }
});

test('a print folded along the nose line is two planes: parallax for one homography, none for one per half', () => {
  const folded: Surface = { fold: 140 };
  const fit = depthEvidence(pose(0, 0, folded), pose(30, 0, folded), { yaw: 30, pitch: 0 })!;
  assert.ok(fit.parallax > 0.3, `one plane ${JSON.stringify(fit)}`);
  assert.ok(Math.abs(fit.foldParallax) < 0.1, `two planes ${JSON.stringify(fit)}`);
});

test('with the mesh noise, a still face and a turned print show no parallax and a head turn shows it', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const noise = normalNoise(seed, 0.01);
    const print = depthEvidence(pose(0, 0, 'flat', { noise }), pose(T.turnDegrees, 0, 'flat', { noise }), { yaw: T.turnDegrees, pitch: 0 })!;
    assert.ok(print.parallax < T.parallaxMin && print.foldParallax < T.parallaxMin, `seed ${seed}: ${JSON.stringify(print)}`);
    const turn = depthEvidence(pose(0, 0, 'head', { noise }), pose(T.turnDegrees, 0, 'head', { noise }), { yaw: T.turnDegrees, pitch: 0 })!;
    assert.ok(turn.parallax > T.parallaxMin && turn.foldParallax > T.parallaxMin, `seed ${seed}: ${JSON.stringify(turn)}`);
  }
});

test('the eyes with the face motion undone: a print flicked about a horizontal axis keeps its eyes open, a blink does not', () => {
  const open = pose(0, 0, 'flat', { ear: 0.3 });
  const flicked = pose(0, -60, 'flat', { ear: 0.3 });
  // What the mesh would report unrectified: the eyes half as open (cos 60°) — a blink to a naive judge.
  assert.ok(ear(flicked, RIGHT_EYE_POINTS) < 0.6 * 0.3);
  assert.ok(Math.abs(rectifiedEyeOpenness(open, flicked)! - 0.3) < 0.01);
  const closed = pose(0, 0, 'head', { ear: 0.07 });
  const blink = rectifiedEyeOpenness(pose(0, 0, 'head', { ear: 0.3 }), closed)!;
  assert.ok(Math.abs(blink - Math.max(ear(closed, RIGHT_EYE_POINTS), ear(closed, LEFT_EYE_POINTS))) < 1e-6, `blink ${blink}`);
  assert.ok(blink < 0.6 * ear(pose(0, 0, 'head', { ear: 0.3 }), RIGHT_EYE_POINTS));
  // A blink while the head is nodding a little is still a blink.
  const nodding = rectifiedEyeOpenness(pose(0, 0, 'head', { ear: 0.3 }), pose(0, -8, 'head', { ear: 0.07 }))!;
  assert.ok(nodding < 0.6 * 0.3, `blink while nodding ${nodding}`);
  assert.is(rectifiedEyeOpenness(open, undefined), null);
  assert.ok(LEFT_EYE_POINTS.every((i) => i > RIGHT_EYE_POINTS[5]!));
});

test('shapeRatio: a print tilted by θ keeps about cos θ of its shape, a head that only blinks or moves keeps all of it', () => {
  let previous = 1;
  for (const tilt of [10, 20, 40, 60]) {
    const ratio = shapeRatio(pose(0, 0, 'flat'), pose(0, -tilt, 'flat'))!;
    // At most cos θ: less, as the near edge of a tilted print also grows (perspective, 45 cm away).
    assert.ok(ratio <= Math.cos((tilt * Math.PI) / 180) + 0.01 && ratio < previous, `tilt ${tilt}: ${ratio}`);
    previous = ratio;
  }
  assert.ok(shapeRatio(pose(0, 0, 'head', { ear: 0.3 }), pose(0, 0, 'head', { ear: 0.07 }))! > 0.999, 'a blink moves no rigid point');
  const moved = posedLandmarks({ yaw: 0, pitch: 0, ear: [null, null], centre: [500, 300], eyeDistance: 140, surface: 'head', noise: still });
  assert.ok(shapeRatio(pose(0, 0, 'head'), moved)! > 0.999, 'nearer and aside: same shape');
  assert.is(shapeRatio(undefined, moved), null);
});

test('lost points: evidence from what is left, but none from the nose line with too few points beside it', () => {
  const head = [pose(0, 0, 'head'), pose(20, 0, 'head')] as const;
  const keep = (sideCount: number): (Point2 | null)[] => {
    // The nose line, and the first `sideCount` points of each side (MOTION_POINT_SIDE order).
    let [right, left] = [0, 0];
    return head[1].slice(0, RIGID_POINTS).map((p, i) => {
      const side = MOTION_POINT_SIDE[i]!;
      if (side === 0) return p;
      if (side < 0) return right++ < sideCount ? p : null;
      return left++ < sideCount ? p : null;
    });
  };
  const full = depthEvidence(head[0], head[1], { yaw: 20, pitch: 0 })!;
  const most = depthEvidence(head[0], keep(12), { yaw: 20, pitch: 0 })!;
  assert.ok(most.parallax > 0.8 && most.foldParallax > 0.8, JSON.stringify({ full, most }));
  assert.is(depthEvidence(head[0], keep(3), { yaw: 20, pitch: 0 }), null, 'the nose line and 3 points a side');
  assert.is(depthEvidence(head[0], keep(0), { yaw: 20, pitch: 0 }), null, 'the nose line alone');
});

test.run();
