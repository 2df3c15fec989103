/**
 * Follows one frame's face landmarks through the next frames by their pixels (optical-flow.ts), so the motion
 * check can compare the challenge's frames with the baseline frame on points the face mesh did not place. The
 * mesh is a model of a head: shown a tilted or folded picture it still reports points that move like a head's
 * (bench/liveness-attacks: median parallax 1.34 on attacks, where a plane has 0). Pixels tracked on a picture move
 * as the picture does: one homography, or two for a fold.
 *
 * observeFollowed() is how the face step (face-tracking.ts) and the bench use it: follow() every frame of the
 * customer's face — tracking only while a turn or nod is being judged — and anchor() on the liveness session's
 * reference frame (LivenessSession.referenceAt: the newest baseline frame with landmarks), so the chain starts from
 * Baseline.landmarks and `tracked.since` names that frame.
 */
import type { RgbImage } from '../face-geometry.ts';
import type { FaceObservation } from '../types.ts';
import type { LivenessSession } from './liveness.ts';
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

/** A point as last seen: where, and in which frame (its pyramid is what the next frame is matched against). */
interface Seen {
  point: Point2;
  at: Frame;
  /** The frame's number in the chain. */
  step: number;
}

interface Chain {
  since: number;
  /** Per point its last sighting; null once given up (not seen for MAX_MISSED frames). */
  points: (Seen | null)[];
  step: number;
}

/**
 * A point not followed into a frame (its window lost texture, or it did not come back to itself: a glint, the
 * nose passing over it) is looked for again in the next ones from where it was last seen, for this many frames.
 */
const MAX_MISSED = 4;

/** One frame of the customer's face into the session, its landmarks followed by their pixels (see above). */
export function observeFollowed(session: LivenessSession, tracker: LandmarkTracker, image: RgbImage, face: FaceObservation): FaceObservation {
  // A blink is judged on the eyes alone; after the decision nothing is judged.
  if (session.challenge === 'blink' || session.done) {
    session.observe(face);
    return face;
  }
  const followed = tracker.follow(image, face, session.prompting);
  session.observe(followed);
  if (session.referenceAt === followed.timestamp) tracker.anchor(followed);
  return followed;
}

export class LandmarkTracker {
  private chain: Chain | null = null;
  private latest: Frame | null = null;

  /** This frame's face, with where the chain's points are in it (`tracked`) when `track` and a chain runs. */
  follow(image: RgbImage, face: FaceObservation, track: boolean): FaceObservation {
    const chain = this.chain;
    const frame = { pyramid: buildPyramid(image, regionOf(face, chain?.points), LEVELS), face };
    this.latest = frame;
    if (!track || !chain) return face;
    chain.step++;
    // Points last seen in the same frame are matched from it together.
    const byFrame = new Map<Frame, number[]>();
    chain.points.forEach((seen, i) => {
      if (!seen) return;
      if (chain.step - seen.step > MAX_MISSED) chain.points[i] = null;
      else {
        const group = byFrame.get(seen.at);
        if (group) group.push(i);
        else byFrame.set(seen.at, [i]);
      }
    });
    for (const [from, indices] of byFrame) {
      const moved = trackPoints(from.pyramid, frame.pyramid, indices.map((i) => chain.points[i]!.point), startingShifts(from.face, face, indices));
      indices.forEach((index, k) => {
        const point = moved[k];
        if (point) chain.points[index] = { point, at: frame, step: chain.step };
      });
    }
    const points = chain.points.map((seen) => (seen && seen.step === chain.step ? seen.point : null));
    return { ...face, tracked: { since: chain.since, points } };
  }

  /**
   * Starts the chain at the frame just followed, from its own landmarks. Without landmarks (a mesh hiccup) the
   * chain keeps its older start, as the liveness baseline keeps its older reference.
   */
  anchor(face: FaceObservation): void {
    if (!this.latest || this.latest.face.timestamp !== face.timestamp || !face.landmarks) return;
    const at = this.latest;
    this.chain = { since: face.timestamp, points: face.landmarks.slice(0, RIGID_POINTS).map(([x, y]) => ({ point: [x, y] as const, at, step: 0 })), step: 0 };
  }
}

function regionOf(face: FaceObservation, points: readonly (Seen | null)[] | undefined): Region {
  const { x, y, width, height } = face.box;
  const region = { x0: x - MARGIN * width, y0: y - MARGIN * height, x1: x + (1 + MARGIN) * width, y1: y + (1 + MARGIN) * height };
  // A point near the box edge needs its whole window at the coarsest level inside the region.
  const pad = (DEFAULT_FLOW.halfWindow + 2) * 2 ** (LEVELS - 1);
  for (const seen of points ?? []) {
    if (!seen) continue;
    const p = seen.point;
    region.x0 = Math.min(region.x0, p[0] - pad);
    region.y0 = Math.min(region.y0, p[1] - pad);
    region.x1 = Math.max(region.x1, p[0] + pad);
    region.y1 = Math.max(region.y1, p[1] + pad);
  }
  return region;
}

/**
 * Where the flow starts looking for each point: the mesh's own displacement of that point (the box centre's
 * without a mesh) — on a head the nose moves further than the cheeks. Only a start: the flow then matches pixels,
 * and a picture's pixels move as the picture does whatever the mesh painted.
 */
function startingShifts(before: FaceObservation, after: FaceObservation, indices: readonly number[]): Point2[] {
  const [a, b] = [before.landmarks, after.landmarks];
  if (!a || !b) {
    const box: Point2 = [after.box.x + after.box.width / 2 - (before.box.x + before.box.width / 2), after.box.y + after.box.height / 2 - (before.box.y + before.box.height / 2)];
    return indices.map(() => box);
  }
  return indices.map((i) => [b[i]![0] - a[i]![0], b[i]![1] - a[i]![1]]);
}
