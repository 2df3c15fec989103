import { randomBytes } from 'node:crypto';
/**
 * Outbox drain rate to a real Mosquitto: a backlog of N events (default 100,000) already in the outbox,
 * the publisher connects, and we time until every row is acknowledged (PUBACK) and until a QoS 1 subscriber
 * has received them all. Run per in-flight window and protocol version.
 *
 *   node --import tsx bench/outbox-drain.ts [--events 100000] [--windows 16,64,256] [--protocols 4,5] [--sqlite]
 *
 * Payloads are real signed events (1,000 built, reused round-robin under unique ids: building 100,000 JWE
 * would time the crypto, not the drain). --sqlite drains the Register's outbox if agent/register has one.
 */
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { ulid } from 'ulid';
import { buildVerificationEvent } from '../agent/events/event.ts';
import { MemoryOutbox, sampleRecord, testKeys } from '../agent/events/events-test-support.ts';
import { MosquittoHarness, mosquittoMissing } from '../agent/events/mosquitto-harness.ts';
import type { OutboxStore } from '../agent/events/outbox-store.ts';
import { EventPublisher } from '../agent/events/publisher.ts';
import { arg } from './support.ts';

/** The register's data key, made for this run (FORMAT.md "Sealing"). */
const TEST_DATA_KEY = new Uint8Array(randomBytes(32));

const total = Number(arg('events', '100000'));
const windows = arg('windows', '16,64,256').split(',').map(Number);
const protocols = arg('protocols', '4,5').split(',').map(Number) as (4 | 5)[];
const withSqlite = process.argv.includes('--sqlite');

const missing = mosquittoMissing();
if (missing) {
  console.log(missing);
  process.exit(0);
}

const keys = testKeys();
const samples = await Promise.all(Array.from({ length: 1000 }, () => buildVerificationEvent(sampleRecord(), keys)));
const payloadBytes = samples.reduce((n, s) => n + s.payload.length, 0) / samples.length;

const broker = new MosquittoHarness({ siteId: 'site-1', devices: [{ id: 'dev-a', password: 'pw-a' }], observer: { username: 'central', password: 'pw-c' } });
await broker.start();
console.log(`Mosquitto ${broker.url}; ${total} events of ~${Math.round(payloadBytes)} B; node ${process.version}`);

interface Filled {
  store: OutboxStore;
  label: string;
  close?: () => void;
}

async function sqliteOutbox(): Promise<Filled | null> {
  try {
    const { Register } = (await import(new URL('../agent/register/register.ts', import.meta.url).href)) as {
      Register: { open(path: string, o: { deviceKey: unknown; dataKey?: Uint8Array; outboxCapacity: number }): { outbox: OutboxStore; append(r: unknown, o: { events: unknown[] }): void; close(): void } };
    };
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const register = Register.open(join(mkdtempSync(join(tmpdir(), 'xacminh-bench-')), 'register.db'), { deviceKey: keys.deviceKey, dataKey: TEST_DATA_KEY, outboxCapacity: total + 10 });
    for (let i = 0; i < total; i++) {
      const s = samples[i % samples.length]!;
      register.append(sampleRecord({ id: ulid() }), { events: [{ ...s, id: ulid() }] });
    }
    return { store: register.outbox, label: 'sqlite register', close: () => register.close() };
  } catch (error) {
    console.log(`SQLite outbox not measured: ${(error as Error).message}`);
    return null;
  }
}

async function run(filled: Filled, protocolVersion: 4 | 5, maxInFlight: number): Promise<void> {
  const subscriber = await mqtt.connectAsync(broker.url, { clientId: `bench-sub-${protocolVersion}-${maxInFlight}`, username: 'central', password: 'pw-c', reconnectPeriod: 0 });
  let received = 0;
  let allReceived: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allReceived = resolve));
  subscriber.on('message', () => {
    if (++received === total) allReceived();
  });
  await subscriber.subscribeAsync('xacminh/v1/site-1/dev-a/event/verification', { qos: 1 });
  const publisher = new EventPublisher({ url: broker.url, clientId: 'dev-a', username: 'dev-a', password: 'pw-a', siteId: 'site-1', deviceId: 'dev-a', outbox: filled.store, protocolVersion, maxInFlight });
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  let acked = 0;
  let ackedAt = 0;
  publisher.on('delivered', () => {
    if (++acked === total) ackedAt = performance.now();
  });
  await publisher.start();
  await done;
  const receivedAt = performance.now();
  while (ackedAt === 0) await new Promise((r) => setTimeout(r, 5));
  const ackSeconds = (ackedAt - started) / 1000;
  console.log(
    `${filled.label.padEnd(16)} MQTT ${protocolVersion === 5 ? '5    ' : '3.1.1'} window ${String(maxInFlight).padStart(3)}: ` +
      `${Math.round(total / ackSeconds)} events/s acknowledged (${ackSeconds.toFixed(1)} s), subscriber had all after ${((receivedAt - started) / 1000).toFixed(1)} s, ` +
      `outbox left ${filled.store.count()}, RSS +${Math.round((process.memoryUsage().rss - rssBefore) / 1e6)} MB`,
  );
  await publisher.stop();
  await subscriber.endAsync();
}

try {
  for (const protocolVersion of protocols) {
    for (const window of windows) {
      const memory = new MemoryOutbox(total + 10);
      for (let i = 0; i < total; i++) memory.add({ ...samples[i % samples.length]!, id: ulid() });
      await run({ store: memory, label: 'memory outbox' }, protocolVersion, window);
    }
  }
  if (withSqlite) {
    for (const window of windows) {
      const filled = await sqliteOutbox();
      if (!filled) break;
      await run(filled, 4, window);
      filled.close?.();
    }
  }
} finally {
  await broker.dispose();
}
