/**
 * Remote commands on `xacminh/v1/<site>/<device>/cmd/<name>`. With MQTT 5 the requester names the reply
 * topic (responseTopic) and a correlationData the reply echoes. With MQTT 3.1.1 (aedes, old brokers) the
 * request is JSON `{id, args}` and the reply goes to `cmd/<name>/reply` with the same `id` inside the JSON.
 * Handlers are injected by the agent (ping, self-test, reload-config, export-register).
 */
import { randomUUID } from 'node:crypto';
import type { IClientPublishOptions, MqttClient } from 'mqtt';
import { XacminhError, isXacminhError } from '../../drivers/errors.ts';

export type CommandHandler = (args: unknown) => unknown;

export interface CommandReply {
  /** The MQTT 3.1.1 correlation id (absent on MQTT 5, where correlationData carries it). */
  id?: string;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export class CommandRegistry {
  private readonly handlers = new Map<string, CommandHandler>();

  register(name: string, handler: CommandHandler): this {
    if (!NAME.test(name)) throw new XacminhError('INVALID_INPUT', `Command name "${name}" must be lower-case letters, digits and dashes`, { name });
    this.handlers.set(name, handler);
    return this;
  }

  names(): string[] {
    return [...this.handlers.keys()];
  }

  /** Runs a handler; every failure becomes an error reply, never an exception out of the agent. */
  async dispatch(name: string, args: unknown): Promise<CommandReply> {
    const handler = this.handlers.get(name);
    if (!handler) return { ok: false, error: { code: 'UNKNOWN_COMMAND', message: `No command "${name}"; this device knows: ${this.names().join(', ') || 'none'}` } };
    try {
      return { ok: true, result: (await handler(args)) ?? null };
    } catch (error) {
      return { ok: false, error: { code: isXacminhError(error) ? error.code : 'COMMAND_FAILED', message: (error as Error).message } };
    }
  }
}

/** Serves one connected client: subscribe on every (re)connect, answer each request once. */
export class CommandResponder {
  private readonly onMessage = (topic: string, payload: Buffer, packet: { properties?: { responseTopic?: string; correlationData?: Buffer } }) => {
    void this.handle(topic, payload, packet.properties ?? {});
  };

  constructor(
    private readonly client: MqttClient,
    private readonly options: { prefix: string; protocolVersion: 4 | 5; registry: CommandRegistry; onProblem?: (error: Error) => void },
  ) {}

  attach(): void {
    this.client.on('message', this.onMessage);
    this.client.subscribe(`${this.options.prefix}cmd/+`, { qos: 1 }, (error, granted) => {
      const refused = granted?.find((g) => g.qos >= 0x80);
      if (error || refused) this.options.onProblem?.(new XacminhError('BROKER_REFUSED', 'The broker refused the command subscription: check the ACL for this device', { reasonCode: refused?.qos }, { cause: error }));
    });
  }

  detach(): void {
    this.client.off('message', this.onMessage);
  }

  private async handle(topic: string, payload: Buffer, properties: { responseTopic?: string; correlationData?: Buffer }): Promise<void> {
    const prefix = `${this.options.prefix}cmd/`;
    if (!topic.startsWith(prefix)) return;
    const name = topic.slice(prefix.length);
    if (name.includes('/')) return; // our own replies, or deeper topics
    let request: { id?: string; args?: unknown } = {};
    try {
      request = payload.length ? (JSON.parse(payload.toString('utf8')) as typeof request) : {};
    } catch {
      await this.reply(name, properties, { ok: false, error: { code: 'MALFORMED_DATA', message: 'The command payload is not JSON' } }, undefined);
      return;
    }
    const reply = await this.options.registry.dispatch(name, request.args);
    await this.reply(name, properties, reply, typeof request.id === 'string' ? request.id : undefined);
  }

  private async reply(name: string, properties: { responseTopic?: string; correlationData?: Buffer }, reply: CommandReply, id: string | undefined): Promise<void> {
    const v5 = this.options.protocolVersion === 5 && properties.responseTopic;
    const topic = v5 ? properties.responseTopic! : `${this.options.prefix}cmd/${name}/reply`;
    const options: IClientPublishOptions = { qos: 1 };
    if (v5 && properties.correlationData) options.properties = { correlationData: properties.correlationData };
    const body: CommandReply = v5 ? reply : { id, ...reply };
    try {
      await this.client.publishAsync(topic, JSON.stringify(body), options);
    } catch (error) {
      this.options.onProblem?.(error as Error);
    }
  }
}

/**
 * The requester's side (tests, the authority's console): sends one command and waits for its reply.
 * The reply topic is under the device's prefix so the device's ACL lets it publish there.
 */
export async function sendCommand(
  client: MqttClient,
  options: { prefix: string; name: string; args?: unknown; protocolVersion: 4 | 5; timeoutMs?: number },
): Promise<CommandReply> {
  const id = randomUUID();
  const replyTopic = `${options.prefix}cmd/${options.name}/reply`;
  return new Promise<CommandReply>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new XacminhError('TIMEOUT', `No reply to command ${options.name} within ${options.timeoutMs ?? 5000} ms: is the device online?`, { name: options.name }));
    }, options.timeoutMs ?? 5000);
    const onMessage = (topic: string, payload: Buffer, packet: { properties?: { correlationData?: Buffer } }) => {
      if (topic !== replyTopic) return;
      const reply = JSON.parse(payload.toString('utf8')) as CommandReply;
      const correlation = options.protocolVersion === 5 ? packet.properties?.correlationData?.toString('utf8') : reply.id;
      if (correlation !== id) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve(reply);
    };
    client.on('message', onMessage);
    client.subscribe(replyTopic, { qos: 1 }, (error) => {
      if (error) {
        clearTimeout(timer);
        client.off('message', onMessage);
        reject(error);
        return;
      }
      const body = options.protocolVersion === 5 ? { args: options.args } : { id, args: options.args };
      const publishOptions: IClientPublishOptions = { qos: 1 };
      if (options.protocolVersion === 5) publishOptions.properties = { responseTopic: replyTopic, correlationData: Buffer.from(id, 'utf8') };
      client.publish(`${options.prefix}cmd/${options.name}`, JSON.stringify(body), publishOptions);
    });
  });
}
