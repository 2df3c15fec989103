/**
 * Remote commands on `xacminh/v1/<site>/<device>/cmd/<name>`. With MQTT 5 the requester names the reply
 * topic (responseTopic) and a correlationData the reply echoes. With MQTT 3.1.1 (aedes, old brokers) the
 * request is JSON `{id, args}` and the reply goes to `cmd/<name>/reply` with the same `id` inside the JSON.
 * Handlers are injected by the agent (ping, self-test, reload-config, export-register). Every payload and
 * its args are checked (zod) and every failure is an error reply; retained commands are ignored.
 */
import { randomUUID } from 'node:crypto';
import type { IClientPublishOptions, IPublishPacket, MqttClient } from 'mqtt';
import { z } from 'zod';
import { XacminhError, isXacminhError } from '../../drivers/errors.ts';
import { describeIssues, parseCommandPayload, replyTopicFor } from './command-envelope.ts';
import { DEFAULT_HEAVY_WINDOW_MS, HeavyCommandGate } from './command-gate.ts';

export type CommandHandler<A = unknown> = (args: A) => unknown;

export interface CommandReply {
  /** The MQTT 3.1.1 correlation id (absent on MQTT 5, where correlationData carries it). */
  id?: string;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}

export interface CommandSpec<A> {
  /** The args' schema; a bad value is an INVALID_INPUT reply. Default: no args (absent or `{}`). */
  args?: z.ZodType<A>;
  /** What the args are, for the error reply (e.g. "{from?, to?: ISO times}"). */
  usage?: string;
  /** Costly (CPU, disk): one heavy command at a time, each at most once per window. */
  heavy?: boolean;
}

interface Command {
  handler: CommandHandler;
  args: z.ZodType;
  usage: string;
  heavy: boolean;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const NO_ARGS = z.object({}).strict().optional();

export class CommandRegistry {
  private readonly commands = new Map<string, Command>();
  private readonly gate: HeavyCommandGate;

  constructor(options: { heavyWindowMs?: number; now?: () => number } = {}) {
    this.gate = new HeavyCommandGate(options.heavyWindowMs ?? DEFAULT_HEAVY_WINDOW_MS, options.now);
  }

  register<A = undefined>(name: string, handler: CommandHandler<A>, spec: CommandSpec<A> = {}): this {
    if (!NAME.test(name)) throw new XacminhError('INVALID_INPUT', `Command name "${name}" must be lower-case letters, digits and dashes`, { name });
    this.commands.set(name, { handler: handler as CommandHandler, args: spec.args ?? NO_ARGS, usage: spec.usage ?? 'no args', heavy: spec.heavy ?? false });
    return this;
  }

  names(): string[] {
    return [...this.commands.keys()];
  }

  /** Checks the args, runs the handler; every failure becomes an error reply, never an exception out of the agent. */
  async dispatch(name: string, args: unknown): Promise<CommandReply> {
    const command = this.commands.get(name);
    if (!command) return { ok: false, error: { code: 'UNKNOWN_COMMAND', message: `No command "${name}"; this device knows: ${this.names().join(', ') || 'none'}` } };
    const parsed = command.args.safeParse(args);
    if (!parsed.success) return { ok: false, error: { code: 'INVALID_INPUT', message: `${name} takes ${command.usage}: ${describeIssues(parsed.error)}` } };
    const refused = command.heavy ? this.gate.enter(name) : null;
    if (refused) return refused;
    try {
      return { ok: true, result: (await command.handler(parsed.data)) ?? null };
    } catch (error) {
      return { ok: false, error: { code: isXacminhError(error) ? error.code : 'COMMAND_FAILED', message: error instanceof Error ? error.message : `${name} failed: ${String(error)}` } };
    } finally {
      if (command.heavy) this.gate.leave();
    }
  }
}

/** Serves one connected client: subscribe on every (re)connect, answer each request once. */
export class CommandResponder {
  // Nothing thrown on the message path may escape: an unhandled rejection here would be the sender's to cause.
  private readonly onMessage = (topic: string, payload: Buffer, packet: IPublishPacket) => {
    this.handle(topic, payload, packet).catch((error: unknown) => this.problem(error));
  };

  constructor(
    private readonly client: MqttClient,
    private readonly options: { prefix: string; protocolVersion: 4 | 5; registry: CommandRegistry; onProblem?: (error: Error) => void },
  ) {}

  attach(): void {
    this.client.on('message', this.onMessage);
    this.client.subscribe(`${this.options.prefix}cmd/+`, { qos: 1 }, (error, granted) => {
      const refused = granted?.find((g) => g.qos >= 0x80);
      if (error || refused) this.problem(new XacminhError('BROKER_REFUSED', 'The broker refused the command subscription: check the ACL for this device', { reasonCode: refused?.qos }, { cause: error }));
    });
  }

  detach(): void {
    this.client.off('message', this.onMessage);
  }

  private async handle(topic: string, payload: Buffer, packet: IPublishPacket): Promise<void> {
    const prefix = `${this.options.prefix}cmd/`;
    if (!topic.startsWith(prefix)) return;
    const name = topic.slice(prefix.length);
    if (name.includes('/')) return; // our own replies, or deeper topics
    if (packet.retain) {
      // The broker kept it and hands it over on every subscribe: a command is for now, not state.
      this.problem(new XacminhError('INVALID_INPUT', `Ignored a retained command on ${topic}: commands must not be retained. Clear it (e.g. mosquitto_pub -r -n -t '${topic}') or it is ignored again on every reconnect`, { topic }));
      return;
    }
    const properties = packet.properties ?? {};
    const route = replyTopicFor(this.options.prefix, name, this.options.protocolVersion === 5 ? properties.responseTopic : undefined);
    if (route.requested === 'refused') {
      this.problem(new XacminhError('INVALID_INPUT', `A ${name} command asked for its reply on another topic (${String(properties.responseTopic).slice(0, 200)}); replies go only under ${prefix}${name}/reply: answered there`, { name }));
    }
    const request = parseCommandPayload(payload);
    const reply = request.ok ? await this.options.registry.dispatch(name, request.args) : request.reply;
    await this.reply(route.topic, reply, request.id, this.options.protocolVersion === 5 ? properties.correlationData : undefined);
  }

  private async reply(topic: string, reply: CommandReply, id: string | undefined, correlationData: Buffer | undefined): Promise<void> {
    const options: IClientPublishOptions = { qos: 1 };
    if (correlationData) options.properties = { correlationData };
    try {
      await this.client.publishAsync(topic, serialise(id ? { id, ...reply } : reply), options);
    } catch (error) {
      this.problem(error);
    }
  }

  private problem(error: unknown): void {
    try {
      this.options.onProblem?.(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // A failing logger must not turn a bad command into a crash.
    }
  }
}

/** A result that is not JSON (a BigInt, a cycle) becomes an error reply instead of a throw. */
function serialise(reply: CommandReply): string {
  try {
    return JSON.stringify(reply);
  } catch (error) {
    return JSON.stringify({ ...(reply.id ? { id: reply.id } : {}), ok: false, error: { code: 'COMMAND_FAILED', message: `The command's result cannot be sent as JSON: ${(error as Error).message}` } });
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
      let reply: CommandReply;
      try {
        reply = JSON.parse(payload.toString('utf8')) as CommandReply;
      } catch {
        return; // not a reply of ours: someone else published on the reply topic
      }
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
