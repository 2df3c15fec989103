/**
 * Test helpers for commands sent as raw bytes (what an outsider can publish): one request at a time, the
 * next message on the reply topic is its answer. Also the bad payloads every command must survive.
 */
import type { MqttClient } from 'mqtt';
import type { CommandReply } from './commands.ts';
import { MAX_COMMAND_BYTES } from './command-envelope.ts';

export const BAD_PAYLOADS: { what: string; payload: string | Buffer; code: string }[] = [
  { what: 'null', payload: 'null', code: 'MALFORMED_DATA' },
  { what: 'an array', payload: '[]', code: 'MALFORMED_DATA' },
  { what: 'a string', payload: '"x"', code: 'MALFORMED_DATA' },
  { what: 'args null', payload: '{"args":null}', code: 'INVALID_INPUT' },
  { what: 'not JSON', payload: '{"args": {', code: 'MALFORMED_DATA' },
  { what: 'an unknown field', payload: '{"id":"a","arg":{}}', code: 'MALFORMED_DATA' },
  { what: 'a huge payload', payload: JSON.stringify({ args: { pad: 'x'.repeat(MAX_COMMAND_BYTES + 10) } }), code: 'MALFORMED_DATA' },
];

/** Publishes `payload` on cmd/<name> and resolves with the next reply on cmd/<name>/reply. */
export async function rawCommand(client: MqttClient, prefix: string, name: string, payload: string | Buffer, timeoutMs = 3000): Promise<CommandReply> {
  const replyTopic = `${prefix}cmd/${name}/reply`;
  await client.subscribeAsync(replyTopic, { qos: 1 });
  return new Promise<CommandReply>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error(`no reply on ${replyTopic} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (topic: string, body: Buffer) => {
      if (topic !== replyTopic) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve(JSON.parse(body.toString('utf8')) as CommandReply);
    };
    client.on('message', onMessage);
    client.publish(`${prefix}cmd/${name}`, payload, { qos: 1 });
  });
}

/**
 * Collects unhandled rejections while a test runs (none may come from the command path). It listens
 * process-wide, on purpose: the command path runs in callbacks of sockets opened before the test (in
 * before()), so attributing a rejection by async context would miss exactly the ones that matter. The
 * runner (agent/bin/run-tests.js) imports every file, then uvu runs suites and tests one after another,
 * awaiting each, so nothing else runs meanwhile; only a leftover of an earlier test could be caught here,
 * and that fails this test (a false alarm that names its stack), never lets a real rejection through.
 */
export function watchUnhandled(): { reasons: unknown[]; stop(): void } {
  const reasons: unknown[] = [];
  const onRejection = (reason: unknown) => reasons.push(reason instanceof Error ? `${reason.stack ?? reason.message}` : reason);
  process.on('unhandledRejection', onRejection);
  return { reasons, stop: () => process.off('unhandledRejection', onRejection) };
}
