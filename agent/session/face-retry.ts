/**
 * Retry the face step: what a retry needs from the last verification whose face step failed on a genuine chip
 * (its record and the chip photo), held in memory only, for FACE_RETRY_WINDOW_MS from the chip read at most.
 *
 * The card need not stay on the reader: the chip was read and proven genuine in that verification, and only the
 * face is done again (customers pick their card up when they see a rejection). What bounds it is time and the
 * next customer: the data is dropped after the window, when the next card is laid down, when the operator
 * cancels, and when the agent stops. A retry may be retried, MAX_FACE_RETRIES times per chip read, so a
 * rejection cannot be turned into unlimited tries at the match threshold.
 */
import type { VerificationRecord } from './record.ts';

export const FACE_RETRY_WINDOW_MS = 120_000;
export const MAX_FACE_RETRIES = 2;

/** Reasons a second look at the camera can change: not a chip without a photo, not a chip that failed. */
const RETRYABLE = new Set(['face-no-match', 'face-not-live', 'face-not-available', 'face-no-face', 'face-eyes-closed', 'face-error']);

export const RETRY_REFUSALS_VI = {
  busy: 'Đang có một lần xác minh khác: chờ xong rồi thử lại.',
  noFace: 'Máy này không có camera hoặc bộ nhận diện khuôn mặt: không chụp lại được.',
  notHeld: 'Chỉ chụp lại được khuôn mặt cho lần xác minh gần nhất bị từ chối vì khuôn mặt (thẻ thật); hãy đặt lại thẻ lên đầu đọc.',
  expired: 'Đã quá 2 phút từ lúc đọc thẻ nên dữ liệu thẻ đã được xóa: hãy đặt lại thẻ lên đầu đọc.',
  exhausted: `Đã chụp lại khuôn mặt ${MAX_FACE_RETRIES} lần cho lần đọc thẻ này: hãy đặt lại thẻ lên đầu đọc.`,
} as const;

export interface HeldVerification {
  /** The verification being retried (its id becomes the new record's retryOf). */
  record: VerificationRecord;
  /** The chip's DG2 photo (a copy, zeroed when dropped). */
  photo: Uint8Array;
  /** When the chip was read (the injected clock): the window counts from here, retries do not extend it. */
  readAt: number;
  retries: number;
}

export class FaceRetryHold {
  private held: HeldVerification | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly now: () => number) {}

  /** After each verification: holds it when a face retry could help, and forgets anything held before. */
  offer(record: VerificationRecord, photo: Uint8Array | null, readAt: number, retries = 0): void {
    const kept = this.held?.photo === photo ? photo : null; // a retry offers the photo it was given back
    this.clear(kept);
    if (!photo || record.decision === 'verified' || record.chip?.verdict !== 'genuine' || !record.reasons.some((r) => RETRYABLE.has(r.code))) {
      if (kept) kept.fill(0);
      return;
    }
    const remaining = FACE_RETRY_WINDOW_MS - (this.now() - readAt);
    if (remaining <= 0) {
      if (kept) kept.fill(0);
      return;
    }
    this.held = { record, photo: kept ?? Uint8Array.from(photo), readAt, retries };
    // Dropped on time even when nobody asks again; unref: a held photo never keeps the process alive.
    this.timer = setTimeout(() => this.clear(), remaining);
    this.timer.unref();
  }

  /** The held verification for a retry of `verificationId`, or why not (Vietnamese, for the operator). */
  take(verificationId: string): { held: HeldVerification } | { refusedVi: string } {
    const held = this.held;
    if (!held || held.record.id !== verificationId) return { refusedVi: RETRY_REFUSALS_VI.notHeld };
    if (this.now() - held.readAt >= FACE_RETRY_WINDOW_MS) {
      this.clear();
      return { refusedVi: RETRY_REFUSALS_VI.expired };
    }
    if (held.retries >= MAX_FACE_RETRIES) return { refusedVi: RETRY_REFUSALS_VI.exhausted };
    // The retry uses the photo now; its own offer() afterwards holds it again (or drops it) by the same window.
    clearTimeout(this.timer);
    return { held };
  }

  get holding(): string | undefined {
    return this.held?.record.id;
  }

  /** Drops what is held (the photo bytes zeroed); `keep` is a photo the caller goes on using. */
  clear(keep: Uint8Array | null = null): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.held && this.held.photo !== keep) this.held.photo.fill(0);
    this.held = undefined;
  }
}
