// MQTT 5 commands through a real Mosquitto with the device ACL: a requester cannot choose where the device
// publishes its reply. The ACL lets the device write anywhere under its own subtree (events, status), so the
// device itself must refuse a responseTopic outside its command's reply topic.
import mqtt from 'mqtt';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CommandRegistry, sendCommand, type CommandReply } from './commands.ts';
import { MemoryOutbox, waitFor } from './events-test-support.ts';
import { MosquittoHarness, mosquittoMissing } from './mosquitto-harness.ts';
import { EventPublisher } from './publisher.ts';

const SITE = 'site-1';
const observer = { username: 'central', password: 'central-pw' };
const missing = mosquittoMissing();
const broker = new MosquittoHarness({ siteId: SITE, devices: [{ id: 'dev-a', password: 'pw-a' }], observer });
const prefix = `xacminh/v1/${SITE}/dev-a/`;
const mosq = suite('commands-mosquitto');

mosq.before(async () => {
  await broker.start();
});
mosq.after(async () => {
  await broker.dispose();
});

mosq('a responseTopic outside cmd/<name>/reply gets no publish there: the reply goes to the default reply topic, correlationData kept', async () => {
  const commands = new CommandRegistry().register('ping', () => ({ pong: true }));
  const publisher = new EventPublisher({ url: broker.url, clientId: 'dev-a-cmd', username: 'dev-a', password: 'pw-a', siteId: SITE, deviceId: 'dev-a', outbox: new MemoryOutbox(), protocolVersion: 5, commands });
  const faults: Error[] = [];
  publisher.on('fault', (error: Error) => faults.push(error));
  await publisher.start();
  await waitFor(() => publisher.isConnected, 5_000, 'connect');
  const operator = await mqtt.connectAsync(broker.url, { clientId: 'operator-v5', ...observer, protocolVersion: 5, reconnectPeriod: 0 });
  try {
    // sendCommand names the default reply topic as responseTopic: still answered (and proves the subscription is up).
    let pong = await sendCommand(operator, { prefix, name: 'ping', protocolVersion: 5, timeoutMs: 1500 }).catch(() => null);
    pong ??= await sendCommand(operator, { prefix, name: 'ping', protocolVersion: 5 });
    assert.equal(pong, { ok: true, result: { pong: true } });

    const forged = `${prefix}event/verification`;
    const defaultReply = `${prefix}cmd/ping/reply`;
    const seen: { topic: string; payload: string; correlation: string | undefined }[] = [];
    operator.on('message', (topic, payload, packet) => seen.push({ topic, payload: payload.toString(), correlation: packet.properties?.correlationData?.toString() }));
    await operator.subscribeAsync([forged, defaultReply], { qos: 1 });
    await operator.publishAsync(`${prefix}cmd/ping`, '{}', { qos: 1, properties: { responseTopic: forged, correlationData: Buffer.from('c-1') } });
    await waitFor(() => seen.some((m) => m.correlation === 'c-1'), 5_000, 'the reply on the default topic');
    // A second request afterwards: once its reply is in, anything for the first would have arrived.
    await operator.subscribeAsync(`${defaultReply}/console-2`, { qos: 1 });
    await operator.publishAsync(`${prefix}cmd/ping`, '{}', { qos: 1, properties: { responseTopic: `${defaultReply}/console-2`, correlationData: Buffer.from('c-3') } });
    await waitFor(() => seen.some((m) => m.correlation === 'c-3'), 5_000, 'the reply under the default topic');
    assert.equal(seen.filter((m) => m.topic === forged), [], 'nothing published on the event topic');
    const first = seen.find((m) => m.correlation === 'c-1')!;
    assert.is(first.topic, defaultReply);
    assert.equal(JSON.parse(first.payload) as CommandReply, { ok: true, result: { pong: true } });
    assert.is(seen.find((m) => m.correlation === 'c-3')!.topic, `${defaultReply}/console-2`, 'a suffix under the reply topic is honoured');
    assert.ok(faults.some((f) => /asked for its reply on another topic/.test(f.message)), 'the refusal is logged');
  } finally {
    await operator.endAsync();
    await publisher.stop();
  }
});

if (missing) console.log(`agent/events/commands-mosquitto.test.ts: ${missing}`);
else mosq.run();
