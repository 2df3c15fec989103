/** Messages between the agent's thread and the face step's worker thread (face-worker.ts, worker-face-step.ts). */
import type { Frame } from '../drivers/camera/types.ts';
import type { ErrorCode } from '../drivers/errors.ts';
import type { ChallengeKind, FaceEvidence, FaceGuidance, FaceObservation } from './types.ts';

export interface WireError {
  code: ErrorCode;
  message: string;
  evidence: Record<string, unknown>;
}

export type ToWorker =
  | { type: 'begin'; id: number; notBefore: number }
  /** null: the camera has no more frames (error: it failed, as its iterator threw). */
  | { type: 'frame'; id: number; frame: Frame | null; error?: WireError }
  | { type: 'finish'; id: number; photo: Uint8Array; timeoutMs: number | undefined }
  | { type: 'cancel'; id: number; reason: string }
  /** One frame's faces (the self-test's camera check), apart from any face step. */
  | { type: 'analyze'; id: number; frame: Frame };

export type ToMain =
  | { type: 'ready'; model: { name: string; sha256: string } }
  | { type: 'failed'; error: WireError }
  /** The tracking is ready for its next frame. */
  | { type: 'pull'; id: number }
  /** The tracking will take no more frames: the camera's iterator can be closed. */
  | { type: 'frames-done'; id: number }
  | { type: 'guidance'; id: number; guidance: { code: FaceGuidance | ChallengeKind; messageVi: string } }
  | { type: 'evidence'; id: number; evidence: FaceEvidence }
  | { type: 'error'; id: number; error: WireError }
  | { type: 'analyzed'; id: number; faces: FaceObservation[] };
