// The publisher against a real Mosquitto (password file, per-device ACL, persistence, TLS client certificates).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import type { XacminhError } from '../../drivers/errors.ts';
import { CommandRegistry, sendCommand } from './commands.ts';
import { buildVerificationEvent, openVerificationEvent } from './event.ts';
import { MemoryOutbox, sampleRecord, testKeys, waitFor } from './events-test-support.ts';
import { MosquittoHarness, mosquittoMissing } from './mosquitto-harness.ts';
import { EventPublisher, type PublisherOptions } from './publisher.ts';

const keys = testKeys();
const SITE = 'site-1';
const observer = { username: 'central', password: 'central-pw' };
const devices = [
  { id: 'dev-a', password: 'pw-a' },
  { id: 'dev-b', password: 'pw-b' },
];
const missing = mosquittoMissing();
const broker = new MosquittoHarness({ siteId: SITE, devices, observer, tlsClients: ['dev-a'] });
const fast = { minMs: 100, maxMs: 1000 };

function publisherFor(device: 'dev-a' | 'dev-b', outbox: MemoryOutbox, extra: Partial<PublisherOptions> = {}): EventPublisher {
  const password = devices.find((d) => d.id === device)!.password;
  return new EventPublisher({ url: broker.url, clientId: `xacminh-${device}`, username: device, password, siteId: SITE, deviceId: device, outbox, protocolVersion: 4, backoff: fast, ...extra });
}

async function observe(clientId: string, topics: string[], options: { clean?: boolean; protocolVersion?: 4 | 5 } = {}): Promise<{ client: MqttClient; messages: { topic: string; payload: string; retain: boolean }[] }> {
  const client = await mqtt.connectAsync(broker.url, { clientId, ...observer, clean: options.clean ?? true, protocolVersion: options.protocolVersion ?? 4, reconnectPeriod: 300 });
  const messages: { topic: string; payload: string; retain: boolean }[] = [];
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload: payload.toString('utf8'), retain: packet.retain }));
  client.on('error', () => undefined); // the broker is restarted on purpose
  await client.subscribeAsync(topics, { qos: 1 });
  return { client, messages };
}

function idOf(payload: string): string {
  return (JSON.parse(Buffer.from(payload.split('.')[1]!, 'base64url').toString('utf8')) as { id: string }).id;
}

const mosq = suite('mosquitto');

mosq.before(async () => {
  await broker.start();
});
mosq.after(async () => {
  await broker.dispose();
});

mosq('500 verifications with the broker down for 3 s in the middle: every id arrives, the outbox ends empty', async () => {
  const eventTopic = `xacminh/v1/${SITE}/dev-a/event/verification`;
  // A persistent QoS 1 session, so what the broker accepted while we were away is kept for us.
  const sub = await observe('central-outage', [eventTopic], { clean: false });
  const outbox = new MemoryOutbox();
  const publisher = publisherFor('dev-a', outbox);
  let disconnects = 0;
  publisher.on('disconnected', () => disconnects++);
  await publisher.start();
  const built = await Promise.all(Array.from({ length: 500 }, () => buildVerificationEvent(sampleRecord(), keys)));
  for (let i = 0; i < 500; i++) {
    outbox.add(built[i]!);
    publisher.notify();
    if (i === 200) {
      await broker.stop();
      await new Promise((r) => setTimeout(r, 3000)); // verifications go on while the broker is down
    }
    if (i === 350) await broker.restart();
    if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
  }
  await waitFor(() => outbox.count() === 0, 30_000, 'the outbox to drain');
  await waitFor(() => new Set(sub.messages.map((m) => idOf(m.payload))).size === 500, 30_000, `500 ids at the subscriber (have ${new Set(sub.messages.map((m) => idOf(m.payload))).size})`);
  const unique = new Set(sub.messages.map((m) => idOf(m.payload)));
  assert.equal(unique, new Set(built.map((b) => b.id)));
  assert.ok(disconnects >= 1, 'the publisher saw the outage');
  console.log(`    outage: ${sub.messages.length} messages on the wire for 500 ids (${sub.messages.length - 500} duplicates), ${disconnects} disconnect(s)`);
  await publisher.stop();
  await sub.client.endAsync();
});

mosq('ACL: dev-a cannot publish into dev-b topics; with MQTT 5 the PUBACK says 0x87 and the event stays in the outbox', async () => {
  const sub = await observe('central-acl', [`xacminh/v1/${SITE}/dev-b/#`]);
  const outbox = new MemoryOutbox();
  const event = await buildVerificationEvent(sampleRecord({ deviceId: 'dev-b' }), keys);
  outbox.add(event);
  // dev-a's credentials, dev-b's topics.
  const publisher = new EventPublisher({ url: broker.url, clientId: 'intruder', username: 'dev-a', password: 'pw-a', siteId: SITE, deviceId: 'dev-b', outbox, protocolVersion: 5, backoff: fast });
  const faults: XacminhError[] = [];
  publisher.on('fault', (e: XacminhError) => faults.push(e));
  await publisher.start();
  await waitFor(() => faults.some((f) => f.evidence.id === event.id), 5_000, 'the refused publish');
  const refused = faults.find((f) => f.evidence.id === event.id)!;
  assert.is(refused.code, 'BROKER_REFUSED');
  assert.is(refused.evidence.reasonCode, 0x87);
  assert.is(outbox.count(), 1, 'a refused event is never dropped');
  assert.equal(outbox.acknowledged, []);
  await publisher.stop();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(sub.messages, [], 'nothing reached dev-b topics, not even status');

  // MQTT 3.1.1 has no way to say no: Mosquitto acknowledges and drops. The subscriber still sees nothing.
  const raw = await mqtt.connectAsync(broker.url, { clientId: 'intruder-raw', username: 'dev-a', password: 'pw-a', reconnectPeriod: 0 });
  await raw.publishAsync(`xacminh/v1/${SITE}/dev-b/event/verification`, event.payload, { qos: 1 });
  await raw.endAsync();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(sub.messages, []);
  await sub.client.endAsync();
});

mosq('wrong password: BROKER_REFUSED with the CONNACK code, retried with backoff, never thrown', async () => {
  for (const protocolVersion of [4, 5] as const) {
    const outbox = new MemoryOutbox();
    outbox.add(await buildVerificationEvent(sampleRecord(), keys));
    const publisher = publisherFor('dev-a', outbox, { password: 'wrong', protocolVersion, clientId: `wrong-${protocolVersion}`, backoff: { minMs: 20, maxMs: 200 } });
    const faults: XacminhError[] = [];
    publisher.on('fault', (e: XacminhError) => faults.push(e));
    await publisher.start();
    await waitFor(() => faults.length >= 2, 5_000, 'two refusals');
    await publisher.stop();
    assert.ok(faults.every((f) => f.code === 'BROKER_REFUSED'), faults.map((f) => `${f.code} ${f.message}`).join('; '));
    // Mosquitto 2.0 answers a bad password with 5 (v3.1.1) and 0x87 Not authorized (v5), not 0x86.
    assert.is(faults[0]!.evidence.reasonCode, protocolVersion === 4 ? 5 : 0x87);
    assert.is(outbox.count(), 1);
  }
});

mosq('TLS: a device with its client certificate (CN = username) publishes; without a certificate it is refused', async () => {
  const sub = await observe('central-tls', [`xacminh/v1/${SITE}/dev-a/event/verification`]);
  const outbox = new MemoryOutbox();
  const event = await buildVerificationEvent(sampleRecord(), keys);
  outbox.add(event);
  const tls = broker.tls!;
  const publisher = new EventPublisher({ url: broker.tlsUrl, clientId: 'dev-a-tls', siteId: SITE, deviceId: 'dev-a', outbox, protocolVersion: 5, ca: tls.ca, cert: tls.clients['dev-a']!.cert, key: tls.clients['dev-a']!.key, backoff: fast });
  await publisher.start();
  await waitFor(() => sub.messages.length === 1 && outbox.count() === 0, 10_000, 'the event over TLS');
  assert.is(idOf(sub.messages[0]!.payload), event.id);
  await publisher.stop();

  const bare = new MemoryOutbox();
  bare.add(await buildVerificationEvent(sampleRecord(), keys));
  const noCert = new EventPublisher({ url: broker.tlsUrl, clientId: 'no-cert', siteId: SITE, deviceId: 'dev-a', outbox: bare, protocolVersion: 5, ca: tls.ca, backoff: fast });
  const faults: XacminhError[] = [];
  noCert.on('fault', (e: XacminhError) => faults.push(e));
  await noCert.start();
  await waitFor(() => faults.length >= 1, 10_000, 'a refusal without certificate');
  await noCert.stop();
  assert.not.ok(noCert.isConnected);
  assert.is(bare.count(), 1);
  assert.is(faults[0]!.code, 'BROKER_REFUSED', `${faults[0]!.code}: ${faults[0]!.message}`);
  assert.is(sub.messages.length, 1);
  await sub.client.endAsync();
});

mosq('status: retained "online" on connect, retained "offline" from the will when the process is SIGKILLed', async () => {
  const statusTopic = `xacminh/v1/${SITE}/dev-b/status`;
  const publisherUrl = new URL('./publisher.ts', import.meta.url).href;
  const supportUrl = new URL('./events-test-support.ts', import.meta.url).href;
  const script = `import { EventPublisher } from '${publisherUrl}'; import { MemoryOutbox } from '${supportUrl}';
    const p = new EventPublisher({ url: '${broker.url}', clientId: 'dev-b-child', username: 'dev-b', password: 'pw-b', siteId: '${SITE}', deviceId: 'dev-b', outbox: new MemoryOutbox(), protocolVersion: 4 });
    p.on('connected', () => console.log('connected')); await p.start(); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('connected') && resolve());
    child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
  await new Promise((r) => setTimeout(r, 200));
  // A late subscriber gets the retained state: that is what dashboards rely on.
  const late = await observe('central-status-1', [statusTopic]);
  await waitFor(() => late.messages.length >= 1, 3_000, 'retained online');
  assert.equal(late.messages[0], { topic: statusTopic, payload: 'online', retain: true });
  child.kill('SIGKILL');
  await waitFor(() => late.messages.some((m) => m.payload === 'offline'), 5_000, 'the will');
  await late.client.endAsync();
  const later = await observe('central-status-2', [statusTopic]);
  await waitFor(() => later.messages.length >= 1, 3_000, 'retained offline');
  assert.equal(later.messages[0], { topic: statusTopic, payload: 'offline', retain: true });
  await later.client.endAsync();
});

mosq('commands: MQTT 5 request/response (responseTopic + correlationData) through Mosquitto and the device ACL', async () => {
  let reloads = 0;
  const commands = new CommandRegistry()
    .register('ping', () => ({ pong: true }))
    .register('reload-config', () => ({ reloaded: ++reloads }))
    .register('export-register', (args) => ({ range: args }), { args: z.object({ from: z.number(), to: z.number() }) });
  const publisher = publisherFor('dev-a', new MemoryOutbox(), { protocolVersion: 5, commands, clientId: 'dev-a-cmd' });
  await publisher.start();
  await waitFor(() => publisher.isConnected, 5_000, 'connect');
  const operator = await mqtt.connectAsync(broker.url, { clientId: 'operator-v5', ...observer, protocolVersion: 5, reconnectPeriod: 0 });
  const prefix = `xacminh/v1/${SITE}/dev-a/`;
  let pong = await sendCommand(operator, { prefix, name: 'ping', protocolVersion: 5, timeoutMs: 1500 }).catch(() => null);
  pong ??= await sendCommand(operator, { prefix, name: 'ping', protocolVersion: 5 });
  assert.equal(pong, { ok: true, result: { pong: true } }, 'no id in the JSON: correlationData carries it');
  const [r1, r2] = await Promise.all([sendCommand(operator, { prefix, name: 'reload-config', protocolVersion: 5 }), sendCommand(operator, { prefix, name: 'export-register', args: { from: 1, to: 9 }, protocolVersion: 5 })]);
  assert.equal(r1.result, { reloaded: 1 });
  assert.equal(r2.result, { range: { from: 1, to: 9 } });
  const unknown = await sendCommand(operator, { prefix, name: 'reboot', protocolVersion: 5 });
  assert.is(unknown.error?.code, 'UNKNOWN_COMMAND');
  await operator.endAsync();
  await publisher.stop();
});

mosq('event read back from Mosquitto still verifies and opens for the authority', async () => {
  const sub = await observe('central-open', [`xacminh/v1/${SITE}/dev-b/event/verification`]);
  const outbox = new MemoryOutbox();
  outbox.add(await buildVerificationEvent(sampleRecord({ deviceId: 'dev-b' }), keys));
  const publisher = publisherFor('dev-b', outbox);
  await publisher.start();
  await waitFor(() => sub.messages.length === 1, 5_000, 'the event');
  const opened = await openVerificationEvent(sub.messages[0]!.payload, { devicePublicKey: keys.devicePublicKey, authorityPrivateKey: keys.authorityPrivateKey });
  assert.is(opened.personal?.identity?.idNumber, sampleRecord().identity?.idNumber);
  await publisher.stop();
  await sub.client.endAsync();
});

if (missing) console.log(`agent/events/mosquitto.test.ts: ${missing}`);
else mosq.run();
