/** Test support for the session tests: the simulated reader and cards, face step doubles, a harness. */
import * as assert from 'uvu/assert';
import type { Frame } from '../../drivers/camera/types.ts';
import { TrustStore } from '../../drivers/emrtd/authenticity/trust-store.ts';
import { XacminhError } from '../../drivers/errors.ts';
import { makeCardWithFault } from '../../drivers/sim/card-faults.ts';
import { generateTestPki } from '../../drivers/sim/test-pki.ts';
import type { SimulatedCccd } from '../../drivers/sim/make-card.ts';
import type { FaceEvidence, FaceStep, FaceStepOptions, FaceTracking, FaceTrackOptions } from '../../models/types.ts';
import { parseConfig } from '../config/load.ts';
import type { SessionUpdate } from './events.ts';
import type { VerificationRecord } from './record.ts';
import { VerificationSession, type IndicatorSignal, type SessionDeps } from './session.ts';
import { SimulatedCardPort } from './sim-card-port.ts';

const pki = await generateTestPki();
export const genuine = await makeCardWithFault(undefined, { pki });
export const clone = await makeCardWithFault('wrong-ca', { pki });

/** A face step double: the session's logic is under test here; the real engine has its own tests. */
export class ScriptedFace implements FaceStep {
  calls = 0;
  notBefore: number | undefined;
  photos: Uint8Array[] = [];
  /** One evidence for every call, or one per call (the last repeats). */
  constructor(private readonly evidence: Partial<FaceEvidence> | Partial<FaceEvidence>[], private readonly delayMs = 0) {}
  async run(photo: Uint8Array, _frames: AsyncIterable<Frame>, options: FaceStepOptions = {}): Promise<FaceEvidence> {
    const evidence = Array.isArray(this.evidence) ? this.evidence[Math.min(this.calls, this.evidence.length - 1)] : this.evidence;
    this.calls++;
    this.photos.push(Uint8Array.from(photo));
    this.notBefore = options.notBefore;
    assert.ok(photo.length > 1000, 'the chip photo reaches the face step');
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (options.signal?.aborted) throw new XacminhError('CANCELLED', 'cancelled');
    return { decision: 'match', reasons: [], liveness: null, similarity: 0.95, threshold: 0.92, quality: null, model: { name: 'scripted', sha256: '' }, timings: {}, framesSeen: 5, ...evidence };
  }
  async close(): Promise<void> {}
}

/**
 * A face step that can begin before the photo (the overlap): it notes when and with what it began, and what
 * happened to each tracking (finished with the photo, or cancelled); finish() answers as run() would.
 */
export class TrackingFace extends ScriptedFace {
  readonly trackings: { notBefore: number | undefined; statesBefore: string[]; finished: boolean; cancelled: string | undefined }[] = [];
  constructor(evidence: Partial<FaceEvidence> | Partial<FaceEvidence>[], private readonly statesSoFar: () => string[]) {
    super(evidence);
  }
  begin(frames: AsyncIterable<Frame>, options: FaceTrackOptions = {}): FaceTracking {
    const tracking = { notBefore: options.notBefore, statesBefore: this.statesSoFar(), finished: false, cancelled: undefined as string | undefined };
    this.trackings.push(tracking);
    return {
      finish: async (photo, finishOptions) => {
        if (tracking.cancelled) throw new XacminhError('CANCELLED', tracking.cancelled);
        tracking.finished = true;
        return this.run(photo, frames, { ...finishOptions, ...(options.notBefore !== undefined ? { notBefore: options.notBefore } : {}) });
      },
      cancel: (reason = 'cancelled') => {
        if (!tracking.finished) tracking.cancelled ??= reason;
      },
    };
  }
}

export function harness(options: { face?: FaceStep | null | ((states: () => string[]) => FaceStep); record?: SessionDeps['record']; config?: object; now?: () => number } = {}) {
  const cards = new SimulatedCardPort();
  const trust = new TrustStore();
  trust.add(genuine.publishedCsca);
  const records: VerificationRecord[] = [];
  const signals: IndicatorSignal[] = [];
  const updates: SessionUpdate[] = [];
  const framesOpened = { count: 0 };
  const face = typeof options.face === 'function' ? options.face(() => updates.map((u) => u.state)) : options.face;
  const session = new VerificationSession({
    config: parseConfig({ timeouts: { accessKeyMs: 1500, resultMs: 500 }, ...options.config }),
    cards,
    trust,
    face: face === undefined ? new ScriptedFace({}) : face,
    frames: () => {
      framesOpened.count++;
      return (async function* () {})();
    },
    record: options.record ?? (async (record) => void records.push(record)),
    indicate: async (signal) => void signals.push(signal),
    log: { info() {}, warn() {}, error() {} },
    ...(options.now ? { now: options.now } : {}),
  });
  session.on('update', (u) => updates.push(u));
  session.start();
  const done = () => new Promise<VerificationRecord>((resolve) => session.once('done', resolve));
  return { cards, session, records, signals, updates, done, framesOpened };
}

export function qrOf(card: SimulatedCccd): string {
  const p = card.persona;
  return `${p.idNumber}||${p.fullName}|${p.dateOfBirth.replaceAll('/', '')}|${p.sex}|${p.placeOfResidence}|${p.dateOfIssue.replaceAll('/', '')}`;
}

export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
