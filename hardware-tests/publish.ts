/**
 * The CLI's own short MQTT connection (the agent may not be running): the site config's broker settings,
 * with the enrolled device certificate when the config names none. Used by the broker check's probe and to
 * publish the signed report on xacminh/v1/<site>/<device>/selftest with QoS 1.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import { XacminhError } from '../drivers/errors.ts';
import type { AgentConfig } from '../agent/config/schema.ts';
import type { DataDirPaths } from '../agent/datadir.ts';
import type { Absent, BrokerProbe } from './types.ts';

export const SELFTEST_TOPIC = 'selftest';

export function selfTestTopic(config: AgentConfig): string {
  return `xacminh/v1/${config.siteId}/${config.deviceId}/${SELFTEST_TOPIC}`;
}

export class BrokerConnection implements BrokerProbe {
  private client: MqttClient | undefined;
  private connectMs = 0;

  private constructor(
    private readonly config: AgentConfig,
    private readonly options: mqtt.IClientOptions & { url: string },
  ) {}

  /** Absent when the site config runs the embedded broker (the demo): there is nothing to reach. */
  static forConfig(config: AgentConfig, paths: DataDirPaths, connectTimeoutMs = 10_000): BrokerConnection | Absent {
    const m = config.mqtt;
    if (m.kind === 'embedded') return { absent: { en: 'the site config uses the embedded broker (demo): no broker to reach', vi: 'cấu hình dùng máy chủ MQTT nội bộ (demo): không có máy chủ để kiểm tra' } };
    const file = (name: string | undefined) => (name ? readFileSync(isAbsolute(name) ? name : join(paths.root, name)) : undefined);
    // The enrolled identity is the default client certificate, the broker CA from the site bundle the default CA.
    const cert = file(m.certFile) ?? (m.keyFile === undefined && existsSync(paths.deviceCert) ? readFileSync(paths.deviceCert) : undefined);
    const key = file(m.keyFile) ?? (m.certFile === undefined && cert && existsSync(paths.deviceKey) ? readFileSync(paths.deviceKey) : undefined);
    const ca = file(m.caFile) ?? (existsSync(paths.brokerCa) ? readFileSync(paths.brokerCa) : undefined);
    const password = file(m.passwordFile)?.toString('utf8').trim();
    return new BrokerConnection(config, {
      url: m.url,
      clientId: `xacminh-${config.siteId}-${config.deviceId}-selftest`,
      protocolVersion: m.protocolVersion,
      connectTimeout: connectTimeoutMs,
      reconnectPeriod: 0,
      ...(m.username ? { username: m.username } : {}),
      ...(password ? { password } : {}),
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
    });
  }

  get url(): string {
    return this.options.url.replace(/\/\/[^@/]*@/, '//');
  }

  async probe(signal: AbortSignal): Promise<{ connectMs: number; pubackMs: number; url: string }> {
    await this.connect(signal);
    const started = performance.now();
    await this.publish(`${selfTestTopic(this.config)}/probe`, JSON.stringify({ probe: true }));
    return { connectMs: this.connectMs, pubackMs: performance.now() - started, url: this.url };
  }

  /** Publishes with QoS 1 and resolves on PUBACK; a refusal (ACL) is BROKER_REFUSED. */
  async publish(topic: string, payload: string, signal?: AbortSignal): Promise<void> {
    const client = await this.connect(signal);
    try {
      await client.publishAsync(topic, payload, { qos: 1 });
    } catch (error) {
      const reasonCode = (error as { code?: unknown }).code;
      throw new XacminhError('BROKER_REFUSED', `The broker refused the publish on ${topic}${typeof reasonCode === 'number' ? ` (reason code 0x${reasonCode.toString(16)})` : ''}: check the broker ACL for this device`, { topic, reasonCode }, { cause: error });
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.endAsync().catch(() => undefined);
  }

  private async connect(signal?: AbortSignal): Promise<MqttClient> {
    if (this.client?.connected) return this.client;
    const started = performance.now();
    const { url, ...options } = this.options;
    const client = mqtt.connect(url, options);
    this.client = client;
    try {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(new XacminhError('CANCELLED', 'the self-test was stopped', {}));
        signal?.addEventListener('abort', onAbort, { once: true });
        client.once('connect', () => resolve());
        client.once('error', (error) => reject(error));
        client.once('close', () => reject(new Error('connection closed before CONNACK')));
      });
    } catch (error) {
      client.end(true);
      this.client = undefined;
      if (error instanceof XacminhError) throw error;
      const code = (error as { code?: unknown }).code;
      const refused = typeof code === 'number';
      throw new XacminhError(refused ? 'BROKER_REFUSED' : 'BROKER_UNAVAILABLE', `${refused ? 'The broker refused the connection' : 'Cannot reach the broker'} at ${this.url}: ${(error as Error).message}`, { url: this.url, ...(refused ? { reasonCode: code } : { reason: String(code ?? '') }) }, { cause: error });
    }
    // An error after CONNACK (the connection drops) must not be an unhandled 'error' event: the next publish reports it.
    client.on('error', () => undefined);
    this.connectMs = performance.now() - started;
    return client;
  }
}
