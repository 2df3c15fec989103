/**
 * The face side's contract: what the models produce per frame, what the quality and liveness logic decide
 * from it, and the FaceEvidence the agent records. Pure data — no tensors cross this boundary.
 */
import type { Frame } from '../drivers/camera/types.ts';

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One face found in one frame, measured by the runtime (detector + mesh + anti-spoof models). */
export interface FaceObservation {
  frameSequence: number;
  timestamp: number;
  frameWidth: number;
  frameHeight: number;
  box: FaceBox;
  detectionScore: number;
  /** Head pose in degrees: yaw > 0 = the person turned to their left (our right in the image), pitch > 0 = up. */
  yaw: number;
  pitch: number;
  roll: number;
  /** Eye aspect ratio from mesh landmarks (≈0.25–0.35 open, < 0.15 closed); null when the mesh is missing. */
  leftEyeOpenness: number | null;
  rightEyeOpenness: number | null;
  /** Variance of the Laplacian of the grey face crop: higher is sharper. */
  sharpness: number;
  /** Mean luma 0–255 of the face crop. */
  brightness: number;
  /** Passive anti-spoof and liveness model scores, 0 (spoof) … 1 (real); null when not run on this frame. */
  antispoof: number | null;
  liveness: number | null;
  /**
   * Image positions (px) of the mesh points the liveness motion checks follow, in the order of
   * models/liveness/planar-motion.ts LANDMARK_MESH_INDICES; absent without a mesh.
   */
  landmarks?: readonly (readonly [number, number])[];
  /**
   * The rigid landmarks of an earlier frame (`since`, its timestamp) followed to this frame by their pixels
   * (models/liveness/landmark-tracker.ts); null where a point was lost. Absent when no chain runs into this frame.
   */
  tracked?: TrackedLandmarks;
}

export interface TrackedLandmarks {
  since: number;
  points: readonly (readonly [number, number] | null)[];
}

export type FaceGuidance =
  | 'ok'
  | 'no-face'
  | 'multiple-faces'
  | 'move-closer'
  | 'move-back'
  | 'center-face'
  | 'look-straight'
  | 'hold-still'
  | 'too-dark'
  | 'too-bright';

export interface QualityVerdict {
  acceptable: boolean;
  guidance: FaceGuidance;
  /** What the customer is told, in Vietnamese ("Đưa mặt lại gần", "Nhìn thẳng vào camera", …). */
  messageVi: string;
  /** 0…1, to rank acceptable frames; 0 when not acceptable. */
  score: number;
}

export type ChallengeKind = 'blink' | 'turn-left' | 'turn-right' | 'nod';

export interface LivenessResult {
  decision: 'live' | 'spoof' | 'inconclusive';
  /** Aggregated passive score over the frames seen (0…1), and how many frames it came from. */
  passiveScore: number;
  passiveFrames: number;
  challenge: ChallengeKind;
  challengePassed: boolean;
  /** Stable reason codes, e.g. 'challenge-not-done', 'passive-low', 'face-jumped'. */
  reasons: string[];
}

export type FaceDecision = 'match' | 'no-match' | 'not-live' | 'no-face' | 'not-available' | 'error';

export interface FaceEvidence {
  decision: FaceDecision;
  reasons: string[];
  liveness: LivenessResult | null;
  similarity: number | null;
  threshold: number;
  /** Quality of the frame used for the match (null when none was acceptable). */
  quality: QualityVerdict | null;
  model: { name: string; sha256: string } | null;
  /** Milliseconds per stage: decode, detect, liveness, embed-photo, embed-live, total … */
  timings: Record<string, number>;
  framesSeen: number;
  /**
   * Source pixels per chip pixel of the chip photo's face (models/chip-resolution.ts): below SMALL_CHIP_PHOTO
   * the photo is too small for a reliable match and the reasons say 'chip-photo-small'.
   */
  photoResolution?: number;
  /** The chosen live frame as JPEG, for the register; absent when no face was accepted. */
  bestFrameJpeg?: Uint8Array;
}

export interface FaceStepOptions {
  signal?: AbortSignal;
  /** Called whenever the guidance for the customer changes (including the challenge prompt). */
  onGuidance?: (guidance: { code: FaceGuidance | ChallengeKind; messageVi: string }) => void;
  /** Give up after this long without a decision (default 8000 ms). */
  timeoutMs?: number;
  /**
   * Frames captured before this moment (Frame.timestamp's clock, monotonicNow())
   * are never used: they may show the previous customer. Default: when run() starts. The session passes the
   * moment the card was laid down, so a frame taken while the chip was read counts.
   */
  notBefore?: number;
}

/** Where tracking starts: the same frames and cut-off as run(), before the chip photo is known. */
export interface FaceTrackOptions {
  /** Ends the tracking (card lifted, verification cancelled): a later finish() rejects with CANCELLED. */
  signal?: AbortSignal;
  /** As FaceStepOptions.notBefore: the session passes the moment the card was laid down. */
  notBefore?: number;
}

/** What is left once the chip photo is known: the guidance callback, the time limit and the signal (as run()). */
export type FaceFinishOptions = Pick<FaceStepOptions, 'signal' | 'onGuidance' | 'timeoutMs'>;

/**
 * A face step started before the chip photo: frames are detected, quality-checked and the best kept (and the
 * liveness baseline collected, its prompt held) while the chip is read. finish() adds the photo and applies the
 * same rules as run(); the time limit counts from finish().
 */
export interface FaceTracking {
  finish(chipPhoto: Uint8Array, options?: FaceFinishOptions): Promise<FaceEvidence>;
  /** Stops tracking and drops the kept frames (no photo is coming); idempotent, also after finish(). */
  cancel(reason?: string): void;
}

/** The face step of a verification: the chip photo against live frames. */
export interface FaceStep {
  run(chipPhoto: Uint8Array, frames: AsyncIterable<Frame>, options?: FaceStepOptions): Promise<FaceEvidence>;
  /** Starts tracking before the chip photo is known (optional: a step without it runs after the read). */
  begin?(frames: AsyncIterable<Frame>, options?: FaceTrackOptions): FaceTracking;
  close(): Promise<void>;
}
