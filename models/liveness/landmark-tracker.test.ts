// The landmark tracker on a textured picture moved by known homographies: its followed points are where the
// picture's pixels went — one homography — whatever the (here deliberately head-like) mesh landmarks say; and the
// chain starts where the face step anchors it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RgbImage } from '../face-geometry.ts';
import type { FaceObservation } from '../types.ts';
import { composeHomographies, invertHomography, latticeTexture } from './flow-test-support.ts';
import { LandmarkTracker } from './landmark-tracker.ts';
import { apply, depthEvidence, RIGID_POINTS, type Homography } from './planar-motion.ts';
import { posedLandmarks } from './synthetic-faces.ts';

const W = 640;
const H = 480;

const texture = (seed: number) => latticeTexture(seed, W, H);

/** The picture seen through homography h (texture → image). */
function frameOf(tex: (x: number, y: number) => number, h: Homography): RgbImage {
  const inverse = invertHomography(h);
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const [u, v] = apply(inverse, [x, y]);
      rgb.fill(Math.round(tex(u, v)), (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
  }
  return { rgb, width: W, height: H };
}

/**
 * A perspective homography of the picture growing with `deg`: K·R_y·K⁻¹ about the image centre (a rotation about the
 * vertical axis seen by an 800 px camera; it also slides the picture ~14 px per degree, a large move between frames).
 */
function turned(deg: number): Homography {
  const t = (deg * Math.PI) / 180;
  const f = 800;
  const [c, s] = [Math.cos(t), Math.sin(t)];
  const [cx, cy] = [W / 2, H / 2];
  const to = Float64Array.from([1, 0, -cx, 0, 1, -cy, 0, 0, 1]);
  const back = Float64Array.from([1, 0, cx, 0, 1, cy, 0, 0, 1]);
  return composeHomographies(composeHomographies(back, Float64Array.from([c, 0, f * s, 0, 1, 0, -s / f, 0, c])), to);
}

/** Observation of the picture at h: a box around the face and mesh landmarks that move like a HEAD's (the mesh's prior). */
function observe(h: Homography, yaw: number, timestamp: number, withLandmarks = true): FaceObservation {
  const centre = apply(h, [W / 2, H / 2]);
  const landmarks = posedLandmarks({ yaw, pitch: 0, ear: [null, null], centre, eyeDistance: 100, surface: 'head', noise: () => 0 });
  return {
    frameSequence: timestamp,
    timestamp,
    frameWidth: W,
    frameHeight: H,
    box: { x: centre[0] - 110, y: centre[1] - 120, width: 220, height: 260 },
    detectionScore: 0.9,
    yaw,
    pitch: 0,
    roll: 0,
    leftEyeOpenness: 0.3,
    rightEyeOpenness: 0.3,
    sharpness: 100,
    brightness: 120,
    antispoof: 0.9,
    liveness: 0.9,
    ...(withLandmarks ? { landmarks } : {}),
  };
}

test('a picture turning: the followed points are where its pixels went (one homography), the mesh painted a head', () => {
  const tex = texture(7);
  const tracker = new LandmarkTracker();
  const angles = [0, 0, 3, 6, 9, 12, 15, 18];
  let anchor: FaceObservation | undefined;
  let last: FaceObservation | undefined;
  for (const [i, deg] of angles.entries()) {
    const h = turned(deg);
    // The mesh's yaw reads the picture's turn as a head's (the hole): landmarks with a head's depth.
    const face = observe(h, deg, 1000 + 67 * i);
    const prompting = i >= 2;
    last = tracker.follow(frameOf(tex, h), face, prompting);
    if (!prompting) {
      tracker.anchor(last);
      anchor = last;
      assert.is(last.tracked, undefined, 'no chain is followed before the prompt');
    }
  }
  assert.ok(anchor && last?.tracked);
  assert.is(last.tracked.since, anchor.timestamp);
  // Where the anchor's landmarks really went: through the picture's own motion, anchor image → texture → now.
  const motion = composeHomographies(turned(18), invertHomography(turned(0)));
  const points = last.tracked.points;
  let followed = 0;
  let worst = 0;
  for (let i = 0; i < RIGID_POINTS; i++) {
    if (!points[i]) continue;
    followed++;
    const [x, y] = apply(motion, anchor.landmarks![i]!);
    worst = Math.max(worst, Math.hypot(points[i]![0] - x, points[i]![1] - y));
  }
  // Most, not all: a point whose window the turn deforms past the forward–backward check is dropped, not guessed.
  assert.ok(followed >= 0.6 * RIGID_POINTS, `${followed} of ${RIGID_POINTS} followed`);
  assert.ok(worst < 0.5, `worst error ${worst.toFixed(2)} px`);
  // So the depth check sees a plane in the followed points and a head in the mesh's.
  const change = { yaw: 18, pitch: 0 };
  const pixels = depthEvidence(anchor.landmarks, points, change)!;
  const mesh = depthEvidence(anchor.landmarks, last.landmarks, change)!;
  assert.ok(Math.abs(pixels.parallax) < 0.1 && Math.abs(pixels.foldParallax) < 0.1, JSON.stringify(pixels));
  assert.ok(mesh.parallax > 0.8, JSON.stringify(mesh));
});

test('a frame without landmarks does not restart the chain; the chain keeps its older start', () => {
  const tex = texture(8);
  const tracker = new LandmarkTracker();
  const first = tracker.follow(frameOf(tex, turned(0)), observe(turned(0), 0, 1000), false);
  tracker.anchor(first);
  const hiccup = tracker.follow(frameOf(tex, turned(1)), observe(turned(1), 1, 1067, false), false);
  tracker.anchor(hiccup);
  const next = tracker.follow(frameOf(tex, turned(2)), observe(turned(2), 2, 1133), true);
  assert.is(next.tracked?.since, 1000);
  const followed = next.tracked!.points.filter((p) => p !== null).length;
  assert.ok(followed >= 0.6 * RIGID_POINTS, `${followed} of ${RIGID_POINTS} followed from the older start`);
});

test.run();
