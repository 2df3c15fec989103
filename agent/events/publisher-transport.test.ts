// How the publisher reaches the broker: only the host the config check judged (one parse, broker-url.ts),
// and on MQTT 5 with a Maximum Packet Size so an oversized command is dropped by the broker, not buffered here.
import mqtt from 'mqtt';
import { test } from 'uvu';
import { z } from 'zod';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { MAX_COMMAND_BYTES } from './command-envelope.ts';
import { CommandRegistry, sendCommand } from './commands.ts';
import { MemoryOutbox, waitFor } from './events-test-support.ts';
import { MosquittoHarness, mosquittoMissing } from './mosquitto-harness.ts';
import { EventPublisher, MAX_INCOMING_PACKET_BYTES } from './publisher.ts';

const SITE = 'site-1';
const prefix = `xacminh/v1/${SITE}/dev-a/`;
const base = { clientId: 'dev-a', siteId: SITE, deviceId: 'dev-a', outbox: new MemoryOutbox(), protocolVersion: 5 as const };

test('a URL whose host two parsers read differently never reaches mqtt.js (no connection is attempted)', () => {
  // url.parse (mqtt.js) reads host broker.example.com here, WHATWG URL reads 127.0.0.1.
  for (const url of ['mqtt://broker.example.com\\@127.0.0.1:1883', 'mqtt://user:pw@127.0.0.1:1883', 'mqtt://%31%32%37.0.0.1:1883']) {
    let thrown: unknown;
    try {
      new EventPublisher({ ...base, url });
    } catch (error) {
      thrown = error;
    }
    assert.ok(isXacminhError(thrown, 'CONFIG_INVALID'), `${url}: ${String(thrown)}`);
    assert.not.match((thrown as Error).message, 'pw', 'the password is not echoed');
  }
});

const missing = mosquittoMissing();
test('MQTT 5: the broker drops a command bigger than the announced packet size; one at the command limit still arrives', async () => {
  if (missing) return console.log(`agent/events/publisher-transport.test.ts: ${missing}`);
  const observer = { username: 'central', password: 'central-pw' };
  const broker = new MosquittoHarness({ siteId: SITE, devices: [{ id: 'dev-a', password: 'pw-a' }], observer });
  await broker.start();
  const pings: Array<{ pad: string } | undefined> = [];
  const commands = new CommandRegistry().register('ping', (args) => (pings.push(args), { pong: true }), { args: z.object({ pad: z.string() }).optional() });
  const publisher = new EventPublisher({ ...base, url: broker.url, username: 'dev-a', password: 'pw-a', commands });
  const operator = await mqtt.connectAsync(broker.url, { clientId: 'operator-v5', ...observer, protocolVersion: 5, reconnectPeriod: 0 });
  try {
    await publisher.start();
    await waitFor(() => publisher.isConnected, 5_000, 'connect');
    const replies: string[] = [];
    operator.on('message', (_topic, _payload, packet) => replies.push(packet.properties?.correlationData?.toString() ?? ''));
    const replyTopic = `${prefix}cmd/ping/reply`;
    await operator.subscribeAsync(replyTopic, { qos: 1 });
    const send = (payload: string, correlation: string) => operator.publishAsync(`${prefix}cmd/ping`, payload, { qos: 1, properties: { responseTopic: replyTopic, correlationData: Buffer.from(correlation) } });
    // The device may still be subscribing when it reports connected: a first ping may go unanswered.
    const pong = (await sendCommand(operator, { prefix, name: 'ping', protocolVersion: 5, timeoutMs: 1500 }).catch(() => null)) ?? (await sendCommand(operator, { prefix, name: 'ping', protocolVersion: 5 }));
    assert.equal(pong, { ok: true, result: { pong: true } });

    const padded = (bytes: number) => { const head = '{"args":{"pad":"'; const tail = '"}}'; return head + 'x'.repeat(bytes - head.length - tail.length) + tail; };
    assert.is(padded(MAX_COMMAND_BYTES).length, MAX_COMMAND_BYTES);
    await send(padded(MAX_INCOMING_PACKET_BYTES + 1), 'oversized'); // would be refused by the envelope check if it arrived
    await send(padded(MAX_COMMAND_BYTES), 'at-limit');
    await waitFor(() => replies.includes('at-limit'), 5_000, 'the reply to the command at the limit');
    // Without the packet size the device would have answered "oversized" with a refusal, before "at-limit".
    assert.not.ok(replies.includes('oversized'), `replies: ${replies.join(',')}`);
    assert.is(pings.at(-1)?.pad.length, MAX_COMMAND_BYTES - 19, 'the command at the limit reached its handler');
    assert.ok(publisher.isConnected, 'the connection stays up');
  } finally {
    await operator.endAsync();
    await publisher.stop();
    await broker.dispose();
  }
});

test.run();
