/**
 * The face step of a verification (FaceStep in models/types.ts): the chip photo against live frames.
 * Frames are pulled one at a time, only when the previous one is done, so a slow step never queues
 * frames — the FrameSource drops stale ones (its contract). Each frame: decode → detect/mesh/passive →
 * quality gate → liveness observation; the best-quality frames are kept, and at the end 1–3 of them, best
 * first and at different poses (frame-selection.ts), are embedded, fused (mean descriptor) and compared
 * with the chip photo at the calibrated threshold (a stricter one when frames are fused).
 */
import { isXacminhError, throwIfCancelled, XacminhError } from '../drivers/errors.ts';
import { monotonicNow, type Frame } from '../drivers/camera/types.ts';
import { decodeChipPhoto } from './photo/decode-photo.ts';
import { assessQuality } from './quality/quality.ts';
import { LivenessSession } from './liveness/liveness.ts';
import { FaceEngine, meanVector, VIDEO_TRACKING } from './engine.ts';
import type { RgbImage } from './face-geometry.ts';
import { calibrationPathFor, FACE_MODEL_ENV } from './embedder.ts';
import { fusedThreshold, readCalibration, type Calibration } from './threshold.ts';
import type { ChallengeKind, FaceEvidence, FaceObservation, FaceStep, FaceStepOptions, FaceGuidance, QualityVerdict } from './types.ts';
import { keepBest, selectDiverse } from './frame-selection.ts';
import { SMALL_CHIP_PHOTO } from './chip-resolution.ts';

export interface FaceStepConfig {
  engine: FaceEngine;
  /** Cosine threshold, from the calibration of the engine's model (LocalFaceStep.create reads the right one). */
  threshold: number;
  /** Threshold when more than one live frame is fused (stricter; see threshold.ts fusedThreshold). */
  fusedThreshold?: number;
  /** false = liveness NOT checked (testing and calibration with still images only; the evidence says so). */
  liveness?: boolean;
  challenge?: ChallengeKind;
  random?: () => number;
  /** How many of the best frames to embed (1–3). */
  maxEmbedFrames?: number;
  /** 'mean' descriptor of the best frames, or the 'max' similarity over them. */
  fusion?: 'mean' | 'max';
  /** Without liveness: stop once this many acceptable frames were seen. */
  framesWithoutLiveness?: number;
}

interface Candidate {
  frame: Frame;
  image: RgbImage;
  face: FaceObservation;
  quality: QualityVerdict;
}

const EYES_OPEN = 0.2; // a frame mid-blink makes a worse descriptor: keep it for liveness, not for the match

export class LocalFaceStep implements FaceStep {
  private readonly threshold: number;

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

  async run(chipPhoto: Uint8Array, frames: AsyncIterable<Frame>, options: FaceStepOptions = {}): Promise<FaceEvidence> {
    const { engine } = this.config;
    const signal = options.signal;
    throwIfCancelled(signal);
    const started = performance.now();
    const notBefore = options.notBefore ?? monotonicNow(); // Frame.timestamp's clock
    const timings: Record<string, number> = {};
    const time = async <T>(stage: string, work: () => Promise<T> | T): Promise<T> => {
      const t = performance.now();
      try {
        return await work();
      } finally {
        timings[stage] = (timings[stage] ?? 0) + performance.now() - t;
      }
    };

    const photo = await time('photo-decode', () => decodeChipPhoto(chipPhoto));
    const photoImage = { rgb: photo.rgb, width: photo.width, height: photo.height };
    const photoFaces = await time('photo-detect', () => engine.analyze(photoImage));
    if (!photoFaces[0]) throw new XacminhError('NO_FACE', 'No face found in the chip photo: read the card again; if it persists the photo is unusable', { format: photo.format });
    const photoVector = await time('embed-photo', () => engine.embed(photoImage, photoFaces[0]!));
    const photoResolution = engine.chipResolution(photoFaces[0]!);
    throwIfCancelled(signal);

    const live = this.config.liveness !== false;
    const session = live
      ? new LivenessSession({
          ...(this.config.challenge ? { challenge: this.config.challenge } : {}),
          ...(this.config.random ? { random: this.config.random } : {}),
        })
      : null;
    let lastGuidance: string | undefined;
    const tell = (code: FaceGuidance | ChallengeKind, messageVi: string) => {
      if (code === lastGuidance) return;
      lastGuidance = code;
      try {
        options.onGuidance?.({ code, messageVi });
      } catch {
        // A display bug must not end the verification.
      }
    };
    if (session) tell(session.challenge, session.promptVi);

    const keep = Math.min(3, Math.max(1, this.config.maxEmbedFrames ?? 3));
    const pool: Candidate[] = []; // a few more frames than we embed, to choose different poses from (each holds a decoded frame)
    let framesSeen = 0;
    let acceptableFrames = 0;
    let lastQuality: QualityVerdict | null = null;
    const timeoutMs = options.timeoutMs ?? 8000;
    const deadline = started + timeoutMs;
    const iterator = frames[Symbol.asyncIterator]();
    let endedBy = 'source-ended';
    try {
      for (;;) {
        const next = await nextFrame(iterator, deadline, signal);
        if (next === 'timeout') {
          endedBy = 'timeout';
          break;
        }
        if (next.done) break;
        const frame = next.value;
        // A frame taken before this verification began may show the previous customer (a camera keeps its
        // newest frame for whoever asks next): fusing one let an impostor through in the demo. Never use it.
        if (frame.timestamp < notBefore) continue;
        framesSeen++;
        let analysed: { image: RgbImage; faces: FaceObservation[] };
        try {
          analysed = await time('detect', () => engine.analyzeFrame(frame));
        } catch (error) {
          if (isXacminhError(error, 'MALFORMED_DATA') || isXacminhError(error, 'FRAME_TOO_LARGE')) continue; // one bad frame is not the end
          throw error;
        }
        const quality = await time('quality', () => assessQuality(analysed.faces));
        lastQuality = quality;
        const main = analysed.faces[0];
        if (session && main && quality.guidance !== 'no-face' && quality.guidance !== 'multiple-faces') {
          await time('liveness', () => session.observe(main));
        }
        if (quality.acceptable && main) {
          acceptableFrames++;
          if ((main.leftEyeOpenness ?? 1) >= EYES_OPEN && (main.rightEyeOpenness ?? 1) >= EYES_OPEN) {
            keepBest(pool, { frame, image: analysed.image, face: main, quality }, keep + 2);
          }
        }
        if (session && !session.done) tell(quality.acceptable ? session.challenge : quality.guidance, quality.acceptable ? session.promptVi : quality.messageVi);
        else tell(quality.guidance, quality.messageVi);
        const enough = session ? session.done && pool.length > 0 : acceptableFrames >= (this.config.framesWithoutLiveness ?? keep);
        if (enough) {
          endedBy = 'decided';
          break;
        }
        throwIfCancelled(signal);
      }
    } finally {
      // Not awaited: a generator blocked in its own await would hold the decision until it wakes up.
      iterator.return?.().catch(() => undefined);
    }
    throwIfCancelled(signal);

    const best = selectDiverse(pool, keep);
    const liveness = session ? session.result() : null;
    const reasons: string[] = endedBy === 'timeout' ? ['timeout'] : [];
    if (!session) reasons.push('liveness-not-checked');
    const threshold = best.length > 1 ? Math.max(this.threshold, this.config.fusedThreshold ?? this.threshold) : this.threshold;
    const base = { liveness, threshold, model: engine.model, framesSeen, photoResolution };
    if (best.length === 0) {
      // Usable faces, but every one mid-blink or squinting: say so, "quality ok" would leave the operator guessing.
      reasons.push(acceptableFrames > 0 ? 'eyes-closed' : lastQuality ? `quality-${lastQuality.guidance}` : 'no-frames');
      timings.total = performance.now() - started;
      return { decision: 'no-face', reasons, similarity: null, quality: lastQuality, timings, ...base };
    }
    const vectors = await time('embed-live', () => engine.embedMany(best.map((c) => ({ image: c.image, face: c.face }))));
    const similarity =
      this.config.fusion === 'max'
        ? Math.max(...vectors.map((v) => engine.similarity(v, photoVector)))
        : engine.similarity(meanVector(vectors), photoVector);
    let decision: FaceEvidence['decision'];
    if (liveness && liveness.decision !== 'live') {
      decision = 'not-live';
      reasons.push(...liveness.reasons);
    } else decision = similarity >= threshold ? 'match' : 'no-match';
    // Only where it explains the outcome: a no-match that the card's own small photo may have caused.
    if (decision === 'no-match' && photoResolution < SMALL_CHIP_PHOTO) reasons.push('chip-photo-small');
    const top = best[0]!;
    const bestFrameJpeg = await time('encode', () => frameJpeg(top));
    timings.total = performance.now() - started;
    return { decision, reasons, similarity, quality: top.quality, timings, bestFrameJpeg, ...base };
  }

  /** Releases the engine when create() loaded it; an engine passed in belongs to the caller. */
  async close(): Promise<void> {
    if (this.ownsEngine) await this.config.engine.close();
  }
}

async function frameJpeg(c: Candidate): Promise<Uint8Array> {
  if (c.frame.jpeg) return c.frame.jpeg;
  const { default: sharp } = await import('sharp');
  const raw = { width: c.image.width, height: c.image.height, channels: 3 as const };
  return new Uint8Array(await sharp(c.image.rgb, { raw }).jpeg({ quality: 90 }).toBuffer());
}

/** The next frame, or 'timeout' at the deadline; an abort rejects with CANCELLED even while the camera is silent. */
async function nextFrame(iterator: AsyncIterator<Frame>, deadline: number, signal: AbortSignal | undefined): Promise<IteratorResult<Frame> | 'timeout'> {
  const remaining = deadline - performance.now();
  if (remaining <= 0) return 'timeout';
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      iterator.next(),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), remaining))),
      new Promise<never>((_, reject) => {
        onAbort = () => reject(new XacminhError('CANCELLED', 'Face step cancelled', { reason: String(signal?.reason ?? '') }));
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
