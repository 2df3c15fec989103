/**
 * The demo's stand-in for the central system: subscribes to every verification event on the broker,
 * checks the device's signature, opens the personal data with the demo authority key, drops repeats by
 * id (QoS 1 is at-least-once) and prints one line per verification.
 */
import type { KeyObject } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { openVerificationEvent } from '../events/event.ts';

export interface ReceivedEvent {
  id: string;
  topic: string;
  decision: string;
  line: string;
}

export class DemoSubscriber {
  private client: MqttClient | undefined;
  private readonly seen = new Set<string>();
  duplicates = 0;

  constructor(
    private readonly options: { url: string; devicePublicKey: KeyObject; authorityPrivateKey?: KeyObject; onEvent: (event: ReceivedEvent) => void; onProblem: (message: string) => void },
  ) {}

  async start(): Promise<void> {
    const client = mqtt.connect(this.options.url, { clientId: `xacminh-demo-subscriber-${process.pid}`, reconnectPeriod: 1000, clean: true });
    this.client = client;
    client.on('message', (topic, payload) => void this.onMessage(topic, payload.toString('utf8')));
    client.on('error', (error) => this.options.onProblem(`subscriber: ${error.message}`));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => {
        client.subscribe('xacminh/v1/+/+/event/verification', { qos: 1 }, (error) => (error ? reject(error) : resolve()));
      });
      client.once('error', reject);
    });
  }

  async stop(): Promise<void> {
    await this.client?.endAsync(true);
  }

  private async onMessage(topic: string, payload: string): Promise<void> {
    try {
      const opened = await openVerificationEvent(payload, {
        devicePublicKey: this.options.devicePublicKey,
        ...(this.options.authorityPrivateKey ? { authorityPrivateKey: this.options.authorityPrivateKey } : {}),
      });
      const event = opened.event;
      if (this.seen.has(event.id)) {
        this.duplicates++;
        return;
      }
      this.seen.add(event.id);
      const who = opened.personal?.identity ? `${opened.personal.identity.fullName} (${maskId(opened.personal.identity.idNumber)})` : 'no identity read';
      const line = `subscriber ← ${topic}: ${event.decision.toUpperCase()} ${who}; signature ok; personal data was encrypted (${payload.length} B on the wire)`;
      this.options.onEvent({ id: event.id, topic, decision: event.decision, line });
    } catch (error) {
      this.options.onProblem(`subscriber: an event on ${topic} failed verification: ${(error as Error).message}`);
    }
  }
}

/** The demo prints names, never a whole ID number. */
function maskId(id: string): string {
  return id.length > 4 ? `${'•'.repeat(id.length - 4)}${id.slice(-4)}` : id;
}
