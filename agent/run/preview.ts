/**
 * The kiosk's live camera picture, tapped where the agent hands frames to the face step. The tap sits in the
 * frames' path and only notes the JPEG of each frame as it goes by: it decodes nothing, keeps no frame of its
 * own for the face step (the face step pulls exactly what it pulled before, when it pulled it) and stores
 * nothing: the one JPEG it holds is dropped when the step lets go of the frames.
 *
 * Only the JPEG and its size are kept, never the Frame: the face step fills frame.rgb in place (decodeFrame),
 * and holding the Frame would keep megabytes of pixels alive after the step is done with them.
 */
import { EventEmitter } from 'node:events';
import type { Frame } from '../../drivers/camera/types.ts';
import type { PreviewFrame, PreviewSource } from '../ui/preview-route.ts';

export type { PreviewFrame, PreviewSource };

export class PreviewTap extends EventEmitter<{ frame: []; start: []; end: [] }> implements PreviewSource {
  private current: PreviewFrame | undefined;
  /** Open frame iterators (one per face step; two would overlap only if a step started before the last ended). */
  private open = 0;

  get active(): boolean {
    return this.open > 0;
  }

  latest(): PreviewFrame | undefined {
    return this.current;
  }

  /** Wraps the session's `frames` dependency: each call (one face step) yields the same frames, noted on the way. */
  wrap(frames: () => AsyncIterable<Frame>): () => AsyncIterable<Frame> {
    return () => ({ [Symbol.asyncIterator]: () => this.iterate(frames()[Symbol.asyncIterator]()) });
  }

  private iterate(inner: AsyncIterator<Frame>): AsyncIterator<Frame> {
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (--this.open === 0) {
        this.current = undefined;
        this.tell('end');
      }
    };
    this.open++;
    if (this.open === 1) this.tell('start');
    // A plain iterator, not an async generator: return() must take effect at once (the face step does not wait
    // for it), where a generator suspended in `await inner.next()` would only return after that frame arrives.
    return {
      next: async () => {
        const result = await inner.next();
        if (result.done) end();
        else if (!ended && result.value.jpeg) {
          const { jpeg, width, height, sequence } = result.value;
          this.current = { jpeg, width, height, sequence };
          this.tell('frame');
        }
        return result;
      },
      return: async (value?: unknown) => {
        end();
        return (await inner.return?.(value)) ?? { done: true, value: undefined };
      },
      throw: async (error?: unknown) => {
        end();
        if (inner.throw) return inner.throw(error);
        throw error;
      },
    };
  }

  /** A listener's mistake must never reach the face step through its frames. */
  private tell(event: 'frame' | 'start' | 'end'): void {
    try {
      this.emit(event);
    } catch {
      // the UI side logs its own failures; the frames go on
    }
  }
}
