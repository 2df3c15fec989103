/**
 * The terminal's agent: builds the parts from the config and the data dir, wires them, and runs them
 * through the orchestrator. Data flows one way: drivers → session ← face; session → register + outbox →
 * publisher; session → indicators and pages.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Frame, FrameSource } from '../../drivers/camera/types.ts';
import type { TrustStore } from '../../drivers/emrtd/authenticity/trust-store.ts';
import { XacminhError } from '../../drivers/errors.ts';
import type { FaceStep } from '../../models/types.ts';
import type { AgentConfig } from '../config/schema.ts';
import { dataDirPaths, loadAuthorityKey, loadDeviceIdentity, readRetiredDeviceKeys, type DataDirPaths, type DeviceIdentity } from '../datadir.ts';
import { buildVerificationEvent } from '../events/event.ts';
import { startEmbeddedBroker } from '../events/embedded-broker.ts';
import { EventPublisher } from '../events/publisher.ts';
import { Register } from '../register/register.ts';
import { openWithGenesis, type GenesisOutcome } from '../register/genesis.ts';
import { openRegisterDataKey } from '../register/data-key.ts';
import { scheduleRetention, type RetentionSchedule } from '../register/register-retention.ts';
import { retentionDaysOf } from '../config/schema.ts';
import type { CardPort } from '../session/card-port.ts';
import { PcscCardPort } from '../session/pcsc-card-port.ts';
import type { VerificationRecord } from '../session/record.ts';
import { VerificationSession, type SessionLogger } from '../session/session.ts';
import { SimulatedCardPort } from '../session/sim-card-port.ts';
import { Orchestrator, type AgentPart } from './orchestrator.ts';
import { openCamera } from './camera.ts';
import { openAgentIndicators, openAgentScanner } from './devices.ts';
import { startAgentUi } from './ui.ts';
import { PreviewTap } from './preview.ts';
import { loadAgentTrust } from './trust.ts';
import { agentCommands } from './commands.ts';
import type { UiServer } from '../ui/server.ts';
import { AlarmBoard } from './alarms.ts';
import { IdentityRenewal, type CertificateSummary } from './identity-renewal.ts';
import { certificateThumbprint } from './certificate-thumbprint.ts';
import { inspectionPart, type InspectionInfo } from '../inspection/part.ts';
import { NodeRedPart, type FlowIndicatorPort, type NodeRedPartOptions } from './node-red-part.ts';
import { flowStatus } from './node-red-message.ts';
import { flowPattern } from './node-red-indicators.ts';
import { KioskNoticeBoard } from './kiosk-notice.ts';
import { lastSelfTest } from '../../hardware-tests/report.ts';
import type { KioskNotice } from './node-red-protocol.ts';
import type { Indicators } from '../../drivers/indicators/index.ts';

export interface AgentOptions {
  config: AgentConfig;
  dataDir: string;
  /** The embedded demo: keys are created on first start and a demo authority key is kept for the subscriber. */
  demo: boolean;
  log: SessionLogger;
  /** Load the face models (default true); off only where the face step is not wanted at all. */
  loadFace?: boolean;
  /** The site config file, for the reload-config command (absent on embedded defaults). */
  configPath?: string;
  /** CSCA certificates trusted besides the data dir's trust/ folder (the demo's test CSCA). */
  trustAnchors?: Uint8Array[];
  /** `xacminh start --new-register`: set the register aside and start a new one (logged at warn, announced). */
  newRegister?: boolean;
  /** Register retention's clock and 24-hour timer (tests); default the system's. */
  retention?: Pick<Parameters<typeof scheduleRetention>[0], 'now' | 'setInterval' | 'clearInterval'>;
  /** Where a site flow's indicator patterns go (default: the log; tests pass a recording double). */
  flowIndicators?: FlowIndicatorPort;
  /** Test knobs for the Node-RED runtime's supervision (ping period, backoff). */
  nodeRedRuntime?: NodeRedPartOptions['runtime'];
}

export class Agent {
  readonly paths: DataDirPaths;
  readonly orchestrator: Orchestrator;
  identity!: DeviceIdentity;
  authority!: ReturnType<typeof loadAuthorityKey>;
  register!: Register;
  publisher!: EventPublisher;
  session!: VerificationSession;
  cards!: CardPort;
  camera: FrameSource | null = null;
  face: FaceStep | null = null;
  /** The CSCAs, master lists and CRLs chip verdicts rest on; its problems are shown at start and in self-test. */
  trust!: TrustStore;
  brokerUrl = '';
  uiUrl = '';
  /** The police inspection page's URL and certificate fingerprint; null when it is off. */
  inspection: InspectionInfo | null = null;
  /** The kiosk's camera picture: notes the JPEG of each frame the face step takes (agent/run/preview.ts). */
  readonly preview = new PreviewTap();
  /** Standing alarms the operator's screen shows (the certificate running out). */
  readonly alarms = new AlarmBoard();
  /** Keeps the enrolled certificate renewed (idle in the demo and on a terminal not enrolled). */
  renewal: IdentityRenewal | undefined;
  /** How the register was opened (register/genesis.ts): a new genesis, recognised, adopted; where --new-register put the old one. */
  registerOpened: { state: GenesisOutcome['state']; registerId: string | null; asideAt?: string } | undefined;
  /** What the kiosk shows over everything when a site flow asks (outside business hours). */
  readonly kioskNotice = new KioskNoticeBoard();
  /** The lights, buzzer and relay (the session's signals, and site flows' patterns over them). */
  private indicators: Indicators | undefined;
  /** The site flows' Node-RED runtime, when config.nodeRed.enabled. */
  nodeRed: NodeRedPart | undefined;
  /** x5t#S256 of the enrolled device certificate, carried in each event's header; undefined before enrolment. */
  private thumbprint: string | undefined;

  private config_: AgentConfig;
  private retention: RetentionSchedule | undefined;
  /** Aborted by stop(): work a command still has running (a self-test's worker thread) ends with the agent. */
  private readonly stopping = new AbortController();

  constructor(private readonly options: AgentOptions) {
    this.config_ = options.config;
    this.paths = dataDirPaths(options.dataDir);
    this.orchestrator = new Orchestrator(options.log);
  }

  get config(): AgentConfig {
    return this.config_;
  }

  get stopSignal(): AbortSignal {
    return this.stopping.signal;
  }

  /** Applies a reloaded config to the parts that read it live (see agent/run/commands.ts). */
  reconfigure(config: AgentConfig): void {
    this.config_ = config;
    this.session?.reconfigure(config);
  }

  async start(): Promise<void> {
    const { config, demo, log } = this.options;
    this.alarms.timeZone = config.timeZone; // the certificate alarm's date, in the site's zone
    this.identity = loadDeviceIdentity(this.paths, { create: demo });
    this.thumbprint = certificateThumbprint(this.paths.deviceCert);
    this.authority = loadAuthorityKey(this.paths, { createDemo: demo });
    const trust = await this.loadTrust();
    this.trust = trust;
    this.cards = config.reader.kind === 'pcsc' ? new PcscCardPort(config.reader.name) : new SimulatedCardPort();
    const parts: AgentPart[] = [
      {
        name: 'register',
        essential: true,
        start: async () => {
          const dataKey = openRegisterDataKey(this.paths);
          const open = () => Register.open(this.paths.register, { deviceKey: this.identity.privateKey, retiredKeys: readRetiredDeviceKeys(this.paths), outboxCapacity: config.outboxCapacity, dataKey });
          // Genesis and marker (register/genesis.ts): a missing or replaced register is refused, never re-created silently.
          const opened = openWithGenesis({ paths: this.paths, siteId: config.siteId, deviceId: config.deviceId, deviceKey: this.identity.privateKey, keyId: this.identity.keyId, newRegister: this.options.newRegister ?? false, log }, open);
          this.register = opened.register;
          this.registerOpened = { state: opened.state, registerId: opened.marker.registerId, ...(opened.asideAt ? { asideAt: opened.asideAt } : {}) };
          this.register.on('alarm', (alarm: { code: string; message: string }) => log.error({ alarm }, alarm.message));
          this.retention = scheduleRetention({
            ...this.options.retention,
            retentionDays: () => retentionDaysOf(this.config),
            purge: (before, days) => this.register.purge(before, days),
            onResult: ({ purged, before }) => {
              if (purged > 0) log.info({ purged, before }, `register: personal data of ${purged} entries recorded before ${before} removed (retention)`);
            },
            onError: (error) => log.warn({ err: error }, `register: retention purge failed, retried in 24 h: ${(error as Error).message}`),
          });
        },
        stop: async () => {
          this.retention?.stop();
          this.register.close();
        },
      },
      ...(config.mqtt.kind === 'embedded' ? [this.embeddedBrokerPart(config.mqtt.port)] : []),
      // Before the publisher: its first retained status already carries the certificate's expiry.
      this.renewalPart(),
      {
        name: 'events',
        start: async () => {
          this.publisher = new EventPublisher(this.publisherOptions());
          this.publisher.on('fault', (error: XacminhError) => log.warn({ err: error }, `events: ${error.message}`));
          await this.publisher.start();
        },
        stop: async () => this.publisher.stop(),
      },
      {
        name: 'face',
        start: async () => {
          if (this.options.loadFace === false || !config.face.enabled) return;
          // Loaded on demand: a terminal without a camera never pays for TensorFlow.js.
          const { loadFaceStep } = await import('./face.ts');
          this.face = await loadFaceStep(config, log);
        },
        stop: async () => this.face?.close(),
      },
      {
        name: 'camera',
        start: async () => {
          if (!config.face.enabled) return;
          this.camera = await openCamera(config.camera);
          this.camera.on('fault', (error) => log.warn({ err: error }, `camera: ${error.message}`));
          await this.camera.start();
        },
        stop: async () => this.camera?.stop(),
      },
      { name: 'card reader', start: () => this.cards.start(), stop: () => this.cards.stop() },
      ...(config.inspection.enabled
        ? [inspectionPart({ config, paths: this.paths, register: () => this.register, signingKey: () => this.identity.privateKey, log, started: (info) => (this.inspection = info) })]
        : []),
    ];
    await this.orchestrator.start(parts);
    const indicators = await openAgentIndicators(config, log);
    this.indicators = indicators;
    let ui: UiServer | undefined;
    this.session = new VerificationSession({
      config,
      cards: this.cards,
      trust,
      face: this.face,
      // The preview taps the frames where the face step takes them, whenever it takes them.
      frames: this.camera ? this.preview.wrap(framesOf(this.camera)) : null,
      record: (record, frame) => this.record(record, frame),
      indicate: (signal) => indicators.show(signal),
      log,
    });
    // The outbox drains paced while a customer is served (publisherOptions): full speed again once it is done.
    this.session.on('done', () => this.publisher?.notify());
    await this.orchestrator.start([
      { name: 'indicators', start: async () => {}, stop: () => indicators.close() },
      { name: 'session', start: async () => this.session.start(), stop: () => this.session.stop() },
      ...(config.scanner ? [openAgentScanner(config.scanner, this.session, log)] : []),
      ...(config.ui.enabled
        ? [
            {
              name: 'kiosk',
              start: async () => {
                ui = await startAgentUi(this.session, config.ui, log, this.alarms, config.timeZone, { preview: this.preview, audioDir: this.paths.audioCache, notice: this.kioskNotice }, () => this.register);
                this.uiUrl = ui.url;
              },
              stop: async () => ui?.close(),
            },
          ]
        : []),
    ]);
    if (config.nodeRed.enabled) await this.orchestrator.start([this.nodeRedPart()]);
  }

  /** Site flows in their own process: they hear of each verification once it is recorded, and can change none. */
  private nodeRedPart(): NodeRedPart {
    const { log } = this.options;
    const part: NodeRedPart = new NodeRedPart({
      dataDir: this.paths.root,
      demo: this.options.demo,
      config: () => this.config_,
      reconfigure: (config) => this.reconfigure(config),
      ...(this.options.configPath ? { configPath: this.options.configPath } : {}),
      status: () =>
        flowStatus(this.orchestrator.status.values(), this.alarms.current(), this.register?.outbox.count() ?? 0, {
          ...part.deviceLinks,
          broker: this.publisher?.isConnected ? 'connected' : 'offline',
          selfTest: newestSelfTest(this.paths.root),
        }),
      indicators: this.options.flowIndicators ?? {
        play: async (command) => {
          log.info({ command }, `site flow: ${command.pattern} ${command.durationMs} ms`);
          // The agent owns the outputs: the flow's pattern plays over the verification's own, never instead of it.
          await this.indicators?.overlay?.(flowPattern(command));
        },
      },
      log,
      ...(this.options.nodeRedRuntime ? { runtime: this.options.nodeRedRuntime } : {}),
    });
    this.nodeRed = part;
    part.on('kiosk', (notice: KioskNotice) => this.kioskNotice.set(notice));
    this.session.on('done', (record: VerificationRecord) => part.deliver(record));
    this.alarms.on('change', () => part.refreshStatus());
    this.cards.on('fault', (error) => part.deviceFault('reader', error));
    this.cards.on('ready', () => part.deviceReady('reader'));
    this.camera?.on('fault', (error) => part.deviceFault('camera', error));
    return part;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.orchestrator.stop();
  }

  /**
   * Record and event in one register transaction, then wake the publisher: the event leaves only after PUBACK.
   * Checkpoints the register signs on the way go out on register/checkpoint through the same outbox.
   */
  private async record(record: VerificationRecord, frame: Uint8Array | undefined): Promise<void> {
    if (!this.register) throw new XacminhError('STORAGE_FAILED', 'The register is not open', {});
    const keys = {
      deviceKey: this.identity.privateKey,
      deviceKeyId: this.identity.keyId,
      authorityPublicKey: this.authority.publicKey,
      ...(this.thumbprint ? { certificateThumbprint: this.thumbprint } : {}),
    };
    // The event is built from the entry's place in the chain, so its signed part anchors the register.
    await this.register.appendAnchored(record, { ...(frame ? { frameJpeg: frame } : {}), events: async (anchor) => [await buildVerificationEvent(record, keys, anchor)] });
    this.publisher?.notify();
  }

  /** The certificate's expiry and alarm, for the kiosk operator view and the status topic. */
  get certificate(): CertificateSummary | undefined {
    return this.renewal?.certificate;
  }

  /**
   * After a renewal the device key changes: events are signed with the new key, and the publisher
   * reconnects with the new certificate (when the MQTT config names the enrolled files).
   */
  private renewalPart(): AgentPart {
    const renewal = new IdentityRenewal({
      dataDir: this.paths.root,
      log: this.options.log,
      onStatus: (summary) => {
        this.alarms.certificate(summary);
        this.publisher?.refreshStatus();
      },
      onRenewed: async () => {
        this.identity = loadDeviceIdentity(this.paths, { create: false });
        // Checkpoints from now on are signed with the new key; the old key closes the history it covered.
        this.register?.useSigningKey(this.identity.privateKey);
        this.thumbprint = certificateThumbprint(this.paths.deviceCert);
        const mqtt = this.options.config.mqtt;
        if (mqtt.kind === 'broker' && mqtt.certFile && mqtt.keyFile && this.publisher) {
          const file = (name: string) => readFileSync(isAbsolute(name) ? name : join(this.paths.root, name));
          await this.publisher.useTlsIdentity({ cert: file(mqtt.certFile), key: file(mqtt.keyFile) });
        }
      },
    });
    this.renewal = renewal;
    return renewal;
  }

  private embeddedBrokerPart(port: number): AgentPart {
    let close: (() => Promise<void>) | undefined;
    return {
      name: 'embedded broker',
      essential: true,
      start: async () => {
        const broker = await startEmbeddedBroker({ port, host: '127.0.0.1' });
        close = broker.close;
        this.brokerUrl = broker.url;
      },
      stop: async () => close?.(),
    };
  }

  private publisherOptions(): ConstructorParameters<typeof EventPublisher>[0] {
    const { config } = this.options;
    const base = {
      clientId: `xacminh-${config.siteId}-${config.deviceId}`,
      siteId: config.siteId,
      deviceId: config.deviceId,
      outbox: this.register.outbox,
      commands: agentCommands(this, this.options.configPath),
      paced: () => this.session?.busy ?? false,
      statusDetails: () => (this.certificate ? { certificate: { notAfter: this.certificate.notAfter, daysLeft: this.certificate.daysLeft, alarm: this.certificate.alarm } } : undefined),
    };
    if (config.mqtt.kind === 'embedded') return { ...base, url: this.brokerUrl, protocolVersion: 4 };
    const file = (name: string | undefined) => (name ? readFileSync(isAbsolute(name) ? name : join(this.paths.root, name)) : undefined);
    const mqttConfig = config.mqtt;
    const password = file(mqttConfig.passwordFile)?.toString('utf8').trim();
    return {
      ...base,
      url: mqttConfig.url,
      protocolVersion: mqttConfig.protocolVersion,
      ...(mqttConfig.username ? { username: mqttConfig.username } : {}),
      ...(password ? { password } : {}),
      ...optional('ca', file(mqttConfig.caFile)),
      ...optional('cert', file(mqttConfig.certFile)),
      ...optional('key', file(mqttConfig.keyFile)),
    };
  }

  private loadTrust(): Promise<TrustStore> {
    return loadAgentTrust(this.paths.trust, this.config_.trust, this.options.trustAnchors ?? [], this.options.log);
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** Each face step reads the running camera from now on; stopping the step does not stop the camera. */
function framesOf(camera: FrameSource): () => AsyncIterable<Frame> {
  return () => ({ [Symbol.asyncIterator]: () => camera[Symbol.asyncIterator]() });
}

/** The newest self-test's outcome for the site flows' status (read at each status refresh: every 30 s at most). */
function newestSelfTest(dataDir: string): { status: 'pass' | 'marginal' | 'fail'; finishedAt: string } | null {
  const last = lastSelfTest(dataDir);
  return last ? { status: last.status, finishedAt: last.finishedAt } : null;
}
