/**
 * The agent's side of the site flows: the Node-RED runtime as an agent part, the first technician account,
 * and what the agent does for a flow (play an indicator pattern, show a kiosk notice, change a site
 * setting), each request checked here. Verifications go out to the flows after they are recorded.
 */
import { EventEmitter } from 'node:events';
import { XacminhError } from '../../drivers/errors.ts';
import { ensureAccounts, readAccounts, verifyAccountPassword } from '../accounts/accounts.ts';
import type { AgentConfig } from '../config/schema.ts';
import type { VerificationRecord } from '../session/record.ts';
import type { SessionLogger } from '../session/session.ts';
import { flowSite, flowVerification } from './node-red-message.ts';
import { indicatorCommandSchema, kioskNoticeSchema, type DeviceFault, type FlowStatus, type IndicatorCommand, type KioskNotice } from './node-red-protocol.ts';
import { NodeRedRuntime, type NodeRedRuntimeOptions } from './node-red-runtime.ts';
import { LoginThrottle } from './node-red-login.ts';
import { applySiteChanges } from './node-red-site.ts';
import type { AgentPart } from './orchestrator.ts';

/** Carries out a flow's indicator pattern (the agent owns the outputs). */
export interface FlowIndicatorPort {
  play(command: IndicatorCommand): void | Promise<void>;
}

export const DEMO_TECHNICIAN = 'demo-technician';
export const FIRST_TECHNICIAN = 'technician';
/** A flow that asks for more than this many patterns per second is refused the rest (a relay is not a buzzer). */
const INDICATE_PER_SECOND = 5;

export interface NodeRedPartOptions {
  dataDir: string;
  demo: boolean;
  config: () => AgentConfig;
  reconfigure: (config: AgentConfig) => void;
  configPath?: string;
  status: () => FlowStatus;
  indicators: FlowIndicatorPort;
  log: SessionLogger;
  /** The clock for the indicator rate limit (tests inject one). */
  now?: () => number;
  /** Test knobs for the runtime (ping period, backoff). */
  runtime?: Partial<Pick<NodeRedRuntimeOptions, 'pingMs' | 'missedPings' | 'backoffMs' | 'maxBackoffMs'>>;
}

/** Emits 'kiosk' (KioskNotice) and 'indicate' (IndicatorCommand) for the pages and the demo's printout. */
export class NodeRedPart extends EventEmitter implements AgentPart {
  readonly name = 'node-red';
  readonly runtime: NodeRedRuntime;
  /** A technician account made at this start, with its one-time password (printed once, never stored). */
  firstAccount: { username: string; password: string } | undefined;
  kioskNotice: KioskNotice = { notice: null };
  private recent: number[] = [];
  private readonly logins = new LoginThrottle();
  private statusTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: NodeRedPartOptions) {
    super();
    const n = options.config().nodeRed;
    this.runtime = new NodeRedRuntime({
      dataDir: options.dataDir,
      port: n.port,
      maxOldSpaceMb: n.maxOldSpaceMb,
      httpNodeEnabled: n.httpNodeEnabled,
      log: options.log,
      ...options.runtime,
      handlers: {
        authenticate: async (username, password) => {
          if (!this.logins.allowed()) {
            options.log.warn({ part: 'node-red', username }, 'node-red: too many failed editor logins in the last minute; this one was not checked');
            return null;
          }
          const account = await verifyAccountPassword(options.dataDir, username, password);
          if (account?.role === 'technician') return account.username;
          this.logins.failed();
          return null;
        },
        isTechnician: async (username) => readAccounts(options.dataDir).some((a) => a.username === username && a.role === 'technician'),
        indicate: (command) => this.indicate(command),
        kiosk: (notice) => this.kiosk(notice),
        setSite: async (changes) => {
          const next = applySiteChanges(options.config(), changes, options.configPath);
          options.reconfigure(next);
          const site = flowSite(next);
          this.runtime.pushSite(site);
          return site;
        },
        site: () => flowSite(options.config()),
        status: () => options.status(),
      },
    });
  }

  async start(): Promise<void> {
    await this.ensureTechnician();
    this.runtime.start();
    // The outbox backlog moves without an event of its own: the status node hears it twice a minute.
    this.statusTimer = setInterval(() => this.refreshStatus(), 30_000).unref();
  }

  stop(): Promise<void> {
    clearInterval(this.statusTimer);
    return this.runtime.stop();
  }

  private readonly links: { reader: 'ok' | 'lost'; faults: DeviceFault[] } = { reader: 'ok', faults: [] };

  /** The link state the status node reports (the broker's comes from the publisher, read when asked). */
  get deviceLinks(): { reader: 'ok' | 'lost'; faults: DeviceFault[] } {
    return this.links;
  }

  /** A reader or camera fault: the flows hear it at once (status node, topic "fault"). */
  deviceFault(device: DeviceFault['device'], error: { code?: string; message: string }): void {
    if (device === 'reader') this.links.reader = 'lost';
    this.links.faults = [...this.links.faults, { device, code: error.code ?? 'INTERNAL', message: error.message, at: new Date().toISOString() }].slice(-5);
    this.refreshStatus();
  }

  deviceReady(device: DeviceFault['device']): void {
    if (device === 'reader' && this.links.reader !== 'ok') {
      this.links.reader = 'ok';
      this.refreshStatus();
    }
  }

  /** After the record is written: the flows hear of it, never before and never in its way. */
  deliver(record: VerificationRecord): void {
    this.runtime.deliver(flowVerification(record, this.options.config().nodeRed.privacy));
  }

  refreshStatus(): void {
    this.runtime.pushStatus(this.options.status());
  }

  private async ensureTechnician(): Promise<void> {
    const { dataDir, demo } = this.options;
    if (demo) {
      // The demo prints its technician's password at every start: a fresh one each time.
      const [change] = await ensureAccounts(dataDir, [{ username: DEMO_TECHNICIAN, role: 'technician' }], { resetPassword: readAccounts(dataDir).some((a) => a.username === DEMO_TECHNICIAN) ? [DEMO_TECHNICIAN] : [] });
      if (change?.password) this.firstAccount = { username: DEMO_TECHNICIAN, password: change.password };
      return;
    }
    // Until provisioning creates the technicians, the first start makes one and prints its password once.
    if (readAccounts(dataDir).some((a) => a.role === 'technician')) return;
    const changes = await ensureAccounts(dataDir, [{ username: FIRST_TECHNICIAN, role: 'technician' }]);
    const created = changes.find((c) => c.username === FIRST_TECHNICIAN && c.password);
    if (created?.password) this.firstAccount = { username: FIRST_TECHNICIAN, password: created.password };
  }

  /** A flow's indicator request (over IPC): checked, rate-limited, then played. */
  async indicate(raw: unknown): Promise<void> {
    const parsed = indicatorCommandSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.') || 'payload';
      throw new XacminhError('INVALID_INPUT', `${field}: yêu cầu đèn/còi không hợp lệ (${issue.message}) — invalid indicator request`, { field });
    }
    const now = (this.options.now ?? Date.now)();
    this.recent = this.recent.filter((t) => now - t < 1000);
    if (this.recent.length >= INDICATE_PER_SECOND) throw new XacminhError('BUSY', `Quá nhiều yêu cầu đèn/còi (tối đa ${INDICATE_PER_SECOND} mỗi giây) — too many indicator requests`, { field: 'pattern' });
    this.recent.push(now);
    this.emit('indicate', parsed.data);
    await this.options.indicators.play(parsed.data);
  }

  /** A flow's kiosk notice (over IPC), checked. */
  kiosk(raw: unknown): void {
    const parsed = kioskNoticeSchema.safeParse(raw);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join('.') || 'payload';
      throw new XacminhError('INVALID_INPUT', `${field}: thông báo màn hình không hợp lệ — invalid kiosk notice`, { field });
    }
    this.kioskNotice = parsed.data;
    this.emit('kiosk', parsed.data);
  }
}
