/**
 * The agent part that keeps the enrolled certificate alive: renews it at 2/3 of its lifetime (with jitter),
 * retries with exponential backoff while the enrolment service cannot be reached, raises the alarm when
 * fewer than 7 days are left, and after a renewal hands the new key and certificate to whoever connects
 * with them (the MQTT publisher). An expired certificate is reported once, plainly, and never retried:
 * only re-enrolment helps then. Clock, timers and randomness are injected so tests need no sleeps.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { dataDirPaths } from '../datadir.ts';
import { Backoff } from '../../drivers/backoff.ts';
import { ALARM_DAYS, certificateStatus, type CertificateStatus } from '../../provisioning/est/identity-store.ts';
import { expiredMessage, recoverInterruptedRenewal, renewalTime, renewIdentity, type RenewalResult } from '../../provisioning/est/renewal.ts';
import type { SessionLogger } from '../session/session.ts';
import type { AgentPart } from './orchestrator.ts';

/** What the status topic and the operator view show about the certificate. */
export interface CertificateSummary {
  notAfter: string;
  daysLeft: number;
  state: CertificateStatus['state'];
  /** Fewer than 7 days left, or expired. */
  alarm: boolean;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface IdentityRenewalOptions {
  dataDir: string;
  log: SessionLogger;
  now?: () => Date;
  random?: () => number;
  timers?: Timers;
  /** Called with the new key and certificate (PEM) after each renewal: reconnect with them. */
  onRenewed?: (identity: { cert: string; key: string }, result: RenewalResult) => Promise<void>;
  /** Called when the certificate summary changes (renewal, alarm): republish the status. */
  onStatus?: (summary: CertificateSummary | undefined) => void;
  /** Backoff while offline (default 1 min doubling to 6 h). */
  backoff?: { initialMs: number; maxMs: number };
}

/** setTimeout holds 32-bit milliseconds (~24.8 days); and the alarm is re-evaluated at least daily. */
const MAX_WAIT_MS = 86_400_000;

export class IdentityRenewal extends EventEmitter implements AgentPart {
  readonly name = 'certificate renewal';
  private handle: unknown;
  private running = false;
  private readonly backoff: Backoff;
  private readonly now: () => Date;
  private readonly timers: Timers;
  private summary_: CertificateSummary | undefined;
  private expiredReported = false;
  /** The pending step (a renewal attempt or a re-check): tests await it after firing the timer. */
  current: Promise<void> = Promise.resolve();

  constructor(private readonly options: IdentityRenewalOptions) {
    super();
    this.now = options.now ?? (() => new Date());
    this.timers = options.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms).unref(), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    this.backoff = new Backoff({ initialMs: options.backoff?.initialMs ?? 60_000, maxMs: options.backoff?.maxMs ?? 6 * 3_600_000, jitter: 0.5, ...(options.random ? { random: options.random } : {}) });
  }

  /** The certificate's state for the status topic and the kiosk operator view; undefined when not enrolled. */
  get certificate(): CertificateSummary | undefined {
    return this.summary_;
  }

  async start(): Promise<void> {
    this.running = true;
    recoverInterruptedRenewal(this.options.dataDir);
    this.refresh(); // a damaged enrolment record fails this part here, isolated by the orchestrator
    // The first renewal may be due now: it runs in the background, never holding up the agent's start.
    this.current = this.step().catch((error: unknown) => this.options.log.error({ err: error }, `certificate renewal stopped: ${(error as Error).message}`));
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
    await this.current.catch(() => undefined);
  }

  /** Renews now, whatever the dates say (an operator's command, a test); the same hand-over as a scheduled renewal. */
  async renewNow(): Promise<RenewalResult> {
    const result = await renewIdentity({ dataDir: this.options.dataDir, now: this.now, force: true });
    await this.renewed(result);
    return result;
  }

  private async renewed(result: RenewalResult): Promise<void> {
    this.backoff.reset();
    this.options.log.info({ notAfter: result.notAfter, serial: result.serial }, `device certificate renewed, valid until ${result.notAfter}`);
    if (result.bundleProblem) this.options.log.warn({ reason: result.bundleProblem }, `the site bundle could not be refreshed after the renewal: ${result.bundleProblem}`);
    const paths = dataDirPaths(this.options.dataDir);
    await this.options.onRenewed?.({ cert: readFileSync(paths.deviceCert, 'utf8'), key: readFileSync(paths.deviceKey, 'utf8') }, result);
    this.emit('renewed', result);
    this.refresh();
  }

  private refresh(): CertificateStatus {
    const status = certificateStatus(this.options.dataDir, this.now());
    const summary = status.enrolled && status.notAfter !== null && status.daysLeft !== null ? { notAfter: status.notAfter, daysLeft: status.daysLeft, state: status.state, alarm: status.state === 'expiring' || status.state === 'expired' } : undefined;
    const changed = JSON.stringify(summary) !== JSON.stringify(this.summary_);
    this.summary_ = summary;
    if (changed) this.options.onStatus?.(summary);
    return status;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.handle = this.timers.setTimeout(() => {
      this.handle = undefined;
      this.current = this.step().catch((error: unknown) => this.options.log.error({ err: error }, `certificate renewal stopped: ${(error as Error).message}`));
    }, Math.max(0, Math.min(ms, MAX_WAIT_MS)));
  }

  private async step(): Promise<void> {
    if (!this.running) return;
    const status = this.refresh();
    const { log } = this.options;
    if (!status.enrolled || status.notBefore === null || status.notAfter === null) return; // nothing to renew: the demo, or not provisioned yet
    const notAfter = new Date(status.notAfter);
    if (status.state === 'expired') {
      if (!this.expiredReported) log.error({ certificate: this.summary_ }, expiredMessage(notAfter));
      this.expiredReported = true;
      return; // no renewal attempts: the expired certificate cannot authenticate one
    }
    if (status.state === 'expiring') log.error({ certificate: this.summary_ }, `The device certificate expires on ${status.notAfter} (${status.daysLeft} days left, alarm under ${ALARM_DAYS}): renewal has not succeeded; check the enrolment service ${status.url ?? ''}`);
    const due = renewalTime(new Date(status.notBefore), notAfter, this.options.random);
    const wait = due.getTime() - this.now().getTime();
    if (wait > 0) return this.schedule(wait);
    try {
      const result = await renewIdentity({ dataDir: this.options.dataDir, now: this.now, force: true });
      await this.renewed(result);
      const next = renewalTime(new Date(result.notBefore), new Date(result.notAfter), this.options.random);
      this.schedule(next.getTime() - this.now().getTime());
    } catch (error) {
      const delay = this.backoff.next();
      log.warn({ err: error, retryInMs: delay }, `certificate renewal failed, retrying in ${Math.round(delay / 1000)} s: ${(error as Error).message}`);
      this.emit('failed', error);
      // Never wait past the expiry: the last chance to renew is before it.
      this.schedule(Math.min(delay, notAfter.getTime() - this.now().getTime() - 1000));
    }
  }
}
