/**
 * What every frame source shares: typed events whose listeners cannot break the source, and a bounded
 * mailbox the consumer pulls frames from (leaving a for-await loop does not stop the camera: stop() does).
 */
import { EventEmitter } from 'node:events';
import { FrameMailbox } from './frame-mailbox.ts';
import type { Frame, FrameSource, FrameSourceEvents, FrameSourceStats } from './types.ts';

export abstract class FrameSourceBase implements FrameSource {
  private readonly events = new EventEmitter();
  protected readonly mailbox: FrameMailbox<Frame>;

  protected constructor(bufferFrames: number) {
    this.mailbox = new FrameMailbox<Frame>(bufferFrames);
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
  abstract get stats(): FrameSourceStats;

  on<E extends keyof FrameSourceEvents>(event: E, listener: FrameSourceEvents[E]): this {
    this.events.on(event, listener);
    return this;
  }

  off<E extends keyof FrameSourceEvents>(event: E, listener: FrameSourceEvents[E]): this {
    this.events.off(event, listener);
    return this;
  }

  [Symbol.asyncIterator](): AsyncIterator<Frame> {
    return { next: () => this.mailbox.next(), return: async () => ({ value: undefined, done: true }) };
  }

  protected emit<E extends keyof FrameSourceEvents>(event: E, ...args: Parameters<FrameSourceEvents[E]>): void {
    for (const listener of this.events.listeners(event)) {
      try {
        (listener as (...a: unknown[]) => void)(...args);
      } catch {
        // A listener's bug must not stop the camera.
      }
    }
  }
}
