/**
 * One customer's face, tracked from the moment the card is laid down (FaceStep.begin) and matched when the chip
 * photo arrives (finish). While the chip is read, each frame is detected, quality-checked and observed for
 * liveness (its prompt held), and the best few are kept — so that after the read only the photo's embedding
 * and the comparison are left. The rules are run()'s: the same frames, the same gates, the same decision.
 *
 * Bounded: frames are pulled one at a time (the source drops stale ones), at most keep + 2 decoded frames are
 * held, and tracking pauses once it has enough (no liveness) until the photo comes. Faces kept before the
 * liveness baseline restarted (the face was lost or jumped) are dropped: they may be someone else's.
 */
import { isXacminhError, throwIfCancelled, XacminhError } from '../drivers/errors.ts';
import { monotonicNow, type Frame } from '../drivers/camera/types.ts';
import { decodeChipPhoto } from './photo/decode-photo.ts';
import { assessQuality } from './quality/quality.ts';
import type { LivenessSession } from './liveness/liveness.ts';
import { LandmarkTracker, observeFollowed } from './liveness/landmark-tracker.ts';
import { meanVector, type FaceEngine } from './engine.ts';
import type { RgbImage } from './face-geometry.ts';
import type { ChallengeKind, FaceEvidence, FaceFinishOptions, FaceGuidance, FaceObservation, FaceTracking, QualityVerdict } from './types.ts';
import { keepBest, selectDiverse } from './frame-selection.ts';
import { SMALL_CHIP_PHOTO } from './chip-resolution.ts';

export interface TrackerConfig {
  engine: FaceEngine;
  /** Serialises engine calls: the photo's work interleaves with the frames', never overlaps them. */
  lane: EngineLane;
  /** null = liveness not checked (still images only; the evidence says so). */
  liveness: LivenessSession | null;
  threshold: number;
  fusedThreshold?: number | undefined;
  fusion: 'mean' | 'max';
  /** Frames embedded (1–3). */
  keep: number;
  /** Without liveness: enough once this many acceptable frames were seen. */
  framesWithoutLiveness: number;
  notBefore: number;
  signal?: AbortSignal | undefined;
  /** Without liveness: kept faces older than this when the photo comes are dropped and tracking goes on. */
  maxEvidenceAgeMs: number;
}

interface Candidate {
  frame: Frame;
  image: RgbImage;
  face: FaceObservation;
  quality: QualityVerdict;
  /** Embedded ahead while waiting for the photo. */
  vector?: Float32Array;
}

type Guidance = { code: FaceGuidance | ChallengeKind; messageVi: string };

const EYES_OPEN = 0.2; // a frame mid-blink makes a worse descriptor: keep it for liveness, not for the match

/**
 * One engine call at a time (Human keeps per-call state for video tracking), each after a turn of the event
 * loop: a model call holds the one JS thread for tens of ms, and calls chained back to back would leave the
 * chip read's APDU answers waiting for a whole frame's work instead of one call's.
 */
export class EngineLane {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T> | T): Promise<T> {
    const turn = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return work();
    };
    const next = this.tail.then(turn, turn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class FaceTracker implements FaceTracking {
  private readonly timings: Record<string, number> = {};
  private readonly pool: Candidate[] = [];
  private readonly motion = new LandmarkTracker();
  private framesSeen = 0;
  private acceptableFrames = 0;
  private lastQuality: QualityVerdict | null = null;
  private restartsSeen = 0;
  private endedBy: 'decided' | 'timeout' | 'source-ended' | undefined;
  private failure: unknown;
  private finishing = false;
  private readonly began = performance.now();
  private readonly stop = new AbortController();
  private readonly signal: AbortSignal;
  private wake: (() => void) | undefined;
  private stopForTimeout!: () => void;
  private readonly timedOut = new Promise<'timeout'>((resolve) => (this.stopForTimeout = () => resolve('timeout')));
  private current: Guidance | undefined;
  private told: string | undefined;
  private onGuidance: FaceFinishOptions['onGuidance'];
  private readonly loop: Promise<void>;

  constructor(
    private readonly c: TrackerConfig,
    frames: AsyncIterable<Frame>,
  ) {
    this.signal = c.signal ? AbortSignal.any([c.signal, this.stop.signal]) : this.stop.signal;
    this.loop = this.track(frames[Symbol.asyncIterator]()).catch((error: unknown) => {
      this.failure = error;
    });
  }

  /** Where tracking stands (tests and the bench): frames analysed, faces kept and embedded ahead, waiting for the photo. */
  get progress(): { framesSeen: number; kept: number; embedded: number; waitingForPhoto: boolean } {
    return { framesSeen: this.framesSeen, kept: this.pool.length, embedded: this.pool.filter((c) => c.vector).length, waitingForPhoto: this.wake !== undefined };
  }

  cancel(reason = 'face tracking cancelled'): void {
    if (!this.stop.signal.aborted) this.stop.abort(reason);
    this.wake?.();
    this.pool.length = 0; // nothing of this customer stays in memory
  }

  async finish(chipPhoto: Uint8Array, options: FaceFinishOptions = {}): Promise<FaceEvidence> {
    if (this.finishing) throw new XacminhError('INVALID_INPUT', 'finish() was already called for this face tracking', {});
    this.finishing = true;
    const started = performance.now();
    const signal = options.signal ? AbortSignal.any([options.signal, this.signal]) : this.signal;
    const timer = setTimeout(this.stopForTimeout, options.timeoutMs ?? 8000);
    try {
      throwIfCancelled(signal);
      this.onGuidance = options.onGuidance;
      const session = this.c.liveness;
      session?.releasePrompt(monotonicNow());
      if (session) this.tell({ code: session.challenge, messageVi: session.promptVi });
      else if (this.current) this.tell(this.current);
      this.wake?.();
      const photo = await this.photo(chipPhoto);
      throwIfCancelled(signal);
      await untilSettled(this.loop, signal);
      if (this.failure) throw this.failure;
      throwIfCancelled(signal);
      return await this.decide(photo, started);
    } catch (error) {
      this.cancel('face step failed');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async track(iterator: AsyncIterator<Frame>): Promise<void> {
    try {
      for (;;) {
        if (this.enough()) {
          if (this.finishing) {
            this.endedBy = 'decided';
            return;
          }
          await this.embedAhead();
          await this.paused();
          throwIfCancelled(this.signal);
          this.dropIfStale();
          continue;
        }
        const next = await nextFrame(iterator, this.timedOut, this.signal);
        if (next === 'timeout') {
          this.endedBy = 'timeout';
          return;
        }
        if (next.done) {
          this.endedBy = 'source-ended';
          return;
        }
        await this.observe(next.value);
        throwIfCancelled(this.signal);
      }
    } finally {
      // Not awaited: a generator blocked in its own await would hold the decision until it wakes up.
      iterator.return?.().catch(() => undefined);
      if (this.signal.aborted) this.pool.length = 0; // a frame in flight when cancelled is not kept either
    }
  }

  private enough(): boolean {
    const session = this.c.liveness;
    return session ? session.done && this.pool.length > 0 : this.acceptableFrames >= this.c.framesWithoutLiveness;
  }

  private async observe(frame: Frame): Promise<void> {
    // A frame taken before this verification began may show the previous customer (a camera keeps its
    // newest frame for whoever asks next): fusing one let an impostor through in the demo. Never use it.
    if (frame.timestamp < this.c.notBefore) return;
    this.framesSeen++;
    let analysed: { image: RgbImage; faces: FaceObservation[] };
    try {
      analysed = await this.time('detect', () => this.c.lane.run(() => this.c.engine.analyzeFrame(frame)));
    } catch (error) {
      if (isXacminhError(error, 'MALFORMED_DATA') || isXacminhError(error, 'FRAME_TOO_LARGE')) return; // one bad frame is not the end
      throw error;
    }
    if (this.signal.aborted) return; // cancelled while the frame was analysed: keep nothing of it
    const quality = await this.time('quality', () => assessQuality(analysed.faces));
    this.lastQuality = quality;
    const main = analysed.faces[0];
    const session = this.c.liveness;
    if (session && main && quality.guidance !== 'no-face' && quality.guidance !== 'multiple-faces') {
      await this.time('liveness', () => observeFollowed(session, this.motion, analysed.image, main));
      if (session.restarts !== this.restartsSeen) {
        this.restartsSeen = session.restarts;
        this.pool.length = 0; // the face was lost or jumped: the kept ones may be someone else's
      }
    }
    if (quality.acceptable && main) {
      this.acceptableFrames++;
      if ((main.leftEyeOpenness ?? 1) >= EYES_OPEN && (main.rightEyeOpenness ?? 1) >= EYES_OPEN) {
        keepBest(this.pool, { frame, image: analysed.image, face: main, quality }, this.c.keep + 2);
      }
    }
    if (session && !session.done && quality.acceptable) this.tell({ code: session.challenge, messageVi: session.promptVi });
    else this.tell({ code: quality.guidance, messageVi: quality.messageVi });
  }

  /** Waiting for the photo with enough faces: embed the ones the match will use, so only the photo is left. */
  private async embedAhead(): Promise<void> {
    for (const c of selectDiverse(this.pool, this.c.keep)) {
      if (c.vector || this.finishing || this.signal.aborted) continue;
      const [vector] = await this.time('embed-live', () => this.c.lane.run(() => this.c.engine.embedMany([{ image: c.image, face: c.face }])));
      c.vector = vector;
    }
  }

  private paused(): Promise<void> {
    if (this.finishing || this.signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Without liveness nothing ties kept faces to the person now in view: old ones are not used. */
  private dropIfStale(): void {
    if (this.c.liveness || this.pool.length === 0) return;
    const newest = Math.max(...this.pool.map((c) => c.frame.timestamp));
    if (monotonicNow() - newest <= this.c.maxEvidenceAgeMs) return;
    this.pool.length = 0;
    this.acceptableFrames = 0;
  }

  private async photo(chipPhoto: Uint8Array): Promise<{ vector: Float32Array; resolution: number }> {
    const { engine, lane } = this.c;
    const photo = await this.time('photo-decode', () => decodeChipPhoto(chipPhoto));
    const image = { rgb: photo.rgb, width: photo.width, height: photo.height };
    const faces = await this.time('photo-detect', () => lane.run(() => engine.analyze(image)));
    const face = faces[0];
    if (!face) throw new XacminhError('NO_FACE', 'No face found in the chip photo: read the card again; if it persists the photo is unusable', { format: photo.format });
    const vector = await this.time('embed-photo', () => lane.run(() => engine.embed(image, face)));
    return { vector, resolution: engine.chipResolution(face) };
  }

  private async decide(photo: { vector: Float32Array; resolution: number }, started: number): Promise<FaceEvidence> {
    const { engine } = this.c;
    const timings = this.timings;
    timings['tracked-before-photo'] = started - this.began;
    const best = selectDiverse(this.pool, this.c.keep);
    const liveness = this.c.liveness ? this.c.liveness.result() : null;
    const reasons: string[] = this.endedBy === 'timeout' ? ['timeout'] : [];
    if (!this.c.liveness) reasons.push('liveness-not-checked');
    const threshold = best.length > 1 ? Math.max(this.c.threshold, this.c.fusedThreshold ?? this.c.threshold) : this.c.threshold;
    const base = { liveness, threshold, model: engine.model, framesSeen: this.framesSeen, photoResolution: photo.resolution };
    if (best.length === 0) {
      // Usable faces, but every one mid-blink or squinting: say so, "quality ok" would leave the operator guessing.
      reasons.push(this.acceptableFrames > 0 ? 'eyes-closed' : this.lastQuality ? `quality-${this.lastQuality.guidance}` : 'no-frames');
      timings.total = performance.now() - started;
      return { decision: 'no-face', reasons, similarity: null, quality: this.lastQuality, timings, ...base };
    }
    const missing = best.filter((c) => !c.vector);
    const fresh = await this.time('embed-live', () => this.c.lane.run(() => engine.embedMany(missing.map((c) => ({ image: c.image, face: c.face })))));
    missing.forEach((c, i) => (c.vector = fresh[i]));
    const vectors = best.map((c) => c.vector!);
    const similarity =
      this.c.fusion === 'max' ? Math.max(...vectors.map((v) => engine.similarity(v, photo.vector))) : engine.similarity(meanVector(vectors), photo.vector);
    let decision: FaceEvidence['decision'];
    if (liveness && liveness.decision !== 'live') {
      decision = 'not-live';
      reasons.push(...liveness.reasons);
    } else decision = similarity >= threshold ? 'match' : 'no-match';
    // Only where it explains the outcome: a no-match that the card's own small photo may have caused.
    if (decision === 'no-match' && photo.resolution < SMALL_CHIP_PHOTO) reasons.push('chip-photo-small');
    const top = best[0]!;
    const bestFrameJpeg = await this.time('encode', () => frameJpeg(top));
    this.pool.length = 0;
    timings.total = performance.now() - started;
    return { decision, reasons, similarity, quality: top.quality, timings, bestFrameJpeg, ...base };
  }

  private tell(guidance: Guidance): void {
    this.current = guidance;
    if (!this.onGuidance || guidance.code === this.told) return;
    this.told = guidance.code;
    try {
      this.onGuidance(guidance);
    } catch {
      // A display bug must not end the verification.
    }
  }

  private async time<T>(stage: string, work: () => Promise<T> | T): Promise<T> {
    const t = performance.now();
    try {
      return await work();
    } finally {
      this.timings[stage] = (this.timings[stage] ?? 0) + performance.now() - t;
    }
  }
}

async function frameJpeg(c: Candidate): Promise<Uint8Array> {
  if (c.frame.jpeg) return c.frame.jpeg;
  const { default: sharp } = await import('sharp');
  const raw = { width: c.image.width, height: c.image.height, channels: 3 as const };
  return new Uint8Array(await sharp(c.image.rgb, { raw }).jpeg({ quality: 90 }).toBuffer());
}

/** The next frame, or 'timeout' once finish()'s limit passed; an abort rejects with CANCELLED even while the camera is silent. */
async function nextFrame(iterator: AsyncIterator<Frame>, timedOut: Promise<'timeout'>, signal: AbortSignal): Promise<IteratorResult<Frame> | 'timeout'> {
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      timedOut,
      iterator.next(),
      new Promise<never>((_, reject) => {
        onAbort = () => reject(cancelled(signal));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** Resolves when the tracking loop has ended; rejects CANCELLED at once when the signal fires. */
async function untilSettled(loop: Promise<void>, signal: AbortSignal): Promise<void> {
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([
      loop,
      new Promise<never>((_, reject) => {
        onAbort = () => reject(cancelled(signal));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

function cancelled(signal: AbortSignal): XacminhError {
  return new XacminhError('CANCELLED', 'Face step cancelled', { reason: String(signal.reason ?? '') });
}
