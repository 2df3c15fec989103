/**
 * Frame sources: the camera side of the terminal. A source runs on its own (a child process, an HTTP
 * stream, a folder) and the consumer pulls frames; a lagging consumer loses old frames, never memory.
 */
import type { XacminhError } from '../errors.ts';

export interface Frame {
  /** The frame as the camera sent it (one complete JPEG, SOI … EOI). */
  jpeg?: Uint8Array;
  width: number;
  height: number;
  /** Packed RGB, width × height × 3; filled by decodeFrame() only for frames the consumer takes. */
  rgb?: Uint8Array;
  /** Milliseconds since the epoch, from a monotonic clock (performance.timeOrigin + now()). */
  timestamp: number;
  /** 1, 2, 3 … per source over its whole life: a gap in what the consumer sees is frames dropped. */
  sequence: number;
}

export interface FrameSourceStats {
  /** Frames the source produced. */
  readonly received: number;
  /** Frames discarded because the consumer had not taken them before newer ones arrived. */
  readonly dropped: number;
  /** Times the underlying process or connection was started again after a failure. */
  readonly restarts: number;
}

export interface FrameSourceEvents {
  /** Not named 'error': an 'error' event without a listener would crash the terminal. */
  fault: (error: XacminhError) => void;
  /** A frame was lost (corrupt JPEG structure, over the size limit); the stream goes on. */
  badFrame: (error: XacminhError) => void;
  restart: (info: { attempt: number; delayMs: number; cause: XacminhError }) => void;
}

/**
 * Iterating does not start or stop the source: call start() first and stop() at the end. The iterator
 * ends after stop() (or at the end of a finite source) and throws when the source gave up for good.
 */
export interface FrameSource extends AsyncIterable<Frame> {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly stats: FrameSourceStats;
  on<E extends keyof FrameSourceEvents>(event: E, listener: FrameSourceEvents[E]): this;
  off<E extends keyof FrameSourceEvents>(event: E, listener: FrameSourceEvents[E]): this;
}

export function monotonicNow(): number {
  return performance.timeOrigin + performance.now();
}
