/**
 * How the session starts the face step: tracked from the moment the card is laid down (overlap: FaceStep.begin,
 * finish() once the chip is read), or started after the read (no overlap, a face step without begin, a retry).
 * Either way the frames come from the one frames() hand-off and none from before `notBefore` is used.
 */
import type { Frame } from '../../drivers/camera/types.ts';
import type { FaceEvidence, FaceFinishOptions, FaceStep, FaceTracking } from '../../models/types.ts';
import type { SessionDeps } from './session.ts';

/** The face step once the chip photo is known: the tracking's finish(), or run() started now. */
export type FaceRun = (chipPhoto: Uint8Array, options: FaceFinishOptions) => Promise<FaceEvidence>;

/** Face tracking from the card on (config face.overlap, a face step that can begin, a camera); else undefined. */
export function beginTracking(deps: Pick<SessionDeps, 'face' | 'frames' | 'config' | 'log'>, signal: AbortSignal, notBefore: number): FaceTracking | undefined {
  const { face, frames, config } = deps;
  if (!face?.begin || !frames || config.face.overlap === false) return undefined;
  try {
    return face.begin(frames(), { signal, notBefore });
  } catch (error) {
    // The face step then starts after the read, as without overlap.
    deps.log.warn({ err: error }, 'face tracking could not start during the chip read');
    return undefined;
  }
}

/** The face step started only when the photo is known: its frames from `notBefore` (the card, or the retry) on. */
export function runAfter(face: FaceStep, frames: () => AsyncIterable<Frame>, notBefore: number): FaceRun {
  return (chipPhoto, options) => face.run(chipPhoto, frames(), { ...options, notBefore });
}
