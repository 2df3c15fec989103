/**
 * One verification at a time, as a state machine: card → access key → chip → authenticity → face →
 * decision → record → indicators → ready again. The session decides and hands the VerificationRecord to
 * `record`; it knows nothing of SQLite or MQTT. A failing step ends the verification with reasons; it
 * never ends the session.
 */
import { EventEmitter } from 'node:events';
import { ulid } from 'ulid';
import { monotonicNow, type Frame } from '../../drivers/camera/types.ts';
import { accessKeyFromIdNumber, accessKeyFromMrz, accessKeyFromQr, type AccessKey } from '../../drivers/emrtd/access-key.ts';
import { checkAuthenticity, type Authenticity } from '../../drivers/emrtd/authenticity/verdict.ts';
import type { TrustStore } from '../../drivers/emrtd/authenticity/trust-store.ts';
import { readDocument, type ChipDocument } from '../../drivers/emrtd/read-document.ts';
import { XacminhError, isXacminhError } from '../../drivers/errors.ts';
import type { FaceEvidence, FaceStep } from '../../models/types.ts';
import type { AgentConfig } from '../config/schema.ts';
import type { CardHandle, CardPort } from './card-port.ts';
import type { SessionActions, SessionEvents, SessionState, SessionUpdate } from './events.ts';
import { RECORD_SCHEMA_VERSION, type Decision, type Reason, type StepName, type StepTiming, type VerificationRecord } from './record.ts';
import { authenticityReasons, chipPhotoOf, chipSummaryOf, errorReason, identityOf, sessionReason } from './record-builder.ts';
import { STATE_MESSAGES, guidanceMessage } from './messages.ts';
import { StepClock, waitFor } from './step-clock.ts';

export type IndicatorSignal = 'ready' | 'busy' | 'verified' | 'rejected' | 'error' | 'offline';

export interface SessionLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SessionDeps {
  config: Pick<AgentConfig, 'siteId' | 'deviceId' | 'timeouts' | 'face'>;
  cards: CardPort;
  trust: TrustStore;
  /** null: the face engine is not available on this terminal; the face step reports so, never passes. */
  face: FaceStep | null;
  /** Live camera frames for one face step; null when there is no camera. */
  frames: (() => AsyncIterable<Frame>) | null;
  /** Stores the record (register + outbox) — must not resolve before it is durable. */
  record(record: VerificationRecord, bestFrameJpeg: Uint8Array | undefined): Promise<void>;
  indicate?(signal: IndicatorSignal): Promise<void>;
  log: SessionLogger;
}

const MAX_KEY_ATTEMPTS = 3;

export class VerificationSession extends EventEmitter<{ update: Parameters<SessionEvents['update']>; done: [VerificationRecord] }> implements SessionActions {
  private state: SessionUpdate = { state: 'idle', messageVi: STATE_MESSAGES.idle, at: new Date().toISOString() };
  private running: Promise<void> | undefined;
  private pendingKey: AccessKey | undefined;
  private keyWaiter: ((key: AccessKey) => void) | undefined;
  private reference: string | null = null;
  private cancelCurrent: AbortController | undefined;
  /** When the current card was laid down (Frame.timestamp clock): the face step uses no frame from before it. */
  private cardLaidAt = 0;
  private resultTimer: NodeJS.Timeout | undefined;
  private readonly onCard = (handle: CardHandle) => this.handleCard(handle);
  private readonly onFault = (error: XacminhError) => this.setOffline(error);
  private readonly onReady = () => {
    if (this.state.state === 'offline') this.publish('idle', {});
  };

  constructor(private deps: SessionDeps) {
    super();
  }

  start(): void {
    this.deps.cards.on('card', this.onCard).on('fault', this.onFault).on('ready', this.onReady);
    void this.indicate('ready');
  }

  /** Stops taking cards, cancels a verification in progress and waits until it is recorded. */
  async stop(): Promise<void> {
    this.deps.cards.off('card', this.onCard).off('fault', this.onFault).off('ready', this.onReady);
    this.cancelCurrent?.abort('agent stopping');
    clearTimeout(this.resultTimer);
    await this.running;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  current(): SessionUpdate {
    return this.state;
  }

  /** A reloaded config; the next step reads it (timeouts, whether the face is required). */
  reconfigure(config: AgentConfig): void {
    this.deps = { ...this.deps, config };
  }

  submitAccessKey(text: string): void {
    this.provideAccessKey(parseAccessKeyText(text));
  }

  /** An access key already parsed (a QR/MRZ scanner classifies its own scans). */
  provideAccessKey(key: AccessKey): void {
    if (this.keyWaiter) this.keyWaiter(key);
    else if (this.busy) throw new XacminhError('BUSY', 'A verification is already past the access-key step; wait for its result', {});
    else this.pendingKey = key; // typed before the card is laid down: used for the next card
  }

  setReference(text: string): void {
    const trimmed = text.trim();
    if (trimmed.length > 64 || /\p{Cc}/u.test(trimmed)) throw new XacminhError('INVALID_INPUT', 'The reference must be at most 64 printable characters', { field: 'reference' });
    this.reference = trimmed || null;
  }

  cancel(): void {
    this.cancelCurrent?.abort('cancelled by the operator');
    this.pendingKey = undefined;
  }

  private handleCard(handle: CardHandle): void {
    if (this.running) {
      // One verification at a time: the next customer waits; the message says so without ending the current one.
      this.deps.log.warn({ reader: handle.readerName }, 'card placed while a verification is running: refused');
      this.emit('update', { ...this.state, messageVi: `${this.state.messageVi} — ${STATE_MESSAGES.busy}`, at: new Date().toISOString() });
      return;
    }
    clearTimeout(this.resultTimer);
    this.running = this.verify(handle).then(
      (record) => {
        this.running = undefined;
        this.emit('done', record); // after the session is free, so a listener may start the next one
      },
      (error: unknown) => {
        this.running = undefined;
        this.deps.log.error({ err: error }, 'verification ended unexpectedly');
      },
    );
  }

  private async verify(handle: CardHandle): Promise<VerificationRecord> {
    const cancel = new AbortController();
    this.cancelCurrent = cancel;
    const clock = new StepClock();
    const id = ulid();
    const startedAt = new Date().toISOString();
    this.cardLaidAt = monotonicNow(); // frames from before it are not this customer's
    const outcome: Outcome = { decision: 'error', reasons: [], doc: undefined, authenticity: undefined, face: undefined, keySource: null };
    void this.indicate('busy');
    try {
      await this.runSteps(id, handle, cancel.signal, clock, outcome);
    } catch (error) {
      outcome.decision = 'error';
      outcome.reasons.push(handle.removed.aborted && isXacminhError(error, 'CANCELLED') ? errorReason(new XacminhError('CARD_REMOVED', 'The card was lifted off the reader')) : errorReason(error));
    } finally {
      this.cancelCurrent = undefined;
      this.keyWaiter = undefined;
    }
    const record = this.buildRecord(id, startedAt, outcome, clock.steps);
    await this.store(record, outcome.face?.bestFrameJpeg, clock);
    await handle.release().catch(() => undefined);
    this.publish('result', { verificationId: id, record, photos: { chip: outcome.doc ? (chipPhotoOf(outcome.doc) ?? undefined) : undefined, bestFrame: outcome.face?.bestFrameJpeg } });
    this.resultTimer = setTimeout(() => this.publish('idle', {}), this.deps.config.timeouts.resultMs);
    return record;
  }

  private async runSteps(id: string, handle: CardHandle, cancelled: AbortSignal, clock: StepClock, out: Outcome): Promise<void> {
    const { timeouts } = this.deps.config;
    const endOfCard = AbortSignal.any([cancelled, handle.removed]);
    let doc: ChipDocument | undefined;
    for (let attempt = 1; !doc; attempt++) {
      const key = await clock.time('access-key', () => this.waitForKey(id, endOfCard, timeouts.accessKeyMs, attempt > 1));
      out.keySource = key.source;
      try {
        doc = await clock.time('read-chip', () => this.readChip(id, handle, key, endOfCard, timeouts.readChipMs));
      } catch (error) {
        if (!isXacminhError(error, 'ACCESS_DENIED') || attempt >= MAX_KEY_ATTEMPTS) {
          if (isXacminhError(error, 'ACCESS_DENIED')) out.reasons.push(sessionReason('access-key-retries'));
          throw error;
        }
      }
    }
    out.doc = doc;
    this.publish('checking-authenticity', { verificationId: id });
    const authenticity = await clock.time('authenticity', async () => checkAuthenticity(doc, this.deps.trust));
    out.authenticity = authenticity;
    if (authenticity.verdict !== 'genuine') {
      out.decision = 'rejected';
      out.reasons.push(sessionReason(authenticity.verdict === 'not-genuine' ? 'chip-not-genuine' : 'chip-cannot-tell'), ...authenticityReasons(authenticity));
      clock.skip('face');
      return;
    }
    const { face, frames } = this.deps;
    if (face && frames) out.face = await clock.time('face', () => this.faceStep(id, doc, face, frames, cancelled));
    else {
      clock.skip('face');
      out.face = notAvailable(face ? 'no camera is configured' : 'the face engine is not loaded');
    }
    Object.assign(out, decide(out.face, this.deps.config.face.required));
  }

  private async waitForKey(id: string, signal: AbortSignal, timeoutMs: number, retry: boolean): Promise<AccessKey> {
    const typedEarlier = retry ? undefined : this.pendingKey;
    this.pendingKey = undefined;
    if (typedEarlier) return typedEarlier;
    this.publish('access-key', { verificationId: id, messageVi: retry ? STATE_MESSAGES.wrongKey : STATE_MESSAGES['access-key'] });
    return waitFor<AccessKey>(
      (resolve) => {
        this.keyWaiter = resolve;
      },
      { signal, timeoutMs, onTimeout: () => new XacminhError('TIMEOUT', 'No ID number, QR or MRZ was given for the card in time', { step: 'access-key' }) },
    ).finally(() => {
      this.keyWaiter = undefined;
    });
  }

  private async readChip(id: string, handle: CardHandle, key: AccessKey, signal: AbortSignal, timeoutMs: number): Promise<ChipDocument> {
    this.publish('reading-chip', { verificationId: id, progress: 0 });
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    try {
      return await readDocument(handle.transport, key, {
        signal: deadline,
        onProgress: (p) => this.publish('reading-chip', { verificationId: id, progress: p.filesTotal ? p.filesDone / p.filesTotal : 0 }),
      });
    } catch (error) {
      if (isXacminhError(error, 'CANCELLED') && !signal.aborted) throw new XacminhError('TIMEOUT', `The chip read took longer than ${timeoutMs} ms`, { step: 'read-chip' });
      throw error;
    }
  }

  private async faceStep(id: string, doc: ChipDocument, face: FaceStep, frames: () => AsyncIterable<Frame>, cancelled: AbortSignal): Promise<FaceEvidence> {
    const photo = chipPhotoOf(doc);
    if (!photo) return { ...notAvailable('the chip has no DG2 photo'), decision: 'no-face', reasons: ['no-photo'] };
    this.publish('face', { verificationId: id });
    return face.run(photo, frames(), {
      signal: cancelled,
      notBefore: this.cardLaidAt,
      timeoutMs: this.deps.config.timeouts.faceMs,
      onGuidance: (g) => this.publish('face', { verificationId: id, guidance: g.code, messageVi: g.messageVi }),
    });
  }

  private buildRecord(id: string, startedAt: string, out: Outcome, steps: StepTiming[]): VerificationRecord {
    const { bestFrameJpeg: _frame, ...faceSummary } = out.face ?? { bestFrameJpeg: undefined };
    const reference = this.reference;
    this.reference = null;
    return {
      schemaVersion: RECORD_SCHEMA_VERSION,
      id,
      siteId: this.deps.config.siteId,
      deviceId: this.deps.config.deviceId,
      startedAt,
      finishedAt: new Date().toISOString(),
      decision: out.decision,
      reasons: out.reasons,
      accessKeySource: out.keySource,
      identity: out.doc ? identityOf(out.doc) : null,
      chip: out.doc && out.authenticity ? chipSummaryOf(out.doc, out.authenticity) : null,
      face: out.face ? (faceSummary as VerificationRecord['face']) : null,
      steps,
      operatorReference: reference,
    };
  }

  /** Recording failures are shown and alarmed; the session goes on with the next customer. */
  private async store(record: VerificationRecord, frame: Uint8Array | undefined, clock: StepClock): Promise<void> {
    this.publish('recording', { verificationId: record.id });
    try {
      await clock.time('record', () => this.deps.record(record, frame));
    } catch (error) {
      this.deps.log.error({ err: error, id: record.id }, 'the verification could not be recorded');
      record.reasons.push(errorReason(error));
      record.decision = 'error';
    }
    record.steps = clock.steps;
    // The light and beep play on while the result shows; the next customer need not wait for the pattern.
    void this.indicate(record.decision === 'verified' ? 'verified' : record.decision);
  }

  private publish(state: SessionState, extra: Partial<SessionUpdate>): void {
    this.state = { messageVi: STATE_MESSAGES[state], ...extra, state, at: new Date().toISOString() };
    if (extra.guidance && !extra.messageVi) this.state.messageVi = guidanceMessage(extra.guidance);
    this.emit('update', this.state);
  }

  private setOffline(error: XacminhError): void {
    this.deps.log.warn({ err: error }, 'card reader unavailable');
    if (!this.running) this.publish('offline', { messageVi: `${STATE_MESSAGES.offline} (${error.message})` });
    void this.indicate('offline');
  }

  private async indicate(signal: IndicatorSignal): Promise<void> {
    try {
      await this.deps.indicate?.(signal);
    } catch (error) {
      this.deps.log.warn({ err: error, signal }, 'indicators failed');
    }
  }
}

interface Outcome {
  decision: Decision;
  reasons: Reason[];
  doc: ChipDocument | undefined;
  authenticity: Authenticity | undefined;
  face: FaceEvidence | undefined;
  keySource: VerificationRecord['accessKeySource'];
}

function decide(face: FaceEvidence, faceRequired: boolean): { decision: Decision; reasons: Reason[] } {
  switch (face.decision) {
    case 'match':
      return { decision: 'verified', reasons: [] };
    case 'no-match': {
      const reasons = [sessionReason('face-no-match', `similarity ${face.similarity?.toFixed(3)} < threshold ${face.threshold.toFixed(3)}`)];
      // Tell the operator when the card's own photo is the likely cause, not the customer.
      if (face.reasons.includes('chip-photo-small')) reasons.push(sessionReason('chip-photo-small', `chip photo at ${face.photoResolution?.toFixed(2)} of the recognition chip's resolution`));
      return { decision: 'rejected', reasons };
    }
    case 'not-live':
      return { decision: 'rejected', reasons: [sessionReason('face-not-live', face.reasons.join(', '))] };
    case 'no-face':
      return { decision: 'rejected', reasons: [sessionReason(noFaceCode(face.reasons), face.reasons.join(', '))] };
    case 'not-available':
      return faceRequired
        ? { decision: 'error', reasons: [sessionReason('face-not-available', face.reasons.join(', '))] }
        : { decision: 'verified', reasons: [sessionReason('face-not-checked', face.reasons.join(', '))] };
    case 'error':
      return { decision: 'error', reasons: [sessionReason('face-error', face.reasons.join(', '))] };
  }
}

/** Why no face could be matched, as the operator should hear it. */
function noFaceCode(reasons: readonly string[]): string {
  if (reasons.includes('no-photo')) return 'no-photo';
  if (reasons.includes('eyes-closed')) return 'face-eyes-closed';
  return 'face-no-face';
}

function notAvailable(why: string): FaceEvidence {
  return { decision: 'not-available', reasons: [why], liveness: null, similarity: null, threshold: 0, quality: null, model: null, timings: {}, framesSeen: 0 };
}

/** ID number (12 digits), CCCD QR text or MRZ lines: every path leads to one AccessKey. */
export function parseAccessKeyText(text: string): AccessKey {
  const trimmed = text.trim();
  if (/^\d{12}$/.test(trimmed)) return accessKeyFromIdNumber(trimmed);
  if (trimmed.includes('|')) return accessKeyFromQr(trimmed);
  if (trimmed.includes('<')) return accessKeyFromMrz(trimmed);
  throw new XacminhError('INVALID_INPUT', 'Give the 12-digit ID number, the QR code text or the MRZ lines of the card', { field: 'access-key' });
}

export type { StepName };
