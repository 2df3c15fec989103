/** Shared by the agent's crash and outage tests: a central subscriber on Mosquitto that keeps every delivery. */
import mqtt, { type MqttClient } from 'mqtt';
import { MosquittoHarness } from '../events/mosquitto-harness.ts';

export const SITE = 'site-k';
export const DEVICE = 'dev-k';
export const DEVICE_PASSWORD = 'pw-device-k';

export function startHarness(): MosquittoHarness {
  return new MosquittoHarness({ siteId: SITE, devices: [{ id: DEVICE, password: DEVICE_PASSWORD }], observer: { username: 'central', password: 'pw-central' } });
}

/** Every payload received, by event id: a replay after a crash shows up as a second payload under one id. */
export class CentralSubscriber {
  readonly deliveries = new Map<string, string[]>();
  private client: MqttClient | undefined;

  async start(url: string): Promise<void> {
    // clean: false keeps the subscription queued on the broker while this client is away (broker restarts).
    this.client = await mqtt.connectAsync(url, { clientId: 'central-crash-test', username: 'central', password: 'pw-central', clean: false, reconnectPeriod: 300 });
    this.client.on('error', () => undefined);
    this.client.on('message', (_topic, payload) => {
      const text = payload.toString('utf8');
      const id = (JSON.parse(Buffer.from(text.split('.')[1] ?? '', 'base64url').toString('utf8')) as { id: string }).id;
      this.deliveries.set(id, [...(this.deliveries.get(id) ?? []), text]);
    });
    await this.client.subscribeAsync(`xacminh/v1/${SITE}/${DEVICE}/event/verification`, { qos: 1 });
  }

  /** Ids delivered more than once with different bytes: a replay must be the same event, never a new one. */
  conflicting(): string[] {
    return [...this.deliveries].filter(([, payloads]) => new Set(payloads).size > 1).map(([id]) => id);
  }

  replays(): number {
    return [...this.deliveries.values()].reduce((sum, payloads) => sum + payloads.length - 1, 0);
  }

  async stop(): Promise<void> {
    await this.client?.endAsync(true);
  }
}

export function siteConfig(brokerUrl: string): Record<string, unknown> {
  return {
    siteId: SITE,
    deviceId: DEVICE,
    reader: { kind: 'simulated', everySeconds: 1 },
    face: { enabled: false },
    ui: { enabled: false }, inspection: { enabled: false },
    mqtt: { kind: 'broker', url: brokerUrl, protocolVersion: 5, username: DEVICE, passwordFile: 'mqtt-password' },
  };
}
