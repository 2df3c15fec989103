/**
 * A test double for the verification session: tests drive its state with emit(), and read what the pages asked
 * of it in `calls`. Its input rules are the real session's (INVALID_INPUT for a bad access key or reference,
 * BUSY when told it is busy), so a page that passes against it sends what the session accepts.
 */
import { ulid } from 'ulid';
import { XacminhError } from '../../drivers/errors.ts';
import type { OperatorActions, SessionState, SessionUpdate } from '../session/events.ts';
import { STATE_MESSAGES } from '../session/messages.ts';
import { RECORD_SCHEMA_VERSION, type Decision, type Reason, type VerificationRecord } from '../session/record.ts';

export type FakeCall =
  | { method: 'submitAccessKey' | 'setReference'; text: string }
  | { method: 'cancel' }
  | { method: 'retryFace'; verificationId: string }
  | { method: 'setReferenceFor'; verificationId: string; reference: string };

type Listener = (update: SessionUpdate) => void;

export class FakeSession implements OperatorActions {
  readonly calls: FakeCall[] = [];
  /** When true, submitAccessKey throws BUSY (a verification is past the access-key step). */
  busy = false;
  /** When set, the next action throws it (to test how the server survives an unexpected error). */
  failNext: unknown;
  /** What retryFace answers (the real one is the session's: accepted while that card is still on the reader). */
  retryAnswer: { accepted: boolean; reasonVi?: string } = { accepted: true };
  /** Stands in for the agent's setReferenceFor (agent/run/operator-actions.ts) when set; otherwise answers ok. */
  referenceFor: ((verificationId: string, reference: string) => Promise<{ ok: boolean; reasonVi?: string }>) | undefined;
  private state: SessionUpdate = { state: 'idle', messageVi: STATE_MESSAGES.idle, at: new Date().toISOString() };
  private readonly listeners = new Set<Listener>();

  get listenerCount(): number {
    return this.listeners.size;
  }

  submitAccessKey(text: string): void {
    this.calls.push({ method: 'submitAccessKey', text });
    this.throwIfFailing();
    const trimmed = text.trim();
    if (!/^\d{12}$/.test(trimmed) && !trimmed.includes('|') && !trimmed.includes('<')) {
      throw new XacminhError('INVALID_INPUT', 'Give the 12-digit ID number, the QR code text or the MRZ lines of the card', { field: 'access-key' });
    }
    if (this.busy) throw new XacminhError('BUSY', 'A verification is already past the access-key step; wait for its result');
  }

  setReference(text: string): void {
    this.calls.push({ method: 'setReference', text });
    this.throwIfFailing();
    if (text.trim().length > 64) throw new XacminhError('INVALID_INPUT', 'The reference must be at most 64 printable characters', { field: 'reference' });
  }

  cancel(): void {
    this.calls.push({ method: 'cancel' });
    this.throwIfFailing();
    this.emit({ state: 'idle' });
  }

  async retryFace(verificationId: string): Promise<{ accepted: boolean; reasonVi?: string }> {
    this.calls.push({ method: 'retryFace', verificationId });
    this.throwIfFailing();
    return this.retryAnswer;
  }

  async setReferenceFor(verificationId: string, reference: string): Promise<{ ok: boolean; reasonVi?: string }> {
    this.calls.push({ method: 'setReferenceFor', verificationId, reference });
    this.throwIfFailing();
    return this.referenceFor ? this.referenceFor(verificationId, reference) : { ok: true };
  }

  current(): SessionUpdate {
    return this.state;
  }

  on(_event: 'update', listener: Listener): this {
    this.listeners.add(listener);
    return this;
  }

  off(_event: 'update', listener: Listener): this {
    this.listeners.delete(listener);
    return this;
  }

  /** Moves to a state as the session would announce it; messageVi defaults to the session's text for it. */
  emit(update: Partial<SessionUpdate> & { state: SessionState }): SessionUpdate {
    this.state = { messageVi: STATE_MESSAGES[update.state], at: new Date().toISOString(), ...update };
    for (const listener of this.listeners) listener(this.state);
    return this.state;
  }

  private throwIfFailing(): void {
    const failure = this.failNext;
    if (failure === undefined) return;
    this.failNext = undefined;
    throw failure;
  }
}

/** A finished record with made-up identity data, for the pages' result screen. */
export function sampleRecord(decision: Decision, options: { fullName?: string; reasons?: Reason[] } = {}): VerificationRecord {
  const now = new Date().toISOString();
  const id = ulid();
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    id,
    siteId: 'site-test',
    deviceId: 'device-test',
    startedAt: now,
    finishedAt: now,
    decision,
    reasons: options.reasons ?? [],
    accessKeySource: 'id-number',
    identity: {
      idNumber: '079090001234',
      fullName: options.fullName ?? 'Nguyễn Thị Hồng Nhung',
      dateOfBirth: '1990-05-17',
      sex: 'Nữ',
      nationality: 'Việt Nam',
      placeOfOrigin: 'Huế',
      placeOfResidence: '12 Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh',
      dateOfIssue: '2021-04-01',
      dateOfExpiry: '2030-05-17',
      documentNumber: '079090001234',
    },
    chip: null,
    face: null,
    steps: [{ step: 'read-chip', ms: 850, outcome: 'ok' }],
    operatorReference: null,
  };
}
