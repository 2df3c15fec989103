/**
 * The face step on its own thread (FaceStep, begin/finish as LocalFaceStep): on one JS thread every model
 * call held the chip read's APDU answers back, so tracking the face during the read made the read as much
 * slower as the face work took (bench/RESULTS.md, issue 18). Here the agent's thread only hands camera frames
 * over, one per request from the worker, and the engine works beside the read.
 *
 * A worker that dies fails the steps in progress with MODEL_INVALID and every later one the same way: the
 * session records "face error" for them, it never crashes.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../drivers/module-worker.ts';
import { monotonicNow, type Frame } from '../drivers/camera/types.ts';
import { isXacminhError, XacminhError, throwIfCancelled } from '../drivers/errors.ts';
import type { FaceEvidence, FaceFinishOptions, FaceObservation, FaceStep, FaceStepOptions, FaceTracking, FaceTrackOptions } from './types.ts';
import type { LocalFaceStep } from './face-step.ts';
import type { ToMain, ToWorker, WireError } from './worker-protocol.ts';

interface Pending {
  iterator: AsyncIterator<Frame>;
  finish?: { resolve: (e: FaceEvidence) => void; reject: (e: unknown) => void; onGuidance: FaceFinishOptions['onGuidance'] };
  ended: boolean;
}

const fromWire = (e: WireError) => new XacminhError(e.code, e.message, e.evidence);
const toWire = (e: unknown): WireError =>
  isXacminhError(e) ? { code: e.code, message: e.message, evidence: { ...e.evidence } } : { code: 'CAMERA_UNAVAILABLE', message: e instanceof Error ? e.message : String(e), evidence: {} };

export class WorkerFaceStep implements FaceStep {
  private readonly pending = new Map<number, Pending>();
  private readonly analyses = new Map<number, { resolve: (faces: FaceObservation[]) => void; reject: (e: unknown) => void }>();
  private nextId = 1;
  private dead: XacminhError | undefined;

  /** Starts the worker and loads the engine there (config as LocalFaceStep.create); rejects as create() would. */
  static async create(config: Parameters<typeof LocalFaceStep.create>[0] = {}): Promise<WorkerFaceStep> {
    const worker = startFaceWorker(config);
    const model = await new Promise<{ name: string; sha256: string }>((resolve, reject) => {
      worker.once('message', (message: ToMain) => {
        if (message.type === 'ready') resolve(message.model);
        else if (message.type === 'failed') reject(fromWire(message.error));
      });
      // stage 'worker': the thread itself failed, not the models (the caller may run the step in its own thread).
      worker.once('error', (error) => reject(new XacminhError('MODEL_INVALID', `The face worker failed to start: ${error.message}`, { stage: 'worker' }, { cause: error })));
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    return new WorkerFaceStep(worker, model);
  }

  private constructor(
    private readonly worker: Worker,
    readonly model: { name: string; sha256: string },
  ) {
    worker.on('message', (message: ToMain) => this.onMessage(message));
    const die = (why: string) => {
      this.dead ??= new XacminhError('MODEL_INVALID', `The face worker stopped: ${why}`);
      for (const [id, p] of this.pending) this.end(id, p, this.dead);
      for (const a of this.analyses.values()) a.reject(this.dead);
      this.analyses.clear();
    };
    worker.on('error', (error) => die(error.message));
    worker.on('exit', (code) => die(`exit ${code}`));
  }

  async run(chipPhoto: Uint8Array, frames: AsyncIterable<Frame>, options: FaceStepOptions = {}): Promise<FaceEvidence> {
    throwIfCancelled(options.signal);
    const { notBefore, ...finish } = options;
    return this.begin(frames, { ...(options.signal ? { signal: options.signal } : {}), notBefore: notBefore ?? monotonicNow() }).finish(chipPhoto, finish);
  }

  begin(frames: AsyncIterable<Frame>, options: FaceTrackOptions = {}): FaceTracking {
    const id = this.nextId++;
    const entry: Pending = { iterator: frames[Symbol.asyncIterator](), ended: false };
    const cancel = (reason: string) => {
      if (entry.ended) return;
      this.post({ type: 'cancel', id, reason });
      this.end(id, entry, new XacminhError('CANCELLED', 'Face step cancelled', { reason }));
    };
    const onAbort = () => cancel(String(options.signal?.reason ?? 'cancelled'));
    if (this.dead) entry.ended = true;
    else {
      this.pending.set(id, entry);
      this.post({ type: 'begin', id, notBefore: options.notBefore ?? monotonicNow() });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.signal?.aborted) onAbort();
    }
    return {
      finish: (photo, finishOptions = {}) =>
        new Promise<FaceEvidence>((resolve, reject) => {
          if (this.dead) return reject(this.dead);
          if (entry.ended) return reject(new XacminhError('CANCELLED', 'Face step cancelled'));
          entry.finish = { resolve, reject, onGuidance: finishOptions.onGuidance };
          const stop = finishOptions.signal;
          if (stop?.aborted) return cancel(String(stop.reason ?? 'cancelled'));
          stop?.addEventListener('abort', () => cancel(String(stop.reason ?? 'cancelled')), { once: true });
          this.post({ type: 'finish', id, photo, timeoutMs: finishOptions.timeoutMs });
        }).finally(() => options.signal?.removeEventListener('abort', onAbort)),
      cancel: (reason = 'face tracking cancelled') => cancel(reason),
    };
  }

  /** The engine's per-frame analysis, for the self-test's camera check (as LocalFaceStep.engine.analyzeFrame). */
  readonly engine = {
    analyzeFrame: (frame: Frame): Promise<{ faces: FaceObservation[] }> =>
      new Promise((resolve, reject) => {
        if (this.dead) return reject(this.dead);
        const id = this.nextId++;
        this.analyses.set(id, { resolve: (faces) => resolve({ faces }), reject });
        this.post({ type: 'analyze', id, frame: stripDecoded(frame) });
      }),
  };

  async close(): Promise<void> {
    this.dead ??= new XacminhError('CANCELLED', 'The face step was closed');
    await this.worker.terminate();
  }

  private onMessage(message: ToMain): void {
    if (!('id' in message)) return;
    const analysis = this.analyses.get(message.id);
    if (analysis && (message.type === 'analyzed' || message.type === 'error')) {
      this.analyses.delete(message.id);
      if (message.type === 'analyzed') analysis.resolve(message.faces);
      else analysis.reject(fromWire(message.error));
      return;
    }
    const entry = this.pending.get(message.id);
    if (!entry) return;
    switch (message.type) {
      case 'pull':
        // One frame per request: a slow worker leaves frames to the camera, which drops the stale ones.
        entry.iterator.next().then(
          (next) => !entry.ended && this.post({ type: 'frame', id: message.id, frame: next.done ? null : stripDecoded(next.value) }),
          // The camera gave up: the step fails with its error, as it would on this thread.
          (error: unknown) => !entry.ended && this.post({ type: 'frame', id: message.id, frame: null, error: toWire(error) }),
        );
        break;
      case 'frames-done':
        entry.iterator.return?.().catch(() => undefined);
        break;
      case 'guidance':
        try {
          entry.finish?.onGuidance?.(message.guidance);
        } catch {
          // A display bug must not end the verification.
        }
        break;
      case 'evidence':
        entry.finish?.resolve(message.evidence);
        this.end(message.id, entry);
        break;
      case 'error':
        this.end(message.id, entry, fromWire(message.error));
        break;
    }
  }

  private end(id: number, entry: Pending, error?: XacminhError): void {
    if (entry.ended) return;
    entry.ended = true;
    this.pending.delete(id);
    entry.iterator.return?.().catch(() => undefined);
    if (error) entry.finish?.reject(error);
  }

  private post(message: ToWorker): void {
    if (!this.dead) this.worker.postMessage(message);
  }
}

/** The worker decodes the JPEG itself: pixels decoded here would only be copied across for nothing. */
function stripDecoded(frame: Frame): Frame {
  const { rgb: _rgb, ...rest } = frame;
  return rest;
}

function startFaceWorker(workerData: unknown): Worker {
  return startModuleWorker(import.meta.url, 'face-worker', workerData);
}
