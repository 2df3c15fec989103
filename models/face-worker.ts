/**
 * The face step's worker thread (worker-face-step.ts starts it): the engine and the per-frame work run here, so
 * the agent's own thread stays free for the chip read while the face is tracked. Frames are asked for one at a
 * time ('pull'), so the camera's drop-stale rule holds across the thread boundary.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Frame } from '../drivers/camera/types.ts';
import { isXacminhError, XacminhError } from '../drivers/errors.ts';
import { LocalFaceStep } from './face-step.ts';
import type { FaceTracking } from './types.ts';
import type { ToMain, ToWorker, WireError } from './worker-protocol.ts';

const port = parentPort!;
const send = (message: ToMain) => port.postMessage(message);
const errorOf = (error: unknown) =>
  isXacminhError(error)
    ? { code: error.code, message: error.message, evidence: { ...error.evidence } }
    : { code: 'MODEL_INVALID' as const, message: `Face step failed: ${error instanceof Error ? error.message : String(error)}`, evidence: {} };

interface Track {
  tracking: FaceTracking;
  stop: AbortController;
  waiting: ((frame: Frame | null, error?: WireError) => void) | undefined;
}
const tracks = new Map<number, Track>();

/** The frames of one tracking, delivered by the main thread one per 'pull'. */
function framesFor(id: number): AsyncIterable<Frame> {
  const iterator: AsyncIterator<Frame> = {
    next: () =>
      new Promise<IteratorResult<Frame>>((resolve, reject) => {
        const track = tracks.get(id);
        if (!track) return resolve({ done: true, value: undefined });
        track.waiting = (frame, error) => {
          if (error) reject(new XacminhError(error.code, error.message, error.evidence));
          else resolve(frame ? { done: false, value: frame } : { done: true, value: undefined });
        };
        send({ type: 'pull', id });
      }),
    return: async () => {
      send({ type: 'frames-done', id });
      return { done: true, value: undefined };
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}

try {
  const step = await LocalFaceStep.create(workerData as Parameters<typeof LocalFaceStep.create>[0]);
  send({ type: 'ready', model: step.engine.model });
  port.on('message', (message: ToWorker) => {
    const track = tracks.get(message.id);
    switch (message.type) {
      case 'begin': {
        const stop = new AbortController();
        const entry: Track = { tracking: undefined as unknown as FaceTracking, stop, waiting: undefined };
        tracks.set(message.id, entry);
        entry.tracking = step.begin(framesFor(message.id), { signal: stop.signal, notBefore: message.notBefore });
        break;
      }
      case 'frame':
        if (track?.waiting) {
          const deliver = track.waiting;
          track.waiting = undefined;
          deliver(message.frame, message.error);
        }
        break;
      case 'finish':
        if (!track) return send({ type: 'error', id: message.id, error: { code: 'CANCELLED', message: 'Face tracking already ended', evidence: {} } });
        track.tracking
          .finish(message.photo, { timeoutMs: message.timeoutMs, onGuidance: (guidance) => send({ type: 'guidance', id: message.id, guidance }) })
          .then(
            (evidence) => send({ type: 'evidence', id: message.id, evidence }),
            (error: unknown) => send({ type: 'error', id: message.id, error: errorOf(error) }),
          )
          .finally(() => tracks.delete(message.id));
        break;
      case 'analyze':
        step.engine.analyzeFrame(message.frame).then(
          ({ faces }) => send({ type: 'analyzed', id: message.id, faces }),
          (error: unknown) => send({ type: 'error', id: message.id, error: errorOf(error) }),
        );
        break;
      case 'cancel':
        if (!track) return;
        track.stop.abort(message.reason);
        track.tracking.cancel(message.reason);
        track.waiting?.(null);
        tracks.delete(message.id);
        break;
    }
  });
} catch (error) {
  send({ type: 'failed', error: errorOf(error) });
}
