/**
 * The face step of a verification (FaceStep in models/types.ts): the chip photo against live frames.
 * Frames are pulled one at a time, only when the previous one is done, so a slow step never queues
 * frames — the FrameSource drops stale ones (its contract). Each frame: decode → detect/mesh/passive →
 * quality gate → liveness observation; the best-quality frames are kept, and at the end 1–3 of them, best
 * first and at different poses (frame-selection.ts), are embedded, fused (mean descriptor) and compared
 * with the chip photo at the calibrated threshold (a stricter one when frames are fused).
 * begin() does the per-frame part while the chip is read (face-tracking.ts); run() is begin() + finish().
 */
import { throwIfCancelled, XacminhError } from '../drivers/errors.ts';
import { monotonicNow, type Frame } from '../drivers/camera/types.ts';
import { LivenessSession, type LivenessThresholds } from './liveness/liveness.ts';
import { FaceEngine, VIDEO_TRACKING } from './engine.ts';
import { calibrationPathFor, FACE_MODEL_ENV } from './embedder.ts';
import { fusedThreshold, readCalibration, type Calibration } from './threshold.ts';
import type { ChallengeKind, FaceEvidence, FaceStep, FaceStepOptions, FaceTrackOptions } from './types.ts';
import { EngineLane, FaceTracker } from './face-tracking.ts';

export interface FaceStepConfig {
  engine: FaceEngine;
  /** Cosine threshold, from the calibration of the engine's model (LocalFaceStep.create reads the right one). */
  threshold: number;
  /** Threshold when more than one live frame is fused (stricter; see threshold.ts fusedThreshold). */
  fusedThreshold?: number;
  /** false = liveness NOT checked (testing and calibration with still images only; the evidence says so). */
  liveness?: boolean;
  challenge?: ChallengeKind;
  /** The challenges drawn from when none is forced (default liveness.ts DEFAULT_CHALLENGES: the turns and the nod). */
  challenges?: readonly ChallengeKind[];
  /** Site overrides of the liveness operating point (e.g. a larger turnDegrees / nodDegrees). */
  livenessThresholds?: Partial<LivenessThresholds>;
  random?: () => number;
  /** How many of the best frames to embed (1–3). */
  maxEmbedFrames?: number;
  /** 'mean' descriptor of the best frames, or the 'max' similarity over them. */
  fusion?: 'mean' | 'max';
  /** Without liveness: stop once this many acceptable frames were seen. */
  framesWithoutLiveness?: number;
  /** Without liveness: faces kept longer than this before the photo came are not used (default 3000 ms). */
  maxEvidenceAgeMs?: number;
}

export class LocalFaceStep implements FaceStep {
  private readonly threshold: number;
  private readonly lane = new EngineLane();

  /**
   * Loads the engine the way the calibration was measured (same weights, same mirror averaging), so the
   * threshold means what it says; a calibration made for other weights is refused.
   */
  static async create(
    config: Omit<FaceStepConfig, 'engine' | 'threshold'> & { calibration?: Calibration; manifestPath?: string; track?: { frames: number; ms: number } | false } = {},
  ): Promise<LocalFaceStep> {
    // The provisioned model's own calibration when XACMINH_FACE_MODEL names one (its threshold means nothing for other weights).
    const calibration = config.calibration ?? readCalibration(await calibrationPathFor());
    // Video: reuse detector boxes across near-identical frames (VIDEO_TRACKING, measured in bench/face);
    // the mesh and the passive models still run on every frame, so blinks and head turns are all seen.
    const track = config.track === false ? undefined : (config.track ?? { ...VIDEO_TRACKING });
    const engine = await FaceEngine.load({
      flipAverage: calibration.flipAverage === true,
      ...(track ? { track } : {}),
      ...(config.manifestPath ? { manifestPath: config.manifestPath } : {}),
    });
    if (engine.model.sha256 !== calibration.model.sha256) {
      await engine.close();
      throw new XacminhError('CONFIG_INVALID', `The face-match calibration was made for other model weights than ${engine.model.name}: run xacminh face-calibrate DIR (a folder of photos per person)${process.env[FACE_MODEL_ENV] ? ` with ${FACE_MODEL_ENV} set` : ''}`, {
        calibrated: calibration.model.sha256,
        loaded: engine.model.sha256,
      });
    }
    const fused = fusedThreshold(calibration, config.fusion ?? 'mean');
    return new LocalFaceStep({ ...config, engine, threshold: calibration.threshold, ...(fused !== null ? { fusedThreshold: fused } : {}) }, true);
  }

  constructor(
    private readonly config: FaceStepConfig,
    private readonly ownsEngine = false,
  ) {
    this.threshold = config.threshold;
  }

  get engine(): FaceEngine {
    return this.config.engine;
  }

  /**
   * Another step on this one's engine and calibrated thresholds, with some options changed (a forced challenge
   * per recorded clip): the engine is loaded once, and stays this step's to close.
   */
  sharingEngine(overrides: Omit<Partial<FaceStepConfig>, 'engine' | 'threshold' | 'fusedThreshold'>): LocalFaceStep {
    return new LocalFaceStep({ ...this.config, ...overrides });
  }

  async run(chipPhoto: Uint8Array, frames: AsyncIterable<Frame>, options: FaceStepOptions = {}): Promise<FaceEvidence> {
    throwIfCancelled(options.signal);
    const tracking = this.begin(frames, { ...(options.signal ? { signal: options.signal } : {}), notBefore: options.notBefore ?? monotonicNow() });
    const { notBefore: _notBefore, ...finish } = options;
    return tracking.finish(chipPhoto, finish);
  }

  /**
   * Starts the step before the chip photo is known (face-tracking.ts): the session calls it when the card is
   * laid down and finish() when the chip has been read and found genuine.
   */
  begin(frames: AsyncIterable<Frame>, options: FaceTrackOptions = {}): FaceTracker {
    const live = this.config.liveness !== false;
    const keep = Math.min(3, Math.max(1, this.config.maxEmbedFrames ?? 3));
    return new FaceTracker(
      {
        engine: this.config.engine,
        lane: this.lane,
        liveness: live
          ? new LivenessSession({
              holdPrompt: true,
              ...(this.config.challenge ? { challenge: this.config.challenge } : {}),
              ...(this.config.challenges ? { challenges: this.config.challenges } : {}),
              ...this.config.livenessThresholds,
              ...(this.config.random ? { random: this.config.random } : {}),
            })
          : null,
        threshold: this.threshold,
        fusedThreshold: this.config.fusedThreshold,
        fusion: this.config.fusion ?? 'mean',
        keep,
        framesWithoutLiveness: this.config.framesWithoutLiveness ?? keep,
        notBefore: options.notBefore ?? monotonicNow(), // Frame.timestamp's clock
        signal: options.signal,
        maxEvidenceAgeMs: this.config.maxEvidenceAgeMs ?? 3000,
      },
      frames,
    );
  }

  /** Releases the engine when create() loaded it; an engine passed in belongs to the caller. */
  async close(): Promise<void> {
    if (this.ownsEngine) await this.config.engine.close();
  }
}
