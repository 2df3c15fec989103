/**
 * Active challenge judges: fed the frames that arrive after the prompt (plus the reaction delay), they say
 * whether the asked action happened. Each compares against the person's own baseline measured before the
 * prompt, so narrow eyes or a camera mounted off-axis do not bias the result.
 */
import type { ChallengeKind, FaceObservation } from '../types.ts';
import type { LivenessThresholds } from './operating-point.ts';

export type ChallengeState = 'pending' | 'passed' | 'failed';

export interface Baseline {
  /** Median eye openness over the baseline frames (null when the mesh gave none). */
  eyeOpenness: number | null;
  /** Median yaw over the baseline frames. */
  yaw: number;
}

export interface ChallengeJudge {
  update(face: FaceObservation): ChallengeState;
  /** Stable reason code when failed. */
  readonly failure: string | null;
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

  constructor(
    private readonly baseline: Baseline,
    private readonly t: LivenessThresholds,
  ) {}

  update(face: FaceObservation): ChallengeState {
    const open = this.baseline.eyeOpenness;
    if (open === null) return 'pending';
    const ear = eyeOpenness(face);
    if (ear === null) {
      // The mesh lost the eyes: we cannot tell a blink from a cut, so start over.
      this.closedSince = null;
      this.sawOpen = false;
      return 'pending';
    }
    if (this.closedSince === null) {
      if (ear >= this.t.blinkReopenRatio * open) this.sawOpen = true;
      // Only a closing that starts from open eyes seen after the prompt counts.
      else if (ear < this.t.blinkClosedRatio * open && this.sawOpen) this.closedSince = face.timestamp;
      return 'pending';
    }
    if (face.timestamp - this.closedSince > this.t.maxBlinkMs) {
      // Eyes held shut (or a photo of closed eyes): not a blink; wait for them to open and try again.
      this.closedSince = null;
      this.sawOpen = false;
      return 'pending';
    }
    if (ear >= this.t.blinkReopenRatio * open) return 'passed';
    return 'pending';
  }
}

/** Yaw leaves the baseline by turnDegrees in the asked direction, then returns within returnDegrees. */
class TurnJudge implements ChallengeJudge {
  failure: string | null = null;
  private reached = false;
  private readonly sign: number;

  constructor(
    kind: 'turn-left' | 'turn-right',
    private readonly baseline: Baseline,
    private readonly t: LivenessThresholds,
  ) {
    // yaw > 0 is the person turning to their own left (models/types.ts).
    this.sign = kind === 'turn-left' ? 1 : -1;
  }

  update(face: FaceObservation): ChallengeState {
    if (!Number.isFinite(face.yaw)) return 'pending';
    const delta = this.sign * (face.yaw - this.baseline.yaw);
    if (!this.reached) {
      if (delta <= -this.t.wrongDirectionDegrees) {
        // Turning both ways until one works is what a replayed video would do: the first clear turn decides.
        this.failure = 'wrong-direction';
        return 'failed';
      }
      if (delta >= this.t.turnDegrees) this.reached = true;
      return 'pending';
    }
    return Math.abs(delta) <= this.t.returnDegrees ? 'passed' : 'pending';
  }
}

export function createJudge(kind: ChallengeKind, baseline: Baseline, t: LivenessThresholds): ChallengeJudge {
  return kind === 'blink' ? new BlinkJudge(baseline, t) : new TurnJudge(kind, baseline, t);
}
