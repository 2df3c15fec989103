/**
 * Liveness for one face step: a randomised active challenge judged from the runtime's per-frame
 * measurements, continuity checks between consecutive frames, and the passive model scores aggregated over
 * the frames — combined by the rule documented in operating-point.ts.
 *
 * Timeline: observe() every frame in which the customer's face was found (whatever its quality: a turned
 * head fails the quality gate but is exactly what a turn challenge needs). The first frontal frames form the
 * person's baseline; when it is complete `prompting` turns true and `promptedAt` is set — show `promptVi`
 * then. Actions before the prompt (plus a human reaction time) do not count. Time comes from the frame
 * timestamps only, so results are reproducible from recorded observations.
 */
import { randomInt } from 'node:crypto';
import { XacminhError } from '../../drivers/errors.ts';
import type { ChallengeKind, FaceObservation, LivenessResult } from '../types.ts';
import { createJudge, eyeOpenness, type ChallengeJudge, type DepthSummary } from './challenge.ts';
import { LIVENESS_OPERATING_POINT, type LivenessThresholds } from './operating-point.ts';

export { LIVENESS_OPERATING_POINT, type LivenessThresholds } from './operating-point.ts';

export const CHALLENGE_KINDS: readonly ChallengeKind[] = Object.freeze(['blink', 'turn-left', 'turn-right', 'nod']);
/**
 * The challenges drawn unless a site lists its own (face.challenges): the turns and the nod, whose depth is checked
 * on the followed pixels. A blink rests on the mesh's eye opening alone, which drifts on still screens and cut-outs:
 * a fresh run of generated attacks passed it 2 times in 210 (a still screen and a cut-out: bench/RESULTS.md,
 * liveness-attacks), where none of 630 turns and nods passed. A site asks for it knowingly.
 */
export const DEFAULT_CHALLENGES: readonly ChallengeKind[] = Object.freeze(['turn-left', 'turn-right', 'nod']);

/** What the customer is asked to do; "trái" is the customer's own left (yaw > 0), not the mirrored preview's. */
export const CHALLENGE_PROMPTS_VI: Readonly<Record<ChallengeKind, string>> = Object.freeze({
  blink: 'Chớp mắt một lần',
  'turn-left': 'Quay đầu sang trái, rồi nhìn lại camera',
  'turn-right': 'Quay đầu sang phải, rồi nhìn lại camera',
  nod: 'Gật đầu một lần, rồi nhìn lại camera',
});

export interface LivenessOptions extends Partial<LivenessThresholds> {
  /** Force the challenge (tests, or a retry policy); default: drawn at random from `challenges`. */
  challenge?: ChallengeKind;
  /** The kinds to draw from (default DEFAULT_CHALLENGES: the turns and the nod). */
  challenges?: readonly ChallengeKind[];
  /** Uniform in [0, 1); default a cryptographic draw, so the next challenge cannot be predicted. */
  random?: () => number;
  /**
   * Collect the baseline but hold the prompt until releasePrompt(): the face step tracks the customer while the
   * chip is read (FaceStep.begin), and the challenge may start only once it is on the screen. While held, the
   * baseline is the most recent frontal frames (a rolling window), so it describes the customer as they are
   * when the prompt appears; the rest of the rule is unchanged.
   */
  holdPrompt?: boolean;
}

/** Continuity failures that are evidence of an attack, not just a customer who moved away. */
// 'planar-motion' is not among them: a flat-looking movement is refused, but a real face flatter than the mean
// face comes nearer the threshold (operating-point.ts parallaxMin): the customer may try again.
const ATTACK_REASONS = new Set(['face-jumped', 'pose-jumped', 'wrong-direction']);
/** Passive scores kept (a rolling window): a customer tracked for minutes while a key is typed stays bounded. */
const MAX_PASSIVE_SCORES = 600;

export class LivenessSession {
  readonly challenge: ChallengeKind;
  readonly promptVi: string;
  private readonly t: LivenessThresholds;
  private last: FaceObservation | null = null;
  private readonly baselineFrames: FaceObservation[] = [];
  private judge: ChallengeJudge | null = null;
  private prompted: number | null = null;
  private passed = false;
  private finished = false;
  private readonly failures: string[] = [];
  private readonly passive: number[] = [];
  private framesSeen = 0;
  private restartCount = 0;
  /** The baseline's reference frame once the prompt is given (see referenceAt). */
  private reference: number | undefined;
  /** Frame time from which the prompt may be given: null while held, -Infinity when never held. */
  private releasedAt: number | null;

  constructor(options: LivenessOptions = {}) {
    const { challenge, challenges = DEFAULT_CHALLENGES, random, holdPrompt, ...overrides } = options;
    this.releasedAt = holdPrompt ? null : Number.NEGATIVE_INFINITY;
    this.t = resolveThresholds(overrides);
    if (challenges.length === 0 || challenges.some((c) => !CHALLENGE_KINDS.includes(c))) {
      throw new XacminhError('CONFIG_INVALID', `Liveness challenges must be a non-empty list of ${CHALLENGE_KINDS.join(', ')}`, {
        challenges: [...challenges],
      });
    }
    this.challenge = challenge ?? pick(challenges, random);
    this.promptVi = CHALLENGE_PROMPTS_VI[this.challenge];
  }

  /** True once the baseline is complete: the prompt should be on screen from now on. */
  get prompting(): boolean {
    return this.prompted !== null && !this.finished;
  }

  /** Timestamp of the frame at which the prompt was due (null before). */
  get promptedAt(): number | null {
    return this.prompted;
  }

  /** True when more frames cannot change the result. */
  get done(): boolean {
    return this.finished;
  }

  get frames(): number {
    return this.framesSeen;
  }

  /**
   * The timestamp of the frame the motion checks will compare against (Baseline.landmarks): before the prompt the
   * newest baseline frame with landmarks so far, from the prompt on the baseline's. The face step starts its
   * followed-point chain there (landmark-tracker.ts). null when there is none.
   */
  get referenceAt(): number | null {
    return this.reference ?? referenceOf(this.baselineFrames).landmarksAt ?? null;
  }

  /** What the turn or nod judge's depth checks read so far (null for a blink or before the prompt); diagnostics. */
  get depth(): DepthSummary | null {
    return this.judge?.depth ?? null;
  }

  /**
   * How often the baseline started afresh because the tracked face was lost or jumped before the prompt: a
   * caller keeping faces for the match drops them then, since they may be someone else's.
   */
  get restarts(): number {
    return this.restartCount;
  }

  /** Lets the prompt be given (holdPrompt): at the first frame from `at` (Frame.timestamp's clock) on whose baseline is complete. */
  releasePrompt(at: number): void {
    if (this.releasedAt === null) this.releasedAt = at;
  }

  observe(face: FaceObservation): void {
    if (this.finished) return;
    const last = this.last;
    // Duplicate or out-of-order frames carry no new evidence.
    if (!Number.isFinite(face.timestamp) || (last && face.timestamp <= last.timestamp)) return;
    if (last) {
      const broken = this.discontinuity(last, face);
      if (broken && this.prompted !== null) return this.fail(broken);
      // Before the prompt nothing has been asked yet: a customer settling in front of the camera (or being
      // replaced) just starts the baseline and the passive evidence afresh.
      if (broken) this.restart();
    }
    this.last = face;
    this.framesSeen++;
    const passive = passiveScore(face);
    if (passive !== null) this.passive.push(passive);
    if (this.passive.length > MAX_PASSIVE_SCORES) this.passive.shift();

    if (this.prompted === null) {
      this.collectBaseline(face);
      return;
    }
    const sincePrompt = face.timestamp - this.prompted;
    if (!this.passed && sincePrompt >= this.t.minReactionMs && sincePrompt <= this.t.responseWindowMs) {
      const state = this.judge!.update(face);
      if (state === 'passed') this.passed = true;
      if (state === 'failed') return this.fail(this.judge!.failure ?? 'challenge-failed');
    }
    if (this.passed && this.passive.length >= this.t.minPassiveFrames) this.finished = true;
    if (sincePrompt >= this.t.responseWindowMs) this.finished = true;
  }

  result(): LivenessResult {
    const passiveScore = median(this.passive);
    const passiveFrames = this.passive.length;
    const reasons = [...this.failures];
    const enoughPassive = passiveFrames >= this.t.minPassiveFrames;
    if (this.prompted === null && reasons.length === 0) reasons.push('no-baseline');
    if (!this.passed && !reasons.some((r) => ATTACK_REASONS.has(r))) reasons.push('challenge-not-done');
    if (!enoughPassive) reasons.push('passive-too-few-frames');
    else if (passiveScore < this.t.passiveLiveAtLeast) reasons.push('passive-low');

    let decision: LivenessResult['decision'];
    if (reasons.some((r) => ATTACK_REASONS.has(r)) || (enoughPassive && passiveScore < this.t.passiveSpoofBelow)) decision = 'spoof';
    else if (reasons.length === 0) decision = 'live';
    else decision = 'inconclusive';
    return { decision, passiveScore, passiveFrames, challenge: this.challenge, challengePassed: this.passed, reasons };
  }

  /** Consecutive frames must show the same face moving like a head: no gap, no teleport, no pose snap. */
  private discontinuity(last: FaceObservation, face: FaceObservation): string | null {
    if (face.timestamp - last.timestamp > this.t.maxGapMs) return 'face-lost';
    const a = last.box;
    const b = face.box;
    const shift = Math.hypot(b.x + b.width / 2 - (a.x + a.width / 2), b.y + b.height / 2 - (a.y + a.height / 2));
    const scale = Math.max(a.height, b.height) / Math.max(1e-6, Math.min(a.height, b.height));
    if (!(shift <= this.t.maxJumpFraction * a.height && scale <= this.t.maxScaleJump)) return 'face-jumped';
    // A missing pose (NaN) is no evidence either way; only two measured poses can snap.
    if (Number.isFinite(face.yaw) && Number.isFinite(last.yaw) && Math.abs(face.yaw - last.yaw) > this.t.maxYawStepDegrees) {
      return 'pose-jumped';
    }
    return null;
  }

  private restart(): void {
    this.restartCount++;
    this.baselineFrames.length = 0;
    this.passive.length = 0;
  }

  private collectBaseline(face: FaceObservation): void {
    const frontal = Math.abs(face.yaw) <= this.t.baselineMaxAngle && Math.abs(face.pitch) <= this.t.baselineMaxAngle;
    // The blink judge needs the eyes measured; a turn judge only the pose.
    if (!frontal || (this.challenge === 'blink' && eyeOpenness(face) === null)) return;
    this.baselineFrames.push(face);
    const held = this.releasedAt === null || face.timestamp < this.releasedAt;
    // Held: keep the shortest recent window that still meets both minimums (bounded, and current).
    while (held && this.baselineFrames.length > this.t.minBaselineFrames && face.timestamp - this.baselineFrames[1]!.timestamp >= this.t.minBaselineMs) {
      this.baselineFrames.shift();
    }
    const first = this.baselineFrames[0]!;
    if (held || this.baselineFrames.length < this.t.minBaselineFrames || face.timestamp - first.timestamp < this.t.minBaselineMs) return;
    const eyes = this.baselineFrames.map(eyeOpenness).filter((v): v is number => v !== null);
    const baseline = {
      // A blink only ever lowers the opening: a natural one during the baseline must not lower "open" with it.
      eyeOpenness: eyes.length > 0 ? quantile(eyes, 0.75) : null,
      eyeOpennessSpread: openSpread(eyes, this.t.blinkReopenRatio),
      eyeOpennessTrack: eyes,
      yaw: median(this.baselineFrames.map((f) => f.yaw)),
      pitch: median(this.baselineFrames.map((f) => f.pitch)),
      // What the motion checks compare against.
      ...referenceOf(this.baselineFrames),
    };
    this.judge = createJudge(this.challenge, baseline, this.t);
    this.reference = baseline.landmarksAt;
    this.prompted = face.timestamp;
  }

  private fail(reason: string): void {
    this.failures.push(reason);
    this.finished = true;
  }
}

/** The newest baseline frame the mesh gave landmarks for: its landmarks and when (the tracked chain starts there). */
function referenceOf(frames: readonly FaceObservation[]): { landmarks?: FaceObservation['landmarks']; landmarksAt?: number } {
  const frame = frames.findLast((f) => f.landmarks !== undefined);
  return frame ? { landmarks: frame.landmarks, landmarksAt: frame.timestamp } : {};
}

/**
 * The spread (1.4826 × median absolute deviation) of the eye openness over the baseline frames where the eyes
 * were open (≥ reopenRatio × the open level): a natural blink during the baseline does not inflate it.
 */
function openSpread(eyes: readonly number[], reopenRatio: number): number {
  if (eyes.length === 0) return 0;
  const open = eyes.filter((e) => e >= reopenRatio * quantile(eyes, 0.75));
  const centre = median(open);
  return 1.4826 * median(open.map((e) => Math.abs(e - centre)));
}

function pick(kinds: readonly ChallengeKind[], random: (() => number) | undefined): ChallengeKind {
  const index = random ? Math.min(kinds.length - 1, Math.max(0, Math.floor(random() * kinds.length))) : randomInt(kinds.length);
  return kinds[index]!;
}

function passiveScore(face: FaceObservation): number | null {
  const scores = [face.antispoof, face.liveness].filter((v): v is number => v !== null && Number.isFinite(v));
  return scores.length === 0 ? null : scores.reduce((a, b) => a + b, 0) / scores.length;
}

/** The p-quantile (nearest rank) of values; 0 for none. */
function quantile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Median (robust to the few frames a motion blur or a half-closed eye spoils); 0 for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function resolveThresholds(overrides: Partial<LivenessThresholds>): LivenessThresholds {
  const t: LivenessThresholds = { ...LIVENESS_OPERATING_POINT };
  for (const [key, value] of Object.entries(overrides) as [keyof LivenessThresholds, unknown][]) {
    if (value === undefined) continue;
    if (!(key in LIVENESS_OPERATING_POINT) || typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new XacminhError('CONFIG_INVALID', `Liveness threshold ${key} must be a non-negative number`, { key, value });
    }
    t[key] = value;
  }
  if (!(t.blinkClosedRatio < t.blinkReopenRatio && t.blinkReopenRatio <= 1)) {
    throw new XacminhError('CONFIG_INVALID', 'Liveness thresholds need blinkClosedRatio < blinkReopenRatio ≤ 1', {
      blinkClosedRatio: t.blinkClosedRatio,
      blinkReopenRatio: t.blinkReopenRatio,
    });
  }
  if (!(t.passiveSpoofBelow <= t.passiveLiveAtLeast && t.returnDegrees < t.turnDegrees && t.returnDegrees < t.nodDegrees)) {
    throw new XacminhError('CONFIG_INVALID', 'Liveness thresholds need passiveSpoofBelow ≤ passiveLiveAtLeast and returnDegrees below turnDegrees and nodDegrees', {
      ...t,
    });
  }
  return t;
}
