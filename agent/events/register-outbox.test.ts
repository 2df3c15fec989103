import { randomBytes } from 'node:crypto';
// The publisher draining the real Register's SQLite outbox (agent/register), through aedes and Mosquitto.
// Loaded dynamically: agent/register is written in parallel and may not exist in every checkout yet.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkpointProblem } from '../register/chain.ts';
import { checkpointFromMessage, checkpointMessageSchema } from '../register/checkpoint-event.ts';
import { startEmbeddedBroker } from './embedded-broker.ts';
import { buildVerificationEvent } from './event.ts';
import { sampleRecord, testKeys, waitFor } from './events-test-support.ts';
import { MosquittoHarness, mosquittoMissing } from './mosquitto-harness.ts';
import type { OutboxStore } from './outbox-store.ts';
import { EventPublisher } from './publisher.ts';

/** The register's data key, made for this run (FORMAT.md "Sealing"). */
const TEST_DATA_KEY = new Uint8Array(randomBytes(32));

interface RegisterLike {
  outbox: OutboxStore;
  append(record: unknown, options: { events: { id: string; topic: string; payload: string }[] }): unknown;
  close(): void;
}
type RegisterClass = { open(path: string, options: { deviceKey: unknown; dataKey?: Uint8Array; outboxCapacity: number; checkpointEvery?: number }): RegisterLike };

const registerUrl = process.env.XACMINH_TEST_REGISTER_MODULE ? new URL(process.env.XACMINH_TEST_REGISTER_MODULE) : new URL('../register/register.ts', import.meta.url);
const keys = testKeys();
const reg = suite('register outbox');
let Register: RegisterClass;
let dir = '';

reg.before(async () => {
  Register = ((await import(registerUrl.href)) as { Register: RegisterClass }).Register;
  dir = mkdtempSync(join(tmpdir(), 'xacminh-register-outbox-'));
});
reg.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function fill(register: RegisterLike, count: number, deviceId = 'dev-a'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const record = sampleRecord({ deviceId });
    register.append(record, { events: [await buildVerificationEvent(record, keys)] });
    ids.push(record.id);
  }
  return ids;
}

reg('aedes: events recorded in the register arrive in order and leave its outbox, signed checkpoints on their own topic; a reopened register has nothing left', async () => {
  const path = join(dir, 'aedes.db');
  const register = Register.open(path, { deviceKey: keys.deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 1000, checkpointEvery: 10 });
  const ids = await fill(register, 30);
  assert.is(register.outbox.count(), 33, '30 events and the checkpoints at 10, 20 and 30');
  const broker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1' });
  const sub = await mqtt.connectAsync(broker.url, { clientId: 'observer', reconnectPeriod: 0 });
  const got: string[] = [];
  const checkpoints: { topic: string; qos: number; body: Record<string, unknown> }[] = [];
  sub.on('message', (topic, payload, packet) => {
    if (topic.endsWith('/register/checkpoint')) checkpoints.push({ topic, qos: packet.qos, body: JSON.parse(payload.toString()) as Record<string, unknown> });
    else got.push(JSON.parse(Buffer.from(payload.toString().split('.')[1]!, 'base64url').toString()).id as string);
  });
  await sub.subscribeAsync(['xacminh/v1/site-1/dev-a/event/verification', 'xacminh/v1/site-1/dev-a/register/checkpoint'], { qos: 1 });
  const publisher = new EventPublisher({ url: broker.url, clientId: 'dev-a', siteId: 'site-1', deviceId: 'dev-a', outbox: register.outbox, protocolVersion: 4, maxInFlight: 8 });
  await publisher.start();
  await waitFor(() => register.outbox.count() === 0 && got.length >= 30 && checkpoints.length >= 3, 10_000, 'the register outbox to drain');
  assert.equal(got, ids);
  assert.equal(checkpoints.map((c) => c.body.seq), [10, 20, 30]);
  assert.ok(checkpoints.every((c) => c.qos === 1), 'QoS 1');
  for (const { body } of checkpoints) {
    assert.equal(Object.keys(body).sort(), ['headHash', 'keyId', 'seq', 'signature', 'signedAt'], 'seq, hash, time and signature only: nothing personal');
    const problem = checkpointProblem(keys.devicePublicKey, checkpointFromMessage(checkpointMessageSchema.parse(body)));
    assert.is(problem, null, 'each published checkpoint verifies with the device key');
  }
  await publisher.stop();
  register.close();
  const reopened = Register.open(path, { deviceKey: keys.deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 1000 });
  assert.is(reopened.outbox.count(), 0, 'acknowledged rows stay gone after a restart (the head was already signed: no checkpoint on close)');
  reopened.close();
  await sub.endAsync();
  await broker.close();
});

reg('aedes: a full outbox drains its held events as the broker acknowledges, with nothing new recorded', async () => {
  const register = Register.open(join(dir, 'held.db'), { deviceKey: keys.deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 10 });
  const ids = await fill(register, 25); // 10 queued, 15 held in the register
  const broker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1' });
  const sub = await mqtt.connectAsync(broker.url, { clientId: 'observer', reconnectPeriod: 0 });
  const got: string[] = [];
  sub.on('message', (_t, payload) => got.push(JSON.parse(Buffer.from(payload.toString().split('.')[1]!, 'base64url').toString()).id as string));
  await sub.subscribeAsync('xacminh/v1/site-1/dev-a/event/verification', { qos: 1 });
  // The default window (100) is larger than the outbox: only acknowledgements can bring the held ones in.
  const publisher = new EventPublisher({ url: broker.url, clientId: 'dev-a', siteId: 'site-1', deviceId: 'dev-a', outbox: register.outbox, protocolVersion: 4 });
  await publisher.start();
  await waitFor(() => got.length >= 25 && register.outbox.count() === 0, 10_000, 'held events to follow the queued ones');
  assert.equal(got, ids, 'in recording order');
  await publisher.stop();
  register.close();
  await sub.endAsync();
  await broker.close();
});

reg('mosquitto: broker restart mid-drain; every recorded id arrives and the SQLite outbox ends empty', async () => {
  const missing = mosquittoMissing();
  if (missing) return console.log(`    ${missing}`);
  const broker = new MosquittoHarness({ siteId: 'site-1', devices: [{ id: 'dev-a', password: 'pw-a' }], observer: { username: 'central', password: 'pw-c' } });
  await broker.start();
  try {
    const register = Register.open(join(dir, 'mosquitto.db'), { deviceKey: keys.deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: 1000 });
    const sub = await mqtt.connectAsync(broker.url, { clientId: 'central-reg', username: 'central', password: 'pw-c', clean: false, reconnectPeriod: 300 });
    sub.on('error', () => undefined);
    const got = new Set<string>();
    sub.on('message', (_t, payload) => got.add(JSON.parse(Buffer.from(payload.toString().split('.')[1]!, 'base64url').toString()).id as string));
    await sub.subscribeAsync('xacminh/v1/site-1/dev-a/event/verification', { qos: 1 });
    const publisher = new EventPublisher({ url: broker.url, clientId: 'dev-a', username: 'dev-a', password: 'pw-a', siteId: 'site-1', deviceId: 'dev-a', outbox: register.outbox, protocolVersion: 5, backoff: { minMs: 100, maxMs: 1000 } });
    await publisher.start();
    const ids = await fill(register, 100);
    publisher.notify();
    await broker.stop();
    ids.push(...(await fill(register, 100)));
    publisher.notify(); // not connected: must not lose or throw
    await broker.restart();
    await waitFor(() => register.outbox.count() === 0 && got.size === 200, 30_000, `200 ids (have ${got.size}, outbox ${register.outbox.count()})`);
    assert.equal(got, new Set(ids));
    await publisher.stop();
    register.close();
    await sub.endAsync();
  } finally {
    await broker.dispose();
  }
});

if (existsSync(fileURLToPath(registerUrl))) reg.run();
else console.log('agent/events/register-outbox.test.ts: agent/register/register.ts is not there yet: SQLite outbox tests skipped');
