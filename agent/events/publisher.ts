/**
 * Drains the durable outbox to the broker. mqtt.js's own reconnect (fixed period) and offline queue
 * (in memory, lost on restart) are off: we reconnect with jittered exponential backoff, publish only while
 * connected, QoS 1, a bounded window in flight, and remove a row only on its PUBACK. After every connect
 * the outbox is re-driven from its oldest row, so an outage or a restart loses nothing (duplicates are
 * possible; consumers deduplicate by id).
 */
import { EventEmitter } from 'node:events';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { XacminhError } from '../../drivers/errors.ts';
import { parseBrokerUrl, type BrokerTarget } from '../config/broker-url.ts';
import { MAX_COMMAND_BYTES } from './command-envelope.ts';
import { CommandResponder, type CommandRegistry } from './commands.ts';
import type { OutboxMessage, OutboxStore } from './outbox-store.ts';

export interface PublisherOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  ca?: Buffer | string;
  /** TLS client certificate and key (PEM). */
  cert?: Buffer | string;
  key?: Buffer | string;
  siteId: string;
  deviceId: string;
  outbox: OutboxStore;
  protocolVersion: 4 | 5;
  backoff?: { minMs: number; maxMs: number };
  /** Messages awaiting PUBACK at once (default 100: bench/outbox-drain.ts peaks there; 16 stalls on delayed ACKs). */
  maxInFlight?: number;
  /**
   * True while a customer is being verified: the drain then keeps at most `pacedInFlight` (default 8) events
   * in flight, so a long backlog (weeks offline) leaves the event loop to the verification. Call notify()
   * when it turns false to open the window again.
   */
  paced?: () => boolean;
  pacedInFlight?: number;
  connectTimeoutMs?: number;
  commands?: CommandRegistry;
  /** Extra fields for the retained status (e.g. the certificate's expiry): the payload is then JSON {state, …}. */
  statusDetails?: () => Record<string, unknown> | undefined;
}

const DEFAULT_IN_FLIGHT = 100;
/**
 * MQTT 5 Maximum Packet Size we announce: the broker drops bigger PUBLISHes for us instead of sending them,
 * so an oversized command is never buffered here. The device subscribes only to its cmd/+ topics; the rest
 * it receives (CONNACK, PUBACK, SUBACK, DISCONNECT) are a few bytes, and a broker trims their optional
 * properties to fit. 4 KiB above the command limit leaves room for the topic (≤ 150 bytes), a response
 * topic (≤ 512) and correlation data.
 */
export const MAX_INCOMING_PACKET_BYTES = MAX_COMMAND_BYTES + 4096;
/** bench/drain-load.ts: a window of 8 keeps a verification's p95 within noise of idle while 100,000 events drain. */
const DEFAULT_PACED_IN_FLIGHT = 8;
/** A failed removal of acknowledged rows (disk full, I/O error) is retried after 1 s, doubling up to 30 s. */
const ACK_RETRY_MIN_MS = 1_000;
const ACK_RETRY_MAX_MS = 30_000;

/** MQTT 3.1.1 CONNACK return codes and MQTT 5 reason codes that mean "you are not allowed", not "try later". */
const REFUSAL_CODES = new Set([4, 5, 0x84, 0x85, 0x86, 0x87, 0x8a, 0x8c, 0x90]);

/** TLS failures that retrying will not cure: a missing or rejected client certificate, an untrusted server. */
const TLS_REFUSAL = /^ERR_SSL_.*(CERTIFICATE|ALERT_(BAD|UNKNOWN|ACCESS|HANDSHAKE))|^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS_CERT)/;

export function topicPrefix(siteId: string, deviceId: string): string {
  return `xacminh/v1/${siteId}/${deviceId}/`;
}

export class EventPublisher extends EventEmitter {
  readonly prefix: string;
  private client: MqttClient | undefined;
  private responder: CommandResponder | undefined;
  private running = false;
  private connected = false;
  private failures = 0;
  private refused = false;
  /** A fault was already reported for the current connection attempt (avoid two for one failure). */
  private attemptFaulted = false;
  private disconnectReason: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Ids published on this connection and not yet acknowledged. */
  private readonly inFlight = new Set<string>();
  /** Ids the broker rejected on this connection (MQTT 5 PUBACK ≥ 0x80): kept in the outbox, retried next connect. */
  private readonly rejected = new Set<string>();
  /**
   * PUBACKed ids waiting for their batched removal from the outbox, or for a retry when that write failed:
   * delivered, so never published again, and skipped when the outbox is read (a failed write must not leave
   * them at the head of every read and stall the connection).
   */
  private readonly pendingAcks = new Set<string>();
  private flushScheduled = false;
  private ackRetry: NodeJS.Timeout | undefined;
  private ackRetryMs = ACK_RETRY_MIN_MS;
  private lastSeq = -Infinity;
  private draining = false;

  private readonly target: BrokerTarget;
  /** The client certificate and key; replaced by useTlsIdentity() after a renewal. */
  private tlsIdentity: { cert?: Buffer | string; key?: Buffer | string };

  constructor(private readonly options: PublisherOptions) {
    super();
    this.prefix = topicPrefix(options.siteId, options.deviceId);
    const parsed = parseBrokerUrl(options.url);
    if (!parsed.ok) throw new XacminhError('CONFIG_INVALID', `The MQTT broker URL ${parsed.message}`, { protocolGiven: options.url.split(':')[0] ?? '' });
    this.target = parsed.target;
    this.tlsIdentity = { ...(options.cert !== undefined ? { cert: options.cert } : {}), ...(options.key !== undefined ? { key: options.key } : {}) };
  }

  /**
   * A renewed client certificate and key: a running publisher disconnects and connects again with them
   * (events in flight stay in the outbox and are sent again), a stopped one uses them at its next start.
   */
  async useTlsIdentity(identity: { cert: Buffer | string; key: Buffer | string }): Promise<void> {
    this.tlsIdentity = identity;
    if (!this.running) return;
    await this.stop();
    await this.start();
  }

  /** Publishes the retained status again (its details changed, e.g. a certificate alarm); no-op while offline. */
  refreshStatus(): void {
    if (this.connected && this.client) this.client.publish(`${this.prefix}status`, this.statusPayload(), { qos: 1, retain: true });
  }

  private statusPayload(): string {
    const details = this.options.statusDetails?.();
    return details ? JSON.stringify({ state: 'online', ...details }) : 'online';
  }

  get isConnected(): boolean {
    return this.connected;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Starts connecting in the background; never throws for an unreachable broker (faults are events). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.flushAcknowledgements();
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    this.responder?.detach();
    // A clean DISCONNECT does not trigger the will, so say "offline" ourselves while we still can.
    if (this.connected) await Promise.race([client.publishAsync(`${this.prefix}status`, 'offline', { qos: 1, retain: true }).catch(() => undefined), delay(1000)]);
    const wasConnected = this.connected;
    this.connected = false;
    client.removeAllListeners();
    client.on('error', () => undefined);
    // Forced when not connected: a graceful end would wait for a CONNACK that may never come.
    await Promise.race([client.endAsync(!wasConnected).catch(() => undefined), delay(2000)]);
    this.flushAcknowledgements(); // PUBACKs that arrived while ending, before the caller closes the outbox
    clearTimeout(this.ackRetry); // what still fails stays in the outbox and is sent again after a restart
    this.ackRetry = undefined;
  }

  /** New rows were written to the outbox: publish them now if connected (otherwise the next connect will). */
  notify(): void {
    if (this.connected) this.drain();
  }

  private connect(): void {
    if (!this.running) return;
    const o = this.options;
    const options: IClientOptions = {
      clientId: o.clientId,
      protocolVersion: o.protocolVersion,
      reconnectPeriod: 0,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      clean: true,
      queueQoSZero: false,
      keepalive: 30,
      will: { topic: `${this.prefix}status`, payload: Buffer.from('offline'), qos: 1, retain: true },
      ...(o.protocolVersion === 5 ? { properties: { maximumPacketSize: MAX_INCOMING_PACKET_BYTES } } : {}),
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.ca !== undefined ? { ca: o.ca } : {}),
      ...this.tlsIdentity,
    };
    // mqtt.js gets the parsed target, never the URL string: its own parser could pick another host (broker-url.ts).
    const client = mqtt.connect({ ...options, ...transportOptions(this.target) });
    this.client = client;
    this.attemptFaulted = false;
    this.disconnectReason = undefined;
    // MQTT 5 brokers say why they drop us (0x8E session taken over, 0x8B shutting down …).
    client.on('disconnect', (packet) => (this.disconnectReason = packet.reasonCode));
    client.on('connect', () => this.onConnect(client));
    client.on('error', (error) => this.onError(client, error));
    client.on('close', () => this.onClose(client));
  }

  private onConnect(client: MqttClient): void {
    if (client !== this.client) return;
    this.connected = true;
    this.failures = 0;
    this.refused = false;
    this.inFlight.clear();
    this.rejected.clear();
    this.lastSeq = -Infinity;
    this.emit('connected');
    this.flushAcknowledgements(); // removals that failed before a reconnect (their events were delivered)
    client.publish(`${this.prefix}status`, this.statusPayload(), { qos: 1, retain: true });
    if (this.options.commands) {
      this.responder = new CommandResponder(client, { prefix: this.prefix, protocolVersion: this.options.protocolVersion, registry: this.options.commands, onProblem: (e) => this.fault(e) });
      this.responder.attach();
    }
    this.drain();
  }

  private onError(client: MqttClient, error: Error & { code?: string | number }): void {
    if (client !== this.client) return;
    const code = error.code;
    if (typeof code === 'number' && REFUSAL_CODES.has(code)) {
      this.refused = true;
      this.fault(new XacminhError('BROKER_REFUSED', `The broker refused the connection (reason code 0x${code.toString(16)}: ${error.message}): check the device's username/password or client certificate and the broker ACL`, { reasonCode: code, url: this.options.url }, { cause: error }));
    } else if (typeof code === 'string' && TLS_REFUSAL.test(code)) {
      this.refused = true;
      this.fault(new XacminhError('BROKER_REFUSED', `The TLS handshake with ${this.options.url} failed (${code}): check the client certificate and key, the CA file and the broker's certificate`, { tlsCode: code, url: this.options.url }, { cause: error }));
    } else {
      this.fault(new XacminhError('BROKER_UNAVAILABLE', `Cannot reach the MQTT broker at ${this.options.url} (${code ?? error.message}); events wait in the outbox and are sent when it is back`, { url: this.options.url, code: code ?? null }, { cause: error }));
    }
    // With reconnectPeriod 0 a failed connect may emit only 'error'; make sure the socket is gone so 'close' follows.
    if (!client.connected) client.end(true);
  }

  private onClose(client: MqttClient): void {
    if (client !== this.client) return;
    const wasConnected = this.connected;
    this.connected = false;
    this.inFlight.clear();
    this.responder?.detach();
    this.responder = undefined;
    client.removeAllListeners();
    client.on('error', () => undefined); // late socket errors after we let go of this client
    client.end(true);
    this.client = undefined;
    if (wasConnected) this.emit('disconnected', { reason: this.disconnectReason === undefined ? 'connection closed' : `broker sent DISCONNECT 0x${this.disconnectReason.toString(16)}`, reasonCode: this.disconnectReason ?? null });
    else if (!this.attemptFaulted) this.fault(new XacminhError('BROKER_UNAVAILABLE', `The MQTT broker at ${this.options.url} closed the connection before accepting it`, { url: this.options.url }));
    this.schedule();
  }

  private schedule(): void {
    if (!this.running) return;
    const { minMs, maxMs } = this.options.backoff ?? { minMs: 500, maxMs: 30_000 };
    // Refusals (bad credentials) will not fix themselves soon: back off four steps further.
    const exponent = this.failures++ + (this.refused ? 4 : 0);
    const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(exponent, 30));
    const wait = ceiling / 2 + Math.random() * (ceiling / 2); // equal jitter: never zero, spreads a fleet
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), wait);
    this.timer.unref?.();
  }

  /** How many events may await PUBACK now: the whole window, or the paced one while a customer is served. */
  private window(): number {
    const full = this.options.maxInFlight ?? DEFAULT_IN_FLIGHT;
    return this.options.paced?.() ? Math.min(full, this.options.pacedInFlight ?? DEFAULT_PACED_IN_FLIGHT) : full;
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      const max = this.window();
      while (this.connected && this.client && this.inFlight.size < max) {
        // peek() starts at the oldest row, which may be in flight, acknowledged but not yet removed, or rejected.
        const skipped = this.inFlight.size + this.pendingAcks.size + this.rejected.size;
        const rows = this.options.outbox.peek(skipped + (max - this.inFlight.size));
        const fresh = rows.filter((r) => r.seq > this.lastSeq && !this.inFlight.has(r.id) && !this.pendingAcks.has(r.id) && !this.rejected.has(r.id)).slice(0, max - this.inFlight.size);
        if (fresh.length === 0) return;
        this.options.outbox.recordAttempts(fresh.map((row) => row.id)); // may throw (storage): before any state changes
        for (const row of fresh) this.publish(this.client, row);
      }
    } catch (error) {
      // The outbox could not be read (disk, lock): report it; the next notify() or connect tries again.
      this.fault(storageFault(error, 'read'));
    } finally {
      this.draining = false;
    }
  }

  private publish(client: MqttClient, row: OutboxMessage): void {
    this.inFlight.add(row.id);
    this.lastSeq = row.seq;
    client.publish(`${this.prefix}${row.topic}`, row.payload, { qos: 1 }, (error, packet) => {
      // Not tied to this.client: PUBACKs still arriving while stop() ends the session are real deliveries.
      if (!this.inFlight.delete(row.id)) return;
      const reasonCode = (error as { code?: unknown } | undefined)?.code ?? (packet as { reasonCode?: number } | undefined)?.reasonCode;
      if (error) {
        if (typeof reasonCode === 'number') {
          this.rejected.add(row.id);
          this.fault(new XacminhError('BROKER_REFUSED', `The broker refused event ${row.id} on ${this.prefix}${row.topic} (reason code 0x${reasonCode.toString(16)}): check the broker ACL for this device; the event stays in the outbox`, { id: row.id, topic: `${this.prefix}${row.topic}`, reasonCode }, { cause: error }));
        }
        // Otherwise the connection went down: the row stays and is re-driven after the next connect.
        return;
      }
      this.queueAcknowledgement(row.id);
      // Refill now, not after the batched removal: rows awaiting removal are behind lastSeq and are skipped.
      if (this.inFlight.size <= this.window() / 2) this.drain();
    });
  }

  /**
   * PUBACKs that arrive together (one socket read) are removed from the outbox in one write: per-PUBACK
   * transactions cost an fsync each and capped the SQLite drain near 1,500 events/s. A crash before the
   * write replays those events, which consumers already deduplicate by id.
   */
  private queueAcknowledgement(id: string): void {
    this.pendingAcks.add(id);
    if (this.flushScheduled || this.ackRetry) return; // a retry pending after a failed write takes these too
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushAcknowledgements();
    });
  }

  private flushAcknowledgements(): void {
    if (this.pendingAcks.size === 0) return;
    clearTimeout(this.ackRetry);
    this.ackRetry = undefined;
    const ids = [...this.pendingAcks];
    try {
      this.options.outbox.acknowledge(ids);
    } catch (storageError) {
      // The rows stay in the outbox, already delivered: retry their removal (a restart before then replays them).
      this.fault(storageFault(storageError, `acknowledge ${ids.length} event(s)`));
      if (this.running) {
        this.ackRetry = setTimeout(() => this.flushAcknowledgements(), this.ackRetryMs);
        this.ackRetry.unref?.();
        this.ackRetryMs = Math.min(ACK_RETRY_MAX_MS, this.ackRetryMs * 2);
      }
      return;
    }
    this.ackRetryMs = ACK_RETRY_MIN_MS;
    for (const id of ids) {
      this.pendingAcks.delete(id);
      this.emit('delivered', { id });
    }
    // The removal may have promoted held events into the outbox (a full outbox draining): send them.
    if (this.connected && this.running) this.drain();
  }

  private fault(error: Error): void {
    this.attemptFaulted = true;
    if (this.listenerCount('fault') > 0) this.emit('fault', error);
  }
}

/** The connection mqtt.js opens, from the one parse the config check judged (an IPv6 host in [ ] only inside a ws URL). */
function transportOptions(target: BrokerTarget): IClientOptions {
  const ws = target.protocol === 'ws' || target.protocol === 'wss';
  const hostname = ws && target.host.includes(':') ? `[${target.host}]` : target.host;
  // tls:// is mqtts:// to mqtt.js, whose types (and client-certificate check) know only the latter.
  return { protocol: target.protocol === 'tls' ? 'mqtts' : target.protocol, host: hostname, hostname, ...(target.port !== undefined ? { port: target.port } : {}), ...(ws ? { path: target.path } : {}) };
}

function storageFault(error: unknown, what: string): XacminhError {
  if (error instanceof XacminhError) return error;
  return new XacminhError('STORAGE_FAILED', `The event outbox failed (${what}): ${(error as Error).message}; check the data dir's disk`, { what }, { cause: error });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}
