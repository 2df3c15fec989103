/**
 * Active challenge judges: fed the frames that arrive after the prompt (plus the reaction delay), they say
 * whether the asked action happened. Each compares against the person's own baseline measured before the
 * prompt, so narrow eyes or a camera mounted off-axis do not bias the result.
 */
import type { ChallengeKind, FaceObservation } from '../types.ts';
import type { LivenessThresholds } from './operating-point.ts';
import { depthEvidence, rectifiedEyeOpenness, shapeRatio, type DepthEvidence, type Point2 } from './planar-motion.ts';

export type ChallengeState = 'pending' | 'passed' | 'failed';

export interface Baseline {
  /** Median eye openness over the baseline frames (null when the mesh gave none). */
  eyeOpenness: number | null;
  /** Its spread there (1.4826 × median absolute deviation over the open frames). */
  eyeOpennessSpread: number;
  /** The eye openness of the baseline frames in order (their frame-to-frame jitter is the mesh's noise on these eyes). */
  eyeOpennessTrack: readonly number[];
  /** Median yaw and pitch over the baseline frames. */
  yaw: number;
  pitch: number;
  /** The landmarks of the last baseline frame: what the motion checks compare against (absent without a mesh). */
  landmarks?: readonly Point2[] | undefined;
  /** The timestamp of the frame those landmarks are from: a tracked chain (FaceObservation.tracked) starting there is comparable. */
  landmarksAt?: number | undefined;
}

export interface ChallengeJudge {
  update(face: FaceObservation): ChallengeState;
  /** Stable reason code when failed. */
  readonly failure: string | null;
  /** Movement judges: the depth evidence the decision reads (for benches and diagnostics). */
  readonly depth?: DepthSummary;
}

/** The medians of the kept frames' depth evidence, from the mesh and from the followed points (null: none kept). */
export interface DepthSummary {
  mesh: { parallax: number; foldParallax: number } | null;
  tracked: { parallax: number; foldParallax: number } | null;
}

/**
 * Openness of both eyes together: the larger of the two, so a blink needs BOTH eyes closed (a mesh glitch
 * on one eye, or a wink, is not a blink). null when neither is measured.
 */
export function eyeOpenness(face: FaceObservation): number | null {
  const values = [face.leftEyeOpenness, face.rightEyeOpenness].filter((v): v is number => v !== null && Number.isFinite(v));
  return values.length === 0 ? null : Math.max(...values);
}

/** open → closed (below closedRatio × baseline) → open again (≥ reopenRatio × baseline) within maxBlinkMs. */
class BlinkJudge implements ChallengeJudge {
  failure: string | null = null;
  private sawOpen = false;
  private closedSince: number | null = null;
  /** Frame-to-frame changes of the eye openness, baseline and after: their median is the mesh's jitter. */
  private readonly steps: number[] = [];
  private previous: number | null = null;
  /**
   * Frames of the current closing (eyes below the reopened level since they were last open) in which they were
   * clearly lowered: by at least half the drop a blink needs.
   */
  private framesLowered = 0;

  constructor(
    private readonly baseline: Baseline,
    private readonly t: LivenessThresholds,
  ) {
    for (const value of baseline.eyeOpennessTrack) this.step(value);
  }

  update(face: FaceObservation): ChallengeState {
    const open = this.baseline.eyeOpenness;
    if (open === null) return 'pending';
    // The eyes with the face's own motion undone (a print flicked about a horizontal axis narrows them too).
    const ear = this.baseline.landmarks && face.landmarks ? rectifiedEyeOpenness(this.baseline.landmarks, face.landmarks) : eyeOpenness(face);
    // Eyes narrowed while the whole face is squashed are a picture tilted, not a blink (the rectification above
    // undoes only part of it: the mesh follows a foreshortened face imperfectly).
    const squashed = (shapeRatio(this.baseline.landmarks, face.landmarks) ?? 1) < this.t.blinkMinShapeRatio;
    if (ear === null || squashed) {
      // The mesh lost the eyes (or the face lost its shape): we cannot tell a blink from a cut, so start over.
      this.closedSince = null;
      this.sawOpen = false;
      this.previous = null;
      return 'pending';
    }
    const minDrop = this.minDrop();
    this.step(ear);
    const shut = ear < this.t.blinkReopenRatio * open;
    // How many clearly lowered frames the closing that this frame may end had. A frame just under the reopened
    // level is within the mesh's noise of open: it neither counts nor breaks the closing.
    const loweredBefore = this.framesLowered;
    this.framesLowered = !shut ? 0 : loweredBefore + (open - ear >= minDrop / 2 ? 1 : 0);
    if (this.closedSince === null) {
      if (!shut) this.sawOpen = true;
      // Only a closing that starts from open eyes seen after the prompt counts, and it must stand out of this
      // face's own jitter: on some faces the mesh's eye opening jumps by a third from frame to frame
      // (bench/liveness-attacks: prints "blinked" by jitter alone).
      else if (ear < this.t.blinkClosedRatio * open && open - ear >= minDrop && this.sawOpen) this.closedSince = face.timestamp;
      return 'pending';
    }
    if (face.timestamp - this.closedSince > this.t.maxBlinkMs) {
      // Eyes held shut (or a photo of closed eyes): not a blink; wait for them to open and try again.
      this.closedSince = null;
      this.sawOpen = false;
      return 'pending';
    }
    if (shut) return 'pending';
    // A blink closes and opens over 100–400 ms: more than one frame. One shut frame between open ones is the
    // mesh glitching (bench/liveness-attacks: still screens "blinked" so, one with its neighbour just under the
    // reopened level), not eyelids moving.
    if (loweredBefore >= this.t.blinkMinFrames) return 'passed';
    this.closedSince = null;
    return 'pending';
  }

  private step(value: number): void {
    if (this.previous !== null) this.steps.push(Math.abs(value - this.previous));
    this.previous = value;
  }

  /**
   * How far the eyes must close from open: at least blinkMinDrop, and blinkMinDropSpreads × the eye opening's
   * noise — the larger of its spread over the open baseline frames and its frame-to-frame jitter (median step
   * / √2 × 1.4826: a real blink is a few steps among many, so it barely moves the median).
   */
  private minDrop(): number {
    const jitter = this.steps.length >= 4 ? (1.4826 * middle(this.steps)) / Math.SQRT2 : 0;
    return Math.max(this.t.blinkMinDrop, this.t.blinkMinDropSpreads * Math.max(this.baseline.eyeOpennessSpread, jitter));
  }
}

/**
 * A head movement about one axis: yaw (turn-left / turn-right) or pitch (nod) leaves the baseline by the asked
 * angle in the asked direction, then returns within returnDegrees — and the landmarks show depth while it is away
 * (planar-motion.ts): a flat or folded picture moved to fool the pose estimate is 'planar-motion'.
 */
class MovementJudge implements ChallengeJudge {
  failure: string | null = null;
  private reached = false;
  /** Fits of the frames furthest out (kept: FITS_KEPT), with how far out each was: of the mesh, and of the tracked points. */
  private readonly away: { delta: number; fit: DepthEvidence }[] = [];
  private readonly awayTracked: { delta: number; fit: DepthEvidence }[] = [];

  constructor(
    private readonly axis: 'yaw' | 'pitch',
    /** +1: the angle must grow; -1: shrink. */
    private readonly sign: number,
    private readonly degrees: number,
    private readonly baseline: Baseline,
    private readonly t: LivenessThresholds,
  ) {}

  update(face: FaceObservation): ChallengeState {
    const angle = face[this.axis];
    if (!Number.isFinite(angle)) return 'pending';
    const delta = this.sign * (angle - this.baseline[this.axis]);
    if (!this.reached) {
      if (delta <= -this.t.wrongDirectionDegrees) {
        // Turning both ways until one works is what a replayed video would do: the first clear turn decides.
        this.failure = 'wrong-direction';
        return 'failed';
      }
      if (delta >= this.degrees) this.reached = true;
    }
    if (delta >= this.degrees / 2) {
      const change = { yaw: face.yaw - this.baseline.yaw, pitch: Number.isFinite(face.pitch) ? face.pitch - this.baseline.pitch : 0 };
      const along = this.axis === 'yaw' ? { ...change, pitch: 0 } : { ...change, yaw: 0 };
      if (this.reached) keep(this.away, delta, depthEvidence(this.baseline.landmarks, face.landmarks, along));
      // The followed points count on the way out too: at 15 fps a head turning fast moves 20° or more between two
      // frames, which hides its far side and loses most followed points at once. Not from a smaller angle: a
      // picture's pose estimate under-reads its real motion, so against the small field a head would leave for a
      // few degrees a fold's crease off the nose line reads as depth (fresh attacks up to 1.5 from 5°, 0.36 from half).
      const tracked = face.tracked && face.tracked.since === this.baseline.landmarksAt ? face.tracked.points : undefined;
      keep(this.awayTracked, delta, depthEvidence(this.baseline.landmarks, tracked, along));
    }
    if (!this.reached || Math.abs(delta) > this.t.returnDegrees) return 'pending';
    return this.judgeDepth();
  }

  get depth(): DepthSummary {
    return { mesh: summary(this.away), tracked: summary(this.awayTracked) };
  }

  /** The median fit of the frames furthest out: one frame's mesh glitch neither makes nor breaks it. */
  private judgeDepth(): ChallengeState {
    const failure = depthFailure(this.away, this.t.parallaxMin) ?? (this.t.trackedParallaxMin > 0 ? depthFailure(this.awayTracked, this.t.trackedParallaxMin) : null);
    if (failure) {
      this.failure = failure;
      return 'failed';
    }
    return 'passed';
  }
}

function keep(away: { delta: number; fit: DepthEvidence }[], delta: number, fit: DepthEvidence | null): void {
  if (!fit) return; // a frame without landmarks (or with too few followed) is no evidence either way
  away.push({ delta, fit });
  away.sort((a, b) => b.delta - a.delta);
  away.length = Math.min(away.length, FITS_KEPT);
}

function summary(away: readonly { fit: DepthEvidence }[]): { parallax: number; foldParallax: number } | null {
  return away.length === 0 ? null : { parallax: middle(away.map((a) => a.fit.parallax)), foldParallax: middle(away.map((a) => a.fit.foldParallax)) };
}

function depthFailure(away: readonly { fit: DepthEvidence }[], min: number): string | null {
  const s = summary(away);
  // No points to tell a head from a picture (a model without a mesh, points lost): not evidence of life.
  if (!s) return 'motion-unmeasured';
  return s.parallax >= min && s.foldParallax >= min ? null : 'planar-motion';
}

/** Frames furthest from the baseline whose depth evidence is kept for the decision. */
const FITS_KEPT = 3;

/** The lower median (of an even count, the smaller middle value). */
function middle(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1]!;
}

export function createJudge(kind: ChallengeKind, baseline: Baseline, t: LivenessThresholds): ChallengeJudge {
  switch (kind) {
    case 'blink':
      return new BlinkJudge(baseline, t);
    // yaw > 0 is the person turning to their own left (models/types.ts).
    case 'turn-left':
      return new MovementJudge('yaw', 1, t.turnDegrees, baseline, t);
    case 'turn-right':
      return new MovementJudge('yaw', -1, t.turnDegrees, baseline, t);
    // pitch > 0 is up: a nod goes down first.
    case 'nod':
      return new MovementJudge('pitch', -1, t.nodDegrees, baseline, t);
  }
}
