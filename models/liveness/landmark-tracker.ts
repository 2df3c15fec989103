/**
 * Follows one frame's face landmarks through the next frames by their pixels (optical-flow.ts), so the motion
 * check can compare the challenge's frames with the baseline frame on points the face mesh did not place. The
 * mesh is a model of a head: shown a tilted or folded picture it still reports points that move like a head's
 * (bench/liveness-attacks: median parallax 1.34 on attacks, where a plane has 0). Pixels tracked on a picture move
 * as the picture does: one homography, or two for a fold.
 *
 * The face step (face-tracking.ts) calls follow() on every frame of the customer's face — tracking only once the
 * liveness prompt is on screen, since only the challenge's frames are judged — then anchor() on each frame up to
 * and including the prompt's: the chain starts afresh from that frame's own landmarks, so at the prompt it starts
 * from the baseline's reference frame (Baseline.landmarks), and `tracked.since` names it.
 */
import type { RgbImage } from '../face-geometry.ts';
import type { FaceObservation } from '../types.ts';
import { buildPyramid, DEFAULT_FLOW, trackPoints, type Pyramid, type Region } from './optical-flow.ts';
import { RIGID_POINTS, type Point2 } from './planar-motion.ts';

/** Pyramid levels: a 15 px window at level 2 follows a point that moved up to ~25 px between two frames. */
const LEVELS = 3;
/** The tracked region: the face box and this share of it on every side (the outline points sit at its edge). */
const MARGIN = 0.25;

interface Frame {
  pyramid: Pyramid;
  face: FaceObservation;
}

interface Chain {
  since: number;
  points: (Point2 | null)[];
  /** The frame the points were last followed to. */
  at: Frame;
}

export class LandmarkTracker {
  private chain: Chain | null = null;
  private latest: Frame | null = null;

  /** This frame's face, with where the chain's points are in it (`tracked`) when `track` and a chain runs. */
  follow(image: RgbImage, face: FaceObservation, track: boolean): FaceObservation {
    const frame = { pyramid: buildPyramid(image, regionOf(face, this.chain?.points), LEVELS), face };
    this.latest = frame;
    const chain = this.chain;
    if (!track || !chain) return face;
    const alive = chain.points.flatMap((p, i) => (p ? [i] : []));
    const moved = trackPoints(
      chain.at.pyramid,
      frame.pyramid,
      alive.map((i) => chain.points[i]!),
      startingShift(chain.at.face, face),
    );
    alive.forEach((index, k) => (chain.points[index] = moved[k]!));
    chain.at = frame;
    return { ...face, tracked: { since: chain.since, points: [...chain.points] } };
  }

  /**
   * Starts the chain at the frame just followed, from its own landmarks. Without landmarks (a mesh hiccup) the
   * chain keeps its older start, as the liveness baseline keeps its older reference.
   */
  anchor(face: FaceObservation): void {
    if (!this.latest || this.latest.face.timestamp !== face.timestamp || !face.landmarks) return;
    this.chain = { since: face.timestamp, points: face.landmarks.slice(0, RIGID_POINTS).map(([x, y]) => [x, y] as const), at: this.latest };
  }
}

function regionOf(face: FaceObservation, points: readonly (Point2 | null)[] | undefined): Region {
  const { x, y, width, height } = face.box;
  const region = { x0: x - MARGIN * width, y0: y - MARGIN * height, x1: x + (1 + MARGIN) * width, y1: y + (1 + MARGIN) * height };
  // A point near the box edge needs its whole window at the coarsest level inside the region.
  const pad = (DEFAULT_FLOW.halfWindow + 2) * 2 ** (LEVELS - 1);
  for (const p of points ?? []) {
    if (!p) continue;
    region.x0 = Math.min(region.x0, p[0] - pad);
    region.y0 = Math.min(region.y0, p[1] - pad);
    region.x1 = Math.max(region.x1, p[0] + pad);
    region.y1 = Math.max(region.y1, p[1] + pad);
  }
  return region;
}

/**
 * Where the flow starts looking: the median displacement of the mesh's rigid points (the box centre's without a
 * mesh). A start on a fast movement, not the answer: the flow then matches pixels.
 */
function startingShift(before: FaceObservation, after: FaceObservation): Point2 {
  const [a, b] = [before.landmarks, after.landmarks];
  if (!a || !b) return [after.box.x + after.box.width / 2 - (before.box.x + before.box.width / 2), after.box.y + after.box.height / 2 - (before.box.y + before.box.height / 2)];
  const n = Math.min(RIGID_POINTS, a.length, b.length);
  const dx: number[] = [];
  const dy: number[] = [];
  for (let i = 0; i < n; i++) {
    dx.push(b[i]![0] - a[i]![0]);
    dy.push(b[i]![1] - a[i]![1]);
  }
  const mid = (v: number[]) => v.sort((p, q) => p - q)[v.length >> 1] ?? 0;
  return [mid(dx), mid(dy)];
}
