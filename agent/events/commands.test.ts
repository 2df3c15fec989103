// Commands from outside the device (anyone the broker lets publish on cmd/<name>): bad payloads, throwing
// handlers and retained commands get an error reply or are ignored; nothing escapes the message path.
import mqtt, { type MqttClient } from 'mqtt';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { replyTopicFor } from './command-envelope.ts';
import { BAD_PAYLOADS, rawCommand, watchUnhandled } from './command-test-support.ts';
import { CommandRegistry, sendCommand } from './commands.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.ts';
import { MemoryOutbox, waitFor } from './events-test-support.ts';
import { EventPublisher } from './publisher.ts';

const prefix = 'xacminh/v1/site-1/dev-a/';
const test = suite('commands');

async function device(broker: EmbeddedBroker, commands: CommandRegistry): Promise<{ publisher: EventPublisher; faults: Error[] }> {
  const publisher = new EventPublisher({ url: broker.url, clientId: 'dev-a', siteId: 'site-1', deviceId: 'dev-a', outbox: new MemoryOutbox(), protocolVersion: 4, commands });
  const faults: Error[] = [];
  publisher.on('fault', (error: Error) => faults.push(error));
  await publisher.start();
  await waitFor(() => publisher.isConnected, 5_000, 'connect');
  return { publisher, faults };
}

async function pingWhenSubscribed(operator: MqttClient): Promise<unknown> {
  // The responder subscribes right after CONNACK; retry the first ping until it is in place.
  const first = await sendCommand(operator, { prefix, name: 'ping', protocolVersion: 4, timeoutMs: 1500 }).catch(() => null);
  return (first ?? (await sendCommand(operator, { prefix, name: 'ping', protocolVersion: 4, timeoutMs: 1500 }))).result;
}

test('watchUnhandled sees a rejection nothing handles while it watches (the checks using it can fail)', async () => {
  const unhandled = watchUnhandled();
  try {
    void Promise.reject(new Error('probe: nobody handles this'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.is(unhandled.reasons.length, 1);
    assert.match(String(unhandled.reasons[0]), /probe: nobody handles this/);
  } finally {
    unhandled.stop();
  }
});

test('null, [], "x", {"args":null}, non-JSON, unknown fields and a huge payload each get an error reply, and ping still answers', async () => {
  const unhandled = watchUnhandled();
  const broker = await startEmbeddedBroker({ host: '127.0.0.1' });
  const commands = new CommandRegistry()
    .register('ping', () => ({ pong: true }))
    .register('export-register', (args) => ({ limit: args.limit }), { args: z.object({ limit: z.number().int() }).strict(), usage: '{limit: integer}' });
  const { publisher } = await device(broker, commands);
  const operator = await mqtt.connectAsync(broker.url, { clientId: 'operator', reconnectPeriod: 0 });
  try {
    assert.equal(await pingWhenSubscribed(operator), { pong: true });
    for (const name of ['ping', 'export-register']) {
      for (const bad of BAD_PAYLOADS) {
        const reply = await rawCommand(operator, prefix, name, bad.payload);
        assert.is(reply.ok, false, `${name} with ${bad.what}`);
        assert.is(reply.error?.code, bad.code, `${name} with ${bad.what}: ${JSON.stringify(reply)}`);
        assert.equal(await rawCommand(operator, prefix, 'ping', '{}'), { ok: true, result: { pong: true } }, `ping after ${name} with ${bad.what}`);
      }
    }
    const wrongArgs = await rawCommand(operator, prefix, 'export-register', '{"id":"q1","args":{"limit":"all"}}');
    assert.equal([wrongArgs.id, wrongArgs.error?.code], ['q1', 'INVALID_INPUT'], 'the id is echoed so the requester can match the error');
    assert.match(wrongArgs.error!.message, /export-register takes \{limit: integer\}: limit:/);
    assert.equal(await rawCommand(operator, prefix, 'export-register', '{"args":{"limit":5}}'), { ok: true, result: { limit: 5 } });
    assert.equal(unhandled.reasons, [], 'no unhandled rejection');
  } finally {
    unhandled.stop();
    await operator.endAsync();
    await publisher.stop();
    await broker.close();
  }
});

test('a handler that throws a non-Error or returns what JSON cannot carry gets an error reply; the device keeps answering', async () => {
  const unhandled = watchUnhandled();
  const broker = await startEmbeddedBroker({ host: '127.0.0.1' });
  const commands = new CommandRegistry()
    .register('ping', () => ({ pong: true }))
    .register('throws-null', () => {
      throw null; // what a careless handler may do
    })
    .register('bigint', () => ({ n: 1n }));
  const { publisher } = await device(broker, commands);
  const operator = await mqtt.connectAsync(broker.url, { clientId: 'operator', reconnectPeriod: 0 });
  try {
    await pingWhenSubscribed(operator);
    const thrown = await rawCommand(operator, prefix, 'throws-null', '{}');
    assert.equal(thrown.error, { code: 'COMMAND_FAILED', message: 'throws-null failed: null' });
    const big = await rawCommand(operator, prefix, 'bigint', '{"id":"b1"}');
    assert.equal([big.id, big.ok, big.error?.code], ['b1', false, 'COMMAND_FAILED']);
    assert.match(big.error!.message, /cannot be sent as JSON/);
    assert.equal(await rawCommand(operator, prefix, 'ping', ''), { ok: true, result: { pong: true } });
    assert.equal(unhandled.reasons, []);
  } finally {
    unhandled.stop();
    await operator.endAsync();
    await publisher.stop();
    await broker.close();
  }
});

test('a retained command (left on the broker before the device connects) is not executed: no reply, no effect, one warning', async () => {
  const broker = await startEmbeddedBroker({ host: '127.0.0.1' });
  let reloads = 0;
  const commands = new CommandRegistry().register('ping', () => ({ pong: true })).register('reload-config', () => ({ reloaded: ++reloads }));
  const operator = await mqtt.connectAsync(broker.url, { clientId: 'operator', reconnectPeriod: 0 });
  const replies: string[] = [];
  operator.on('message', (topic, payload) => topic.endsWith('/reply') && replies.push(payload.toString()));
  await operator.subscribeAsync(`${prefix}cmd/+/reply`, { qos: 1 });
  await operator.publishAsync(`${prefix}cmd/reload-config`, '{"id":"stale-reload"}', { qos: 1, retain: true });
  await operator.publishAsync(`${prefix}cmd/ping`, '{"id":"stale-ping"}', { qos: 1, retain: true });
  const { publisher, faults } = await device(broker, commands);
  try {
    // The broker hands the retained commands over on SUBACK; the warnings prove the device saw them.
    await waitFor(() => faults.filter((f) => /retained/.test(f.message)).length === 2, 5_000, 'two retained-command warnings');
    assert.match(faults.find((f) => f.message.includes('cmd/reload-config'))!.message, /Clear it .*mosquitto_pub -r -n -t/);
    // A live ping is answered (its reply follows any reply to the retained ones on the same connection).
    const live = await sendCommand(operator, { prefix, name: 'ping', protocolVersion: 4 });
    assert.equal(live.result, { pong: true });
    assert.is(reloads, 0, 'the retained reload-config did not run');
    assert.not.ok(replies.some((r) => r.includes('stale')), `no reply to a retained command: ${replies.join(' ')}`);
  } finally {
    await operator.publishAsync(`${prefix}cmd/reload-config`, '', { qos: 1, retain: true });
    await operator.endAsync();
    await publisher.stop();
    await broker.close();
  }
});

test('a responseTopic is honoured only under the command\'s own reply topic', () => {
  const own = `${prefix}cmd/ping/reply`;
  assert.equal(replyTopicFor(prefix, 'ping', undefined), { topic: own, requested: 'none' });
  assert.equal(replyTopicFor(prefix, 'ping', own), { topic: own, requested: 'accepted' });
  assert.equal(replyTopicFor(prefix, 'ping', `${own}/console-7`), { topic: `${own}/console-7`, requested: 'accepted' });
  for (const elsewhere of [
    `${prefix}event/verification`, // a forged event
    `${prefix}status`,
    `${prefix}cmd/ping`, // its own command topic: the reply would come back as a command
    `${prefix}cmd/self-test/reply`, // another command's replies
    `${own}/`,
    `${own}x`,
    `${own}/+`,
    'xacminh/v1/site-1/dev-b/cmd/ping/reply',
    'anything/else',
  ]) {
    assert.equal(replyTopicFor(prefix, 'ping', elsewhere), { topic: own, requested: 'refused' }, elsewhere);
  }
});

test('heavy commands: one at a time, at most once per window (counted from the end of the last run), refused with RATE_LIMITED', async () => {
  let now = 1_000_000;
  let release: () => void = () => undefined;
  let runs = 0;
  const commands = new CommandRegistry({ heavyWindowMs: 60_000, now: () => now })
    .register('self-test', async () => {
      runs++;
      await new Promise<void>((resolve) => (release = resolve));
      return { runs };
    }, { heavy: true })
    .register('ping', () => 'pong');
  const first = commands.dispatch('self-test', undefined);
  const during = await commands.dispatch('self-test', undefined);
  assert.is(during.error?.code, 'RATE_LIMITED');
  assert.is(during.error!.message, 'a self-test is still running and heavy commands run one at a time: try again when it has finished');
  assert.equal(await commands.dispatch('ping', undefined), { ok: true, result: 'pong' }, 'light commands are not held up');
  now += 5_000; // the run takes 5 s
  release();
  assert.equal(await first, { ok: true, result: { runs: 1 } });
  now += 20_000;
  const soon = await commands.dispatch('self-test', undefined);
  assert.equal(soon.error, { code: 'RATE_LIMITED', message: 'self-test runs at most once every 60 s: try again in 40 s' });
  const badArgs = await commands.dispatch('self-test', { all: true });
  assert.is(badArgs.error?.code, 'INVALID_INPUT', 'args are checked before the gate');
  now += 40_000;
  const again = commands.dispatch('self-test', undefined);
  release();
  assert.equal(await again, { ok: true, result: { runs: 2 } });
  assert.is(runs, 2);
});

test.run();
