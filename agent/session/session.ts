/**
 * One verification at a time, as a state machine: card → access key → chip → authenticity → face →
 * decision → record → indicators → ready again. The session decides and hands the VerificationRecord to
 * `record`; it knows nothing of SQLite or MQTT. A failing step ends the verification with reasons; it
 * never ends the session.
 *
 * Overlap: when the card is laid down the face step starts tracking the customer (FaceStep.begin, frames from
 * that moment only), so after the chip read only the chip photo's part is left (finish). A card lifted, a chip
 * not genuine or an error cancels the tracking. Retry: the operator may run the face step again for the last
 * verification whose face failed, while its chip data is held (face-retry.ts); the new record links to it.
 */
import { EventEmitter } from 'node:events';
import { ulid } from 'ulid';
import { monotonicNow, type Frame } from '../../drivers/camera/types.ts';
import type { AccessKey } from '../../drivers/emrtd/access-key.ts';
import { parseAccessKeyText } from './access-key-text.ts';
import { checkAuthenticity } from '../../drivers/emrtd/authenticity/verdict.ts';
import type { TrustStore } from '../../drivers/emrtd/authenticity/trust-store.ts';
import type { ChipDocument } from '../../drivers/emrtd/read-document.ts';
import { readChip } from './chip-step.ts';
import { XacminhError, isXacminhError } from '../../drivers/errors.ts';
import type { FaceEvidence, FaceStep, FaceTracking } from '../../models/types.ts';
import type { AgentConfig } from '../config/schema.ts';
import type { CardHandle, CardPort } from './card-port.ts';
import type { OperatorActions, SessionEvents, SessionState, SessionUpdate } from './events.ts';
import type { StepName, StepTiming, VerificationRecord } from './record.ts';
import { authenticityReasons, buildRecord, chipPhotoOf, chipSummaryOf, errorReason, identityOf, sessionReason, type Outcome } from './record-builder.ts';
import { decide, notAvailable } from './face-decision.ts';
import { beginTracking, runAfter, type FaceRun } from './session-face.ts';
import { FaceRetryHold, RETRY_REFUSALS_VI, type HeldVerification } from './face-retry.ts';
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
  /** Milliseconds, for how long chip data is held for a face retry (tests inject one); default performance.now. */
  now?: () => number;
}

const MAX_KEY_ATTEMPTS = 3;

export class VerificationSession extends EventEmitter<{ update: Parameters<SessionEvents['update']>; done: [VerificationRecord] }> implements OperatorActions {
  private state: SessionUpdate = { state: 'idle', messageVi: STATE_MESSAGES.idle, at: new Date().toISOString() };
  private running: Promise<void> | undefined;
  private pendingKey: AccessKey | undefined;
  private keyWaiter: ((key: AccessKey) => void) | undefined;
  private reference: string | null = null;
  private cancelCurrent: AbortController | undefined;
  /** When the current card was laid down (Frame.timestamp clock): the face step uses no frame from before it. */
  private cardLaidAt = 0;
  /** When the current chip was read (deps.now's clock): a face retry is possible for FACE_RETRY_WINDOW_MS from then. */
  private readAt = 0;
  private resultTimer: NodeJS.Timeout | undefined;
  private readonly retryHold: FaceRetryHold;
  private readonly onCard = (handle: CardHandle) => this.handleCard(handle);
  private readonly onFault = (error: XacminhError) => this.setOffline(error);
  private readonly onReady = () => {
    if (this.state.state === 'offline') this.publish('idle', {});
  };

  constructor(private deps: SessionDeps) {
    super();
    this.retryHold = new FaceRetryHold(() => this.now());
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
    this.retryHold.clear();
  }

  private now(): number {
    return this.deps.now?.() ?? performance.now();
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
    if (!this.running) this.retryHold.clear(); // the operator is done with this customer
  }

  /**
   * Runs the face step again for `verificationId` (the last verification, rejected for its face, chip data still
   * held): a new record with retryOf = that id, recorded and published like any other. Resolves once started.
   */
  async retryFace(verificationId: string): Promise<{ accepted: boolean; reasonVi?: string }> {
    if (this.running) return { accepted: false, reasonVi: RETRY_REFUSALS_VI.busy };
    const { face, frames } = this.deps;
    if (!face || !frames) return { accepted: false, reasonVi: RETRY_REFUSALS_VI.noFace };
    const taken = this.retryHold.take(verificationId);
    if ('refusedVi' in taken) return { accepted: false, reasonVi: taken.refusedVi };
    this.deps.log.info({ retryOf: verificationId }, 'face step retried by the operator');
    this.track(this.retry(taken.held, face, frames));
    return { accepted: true };
  }

  private handleCard(handle: CardHandle): void {
    if (this.running) {
      // One verification at a time: the next customer waits; the message says so without ending the current one.
      this.deps.log.warn({ reader: handle.readerName }, 'card placed while a verification is running: refused');
      this.emit('update', { ...this.state, messageVi: `${this.state.messageVi} — ${STATE_MESSAGES.busy}`, at: new Date().toISOString() });
      return;
    }
    this.retryHold.clear(); // a new customer: the previous one's chip data goes
    this.track(this.verify(handle));
  }

  private track(verification: Promise<VerificationRecord>): void {
    clearTimeout(this.resultTimer);
    this.running = verification.then(
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
    const outcome: Outcome = { decision: 'error', reasons: [], identity: null, chip: null, photo: null, face: undefined, keySource: null };
    void this.indicate('busy');
    const tracking = beginTracking(this.deps, cancel.signal, this.cardLaidAt);
    try {
      await this.runSteps(id, handle, cancel.signal, clock, outcome, tracking);
    } catch (error) {
      outcome.decision = 'error';
      outcome.reasons.push(handle.removed.aborted && isXacminhError(error, 'CANCELLED') ? errorReason(new XacminhError('CARD_REMOVED', 'The card was lifted off the reader')) : errorReason(error));
    } finally {
      tracking?.cancel('verification over'); // no-op after finish(); otherwise the tracked faces are dropped
      this.cancelCurrent = undefined;
      this.keyWaiter = undefined;
    }
    const record = this.buildRecord(id, startedAt, outcome, clock.steps);
    await this.store(record, outcome.face?.bestFrameJpeg, clock);
    await handle.release().catch(() => undefined);
    this.showResult(record);
    this.retryHold.offer(record, outcome.photo, this.readAt);
    return record;
  }

  /** The face step again on the held chip photo; identity and chip summary are the first verification's. */
  private async retry(held: HeldVerification, face: FaceStep, frames: () => AsyncIterable<Frame>): Promise<VerificationRecord> {
    const cancel = new AbortController();
    this.cancelCurrent = cancel;
    const clock = new StepClock();
    const id = ulid();
    const startedAt = new Date().toISOString();
    this.cardLaidAt = monotonicNow(); // only frames from the retry on
    const first = held.record;
    const outcome: Outcome = { decision: 'error', reasons: [], identity: first.identity, chip: first.chip, photo: held.photo, face: undefined, keySource: first.accessKeySource };
    void this.indicate('busy');
    try {
      outcome.face = await clock.time('face', () => this.runFace(id, held.photo, cancel.signal, runAfter(face, frames, this.cardLaidAt)));
      Object.assign(outcome, decide(outcome.face, this.deps.config.face.required));
    } catch (error) {
      outcome.decision = 'error';
      outcome.reasons.push(errorReason(error));
    } finally {
      this.cancelCurrent = undefined;
    }
    if (this.reference === null) this.reference = first.operatorReference; // the same customer's contract
    const record: VerificationRecord = { ...this.buildRecord(id, startedAt, outcome, clock.steps), retryOf: first.id };
    await this.store(record, outcome.face?.bestFrameJpeg, clock);
    this.showResult(record);
    this.retryHold.offer(record, held.photo, held.readAt, held.retries + 1);
    return record;
  }

  private showResult(record: VerificationRecord): void {
    this.publish('result', { verificationId: record.id, record });
    this.resultTimer = setTimeout(() => this.publish('idle', {}), this.deps.config.timeouts.resultMs);
  }

  private async runSteps(id: string, handle: CardHandle, cancelled: AbortSignal, clock: StepClock, out: Outcome, tracking: FaceTracking | undefined): Promise<void> {
    const { timeouts } = this.deps.config;
    const endOfCard = AbortSignal.any([cancelled, handle.removed]);
    let doc: ChipDocument | undefined;
    for (let attempt = 1; !doc; attempt++) {
      const key = await clock.time('access-key', () => this.waitForKey(id, endOfCard, timeouts.accessKeyMs, attempt > 1));
      out.keySource = key.source;
      try {
        doc = await clock.time('read-chip', () => readChip(handle, key, endOfCard, timeouts.readChipMs, (progress) => this.publish('reading-chip', { verificationId: id, progress })));
      } catch (error) {
        if (!isXacminhError(error, 'ACCESS_DENIED') || attempt >= MAX_KEY_ATTEMPTS) {
          if (isXacminhError(error, 'ACCESS_DENIED')) out.reasons.push(sessionReason('access-key-retries'));
          throw error;
        }
      }
    }
    this.readAt = this.now();
    out.identity = identityOf(doc);
    out.photo = chipPhotoOf(doc);
    this.publish('checking-authenticity', { verificationId: id });
    const authenticity = await clock.time('authenticity', async () => checkAuthenticity(doc, this.deps.trust));
    out.chip = chipSummaryOf(doc, authenticity);
    if (authenticity.verdict !== 'genuine') {
      tracking?.cancel('chip not genuine');
      out.decision = 'rejected';
      out.reasons.push(sessionReason(authenticity.verdict === 'not-genuine' ? 'chip-not-genuine' : 'chip-cannot-tell'), ...authenticityReasons(authenticity));
      clock.skip('face');
      return;
    }
    const { face, frames } = this.deps;
    const photo = out.photo;
    if (face && frames) {
      // With overlap the frames have been flowing into the tracking since the card was laid down.
      const step: FaceRun = tracking ? (chipPhoto, options) => tracking.finish(chipPhoto, options) : runAfter(face, frames, this.cardLaidAt);
      out.face = await clock.time('face', () => this.runFace(id, photo, cancelled, step));
    } else {
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

  /** The face step proper: `step` is the tracking's finish() (overlap) or the face step's run() (after the read, retry). */
  private async runFace(id: string, photo: Uint8Array | null, cancelled: AbortSignal, step: FaceRun): Promise<FaceEvidence> {
    if (!photo) return { ...notAvailable('the chip has no DG2 photo'), decision: 'no-face', reasons: ['no-photo'] };
    this.publish('face', { verificationId: id });
    return step(photo, {
      signal: cancelled,
      timeoutMs: this.deps.config.timeouts.faceMs,
      onGuidance: (g) => this.publish('face', { verificationId: id, guidance: g.code, messageVi: g.messageVi }),
    });
  }

  private buildRecord(id: string, startedAt: string, out: Outcome, steps: StepTiming[]): VerificationRecord {
    const reference = this.reference;
    this.reference = null;
    return buildRecord({ id, startedAt, siteId: this.deps.config.siteId, deviceId: this.deps.config.deviceId, reference }, out, steps);
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

export type { StepName };
export { parseAccessKeyText };
