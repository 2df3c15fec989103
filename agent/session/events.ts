/**
 * What the verification session tells the pages (kiosk, operator) and the indicators while it runs, and
 * what the operator can ask of it. The session is the only producer; listeners never throw into it.
 */
import type { VerificationRecord } from './record.ts';

export type SessionState =
  | 'idle' // waiting for a card
  | 'access-key' // a card is there; waiting for the ID number / QR / MRZ
  | 'reading-chip'
  | 'checking-authenticity'
  | 'face' // face capture, liveness challenge, match
  | 'deciding'
  | 'recording'
  | 'result' // showing the outcome; back to idle after a few seconds or when the card is lifted
  | 'offline'; // the agent cannot verify right now (no reader); the message says why

export interface SessionUpdate {
  state: SessionState;
  /** ULID of the verification in progress (absent when idle). */
  verificationId?: string;
  /** The main instruction on the kiosk, Vietnamese, short ("Đặt thẻ CCCD lên đầu đọc"). */
  messageVi: string;
  /** Chip read progress 0…1 while reading. */
  progress?: number;
  /** Face guidance or challenge code (see models/types.ts FaceGuidance / ChallengeKind). */
  guidance?: string;
  /** Set in the 'result' state. */
  record?: VerificationRecord;
  /**
   * With 'result': the chip photo as read (DG2: JPEG or JPEG 2000) and the best live frame (JPEG), for the
   * operator's page only. The UI keeps them in memory for its recent list; /events never carries them.
   */
  photos?: ResultPhotos;
  at: string;
}

export interface SessionEvents {
  update: (update: SessionUpdate) => void;
}

export interface ResultPhotos {
  chip?: Uint8Array | undefined;
  bestFrame?: Uint8Array | undefined;
}

/**
 * What the session itself does for the operator. Every method validates its input and throws XacminhError
 * INVALID_INPUT / BUSY. The agent adds what needs the register (OperatorActions).
 */
export interface SessionActions {
  /** ID number (12 digits), MRZ text or QR text for the card on the reader. */
  submitAccessKey(text: string): void;
  /** Contract or room reference stored with the next (or current) verification. */
  setReference(text: string): void;
  cancel(): void;
  current(): SessionUpdate;
  on(event: 'update', listener: SessionEvents['update']): unknown;
  off(event: 'update', listener: SessionEvents['update']): unknown;
}

/** What the operator view can do: the session's actions, and those on a verification already recorded. */
export interface OperatorActions extends SessionActions {
  /** Runs the face step again for that verification (its card still on the reader); accepted false with why when it cannot. */
  retryFace(verificationId: string): Promise<{ accepted: boolean; reasonVi?: string }>;
  /** Adds the contract/room reference to a recorded verification (a register 'operator' entry). */
  setReferenceFor(verificationId: string, reference: string): Promise<{ ok: boolean; reasonVi?: string }>;
}
