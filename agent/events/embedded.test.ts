// The publisher, commands and status against the embedded aedes broker (MQTT 3.1.1), end to end.
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CommandRegistry, sendCommand } from './commands.ts';
import { startEmbeddedBroker } from './embedded-broker.ts';
import { buildVerificationEvent, openVerificationEvent } from './event.ts';
import { MemoryOutbox, sampleRecord, testKeys, waitFor } from './events-test-support.ts';
import { EventPublisher } from './publisher.ts';
import { XacminhError } from '../../drivers/errors.ts';

const keys = testKeys();

test('aedes: recorded events reach a subscriber signed, in order, and leave the outbox only after PUBACK', async () => {
  const broker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1' });
  const subscriber = await mqtt.connectAsync(broker.url, { clientId: 'observer', reconnectPeriod: 0 });
  const received: { topic: string; payload: string }[] = [];
  const statuses: string[] = [];
  subscriber.on('message', (topic, payload) => (topic.endsWith('/status') ? statuses.push(payload.toString()) : received.push({ topic, payload: payload.toString() })));
  await subscriber.subscribeAsync(['xacminh/v1/site-1/dev-a/event/verification', 'xacminh/v1/site-1/dev-a/status'], { qos: 1 });

  const outbox = new MemoryOutbox();
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const event = await buildVerificationEvent(sampleRecord(), keys);
    outbox.add(event);
    ids.push(event.id);
  }
  const publisher = new EventPublisher({ url: broker.url, clientId: 'dev-a', siteId: 'site-1', deviceId: 'dev-a', outbox, protocolVersion: 4, maxInFlight: 8 });
  const delivered: string[] = [];
  publisher.on('delivered', ({ id }: { id: string }) => delivered.push(id));
  await publisher.start();
  await waitFor(() => received.length >= 20, 10_000, '20 events');
  // One more after start: notify() drains it without waiting for a reconnect.
  const late = await buildVerificationEvent(sampleRecord(), keys);
  outbox.add(late);
  publisher.notify();
  await waitFor(() => received.length >= 21 && outbox.count() === 0, 5_000, 'the late event');

  assert.equal(received.map((r) => JSON.parse(Buffer.from(r.payload.split('.')[1]!, 'base64url').toString()).id), [...ids, late.id]);
  assert.ok(received.every((r) => r.topic === 'xacminh/v1/site-1/dev-a/event/verification'));
  const opened = await openVerificationEvent(received[0]!.payload, { devicePublicKey: keys.devicePublicKey, authorityPrivateKey: keys.authorityPrivateKey });
  assert.is(opened.personal?.identity?.fullName, sampleRecord().identity?.fullName);
  assert.equal(new Set(outbox.acknowledged), new Set([...ids, late.id]));
  assert.equal(new Set(delivered), new Set(outbox.acknowledged));
  assert.ok(statuses.includes('online'), `status ${statuses.join(',')}`);

  await publisher.stop();
  await waitFor(() => statuses.at(-1) === 'offline', 3_000, 'offline status on stop');
  await subscriber.endAsync();
  await broker.close();
});

test('aedes: commands over MQTT 3.1.1 reply on cmd/<name>/reply with the correlation id in the JSON', async () => {
  const broker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1' });
  const commands = new CommandRegistry()
    .register('ping', () => ({ pong: true }))
    .register('self-test', () => {
      throw new XacminhError('GPIO_UNAVAILABLE', 'no GPIO on this machine');
    });
  const publisher = new EventPublisher({ url: broker.url, clientId: 'dev-a', siteId: 'site-1', deviceId: 'dev-a', outbox: new MemoryOutbox(), protocolVersion: 4, commands });
  await publisher.start();
  await waitFor(() => publisher.isConnected, 5_000, 'connect');
  const operator = await mqtt.connectAsync(broker.url, { clientId: 'operator', reconnectPeriod: 0 });
  const prefix = 'xacminh/v1/site-1/dev-a/';
  // The responder subscribes right after CONNACK; retry the first ping until it is in place.
  let pong = await sendCommand(operator, { prefix, name: 'ping', protocolVersion: 4, timeoutMs: 2000 }).catch(() => null);
  pong ??= await sendCommand(operator, { prefix, name: 'ping', protocolVersion: 4, timeoutMs: 2000 });
  assert.equal({ ok: pong.ok, result: pong.result }, { ok: true, result: { pong: true } });
  assert.type(pong.id, 'string');
  const failed = await sendCommand(operator, { prefix, name: 'self-test', protocolVersion: 4 });
  assert.equal(failed.error, { code: 'GPIO_UNAVAILABLE', message: 'no GPIO on this machine' });
  const unknown = await sendCommand(operator, { prefix, name: 'format-disk', protocolVersion: 4 });
  assert.is(unknown.ok, false);
  assert.is(unknown.error?.code, 'UNKNOWN_COMMAND');
  assert.match(unknown.error!.message, /ping, self-test/);
  await operator.endAsync();
  await publisher.stop();
  await broker.close();
});

test('aedes: an unreachable broker is a BROKER_UNAVAILABLE fault and retries with backoff, then delivers', async () => {
  const broker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1' });
  const port = broker.port;
  await broker.close();
  const outbox = new MemoryOutbox();
  outbox.add(await buildVerificationEvent(sampleRecord(), keys));
  const publisher = new EventPublisher({ url: `mqtt://127.0.0.1:${port}`, clientId: 'dev-a', siteId: 'site-1', deviceId: 'dev-a', outbox, protocolVersion: 4, backoff: { minMs: 50, maxMs: 200 } });
  const faults: XacminhError[] = [];
  publisher.on('fault', (e: XacminhError) => faults.push(e));
  await publisher.start(); // must not throw
  await waitFor(() => faults.length >= 3, 5_000, 'three failed attempts');
  assert.ok(faults.every((f) => f.code === 'BROKER_UNAVAILABLE'), faults.map((f) => f.code).join(','));
  assert.is(outbox.count(), 1);
  const again = await startEmbeddedBroker({ port, host: '127.0.0.1' });
  await waitFor(() => outbox.count() === 0, 5_000, 'delivery after the broker came up');
  await publisher.stop();
  await again.close();
});

/**
 * A broker that holds every PUBACK until the test lets it go (aedes acks after authorizePublish calls back), and
 * an outbox of `events` events id-00, id-01, …
 */
async function holdingBroker(events: number): Promise<{ held: (() => void)[]; url: string; outbox: MemoryOutbox; close: () => Promise<void> }> {
  const held: (() => void)[] = [];
  const broker = await Aedes.createBroker({ authorizePublish: (_client, packet, callback) => (packet.topic.endsWith('/status') ? callback(null) : held.push(() => callback(null))) });
  const server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const outbox = new MemoryOutbox();
  const payload = (await buildVerificationEvent(sampleRecord(), keys)).payload;
  for (let i = 0; i < events; i++) outbox.add({ id: `id-${String(i).padStart(2, '0')}`, topic: 'event/verification', payload });
  const close = async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { held, url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, outbox, close };
}

test('aedes: rows leave the outbox only on PUBACK, and no more than maxInFlight wait for one', async () => {
  const { held, url, outbox, close } = await holdingBroker(50);
  const publisher = new EventPublisher({ url, clientId: 'dev-a', siteId: 'site-1', deviceId: 'dev-a', outbox, protocolVersion: 4, maxInFlight: 10 });
  await publisher.start();
  await waitFor(() => held.length === 10, 5_000, 'ten publishes at the broker');
  await new Promise((r) => setTimeout(r, 200)); // would the publisher send an 11th?
  assert.is(held.length, 10, 'the window is bounded');
  assert.is(publisher.inFlightCount, 10);
  assert.is(outbox.count(), 50, 'nothing acknowledged before PUBACK');
  assert.equal(outbox.acknowledged, []);
  held.splice(0, 4).forEach((release) => release());
  await waitFor(() => outbox.acknowledged.length === 4, 2_000, 'four PUBACKs');
  assert.is(outbox.count(), 46);
  // Release the rest as they come: all 50 drain, in seq order.
  const pump = setInterval(() => held.splice(0).forEach((release) => release()), 5);
  await waitFor(() => outbox.count() === 0, 5_000, 'the rest');
  clearInterval(pump);
  assert.equal(outbox.acknowledged, Array.from({ length: 50 }, (_, i) => `id-${String(i).padStart(2, '0')}`));
  await publisher.stop();
  await close();
});

test('aedes: while a customer is served (paced) at most pacedInFlight events await PUBACK; after notify() the whole window opens', async () => {
  const { held, url, outbox, close } = await holdingBroker(60);
  let serving = true;
  const publisher = new EventPublisher({ url, clientId: 'dev-a', siteId: 'site-1', deviceId: 'dev-a', outbox, protocolVersion: 4, maxInFlight: 20, paced: () => serving, pacedInFlight: 3 });
  await publisher.start();
  await waitFor(() => held.length === 3, 5_000, 'three publishes at the broker');
  // Acknowledge them as they come while paced: the drain goes on, but never more than three in flight.
  let mostInFlight = 0;
  while (outbox.acknowledged.length < 15) {
    held.splice(0).forEach((release) => release());
    await new Promise((r) => setTimeout(r, 20));
    mostInFlight = Math.max(mostInFlight, publisher.inFlightCount, held.length);
  }
  assert.ok(mostInFlight <= 3 && mostInFlight > 0, `paced window: at most 3 in flight, saw ${mostInFlight}`);
  // Every event in flight is at the broker (none released with its PUBACK still on the way): a known start.
  await waitFor(() => held.length > 0 && held.length === publisher.inFlightCount, 2_000, 'the paced drain still going');
  serving = false;
  publisher.notify();
  await waitFor(() => held.length === 20, 2_000, 'the whole window once the customer is done');
  assert.is(publisher.inFlightCount, 20);
  const pump = setInterval(() => held.splice(0).forEach((release) => release()), 5);
  await waitFor(() => outbox.count() === 0, 5_000, 'the rest');
  clearInterval(pump);
  assert.equal(outbox.acknowledged, Array.from({ length: 60 }, (_, i) => `id-${String(i).padStart(2, '0')}`), 'in seq order, each once');
  await publisher.stop();
  await close();
});

test('aedes: a failing outbox write (disk) is a STORAGE_FAILED fault; the delivered rows are removed later, never sent twice, and the rest keep flowing', async () => {
  class FlakyOutbox extends MemoryOutbox {
    failAcks = 1;
    override acknowledge(ids: readonly string[]): void {
      if (this.failAcks-- > 0) throw new Error('SQLITE_FULL: database or disk is full');
      super.acknowledge(ids);
    }
  }
  const broker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1' });
  const observer = await mqtt.connectAsync(broker.url, { clientId: 'observer', reconnectPeriod: 0 });
  const received: string[] = [];
  observer.on('message', (_topic, payload) => received.push(JSON.parse(Buffer.from(payload.toString().split('.')[1]!, 'base64url').toString()).id as string));
  await observer.subscribeAsync('xacminh/v1/site-1/dev-a/event/verification', { qos: 1 });
  const outbox = new FlakyOutbox();
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) ids.push(outbox.add(await buildVerificationEvent(sampleRecord(), keys)).id);
  // A window of 10: the failed write strands a whole batch at the head of the outbox.
  const publisher = new EventPublisher({ url: broker.url, clientId: 'dev-a', siteId: 'site-1', deviceId: 'dev-a', outbox, protocolVersion: 4, maxInFlight: 10 });
  const faults: XacminhError[] = [];
  publisher.on('fault', (e: XacminhError) => faults.push(e));
  await publisher.start();
  await waitFor(() => faults.length === 1, 5_000, 'the storage fault');
  assert.is(faults[0]!.code, 'STORAGE_FAILED');
  assert.match(faults[0]!.message, /disk is full/);
  // Same connection, no restart: everything is delivered, and the stranded rows leave on the retry.
  await waitFor(() => outbox.count() === 0 && received.length >= 30, 8_000, 'all rows delivered and removed');
  assert.is(publisher.isConnected, true);
  assert.equal([...received].sort(), [...ids].sort(), 'each event published once: delivered rows are not sent again');
  assert.equal([...outbox.acknowledged].sort(), [...ids].sort());
  await publisher.stop();
  await observer.endAsync();
  await broker.close();
});

test.run();
