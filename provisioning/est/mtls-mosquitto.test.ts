// The enrolled identity at work: a terminal enrolled against the reference service delivers events to a real
// Mosquitto over mTLS with its certificate, keeps doing so after a renewal, and a certificate of another site
// is refused by the broker's ACL.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, decodeProtectedHeader } from 'jose';
import mqtt from 'mqtt';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dataDirPaths, keyIdOf } from '../../agent/datadir.ts';
import { buildVerificationEvent } from '../../agent/events/event.ts';
import { MemoryOutbox, sampleRecord, waitFor } from '../../agent/events/events-test-support.ts';
import { MosquittoHarness, mosquittoMissing } from '../../agent/events/mosquitto-harness.ts';
import { EventPublisher } from '../../agent/events/publisher.ts';
import { certificateThumbprint } from '../../agent/run/certificate-thumbprint.ts';
import type { XacminhError } from '../../drivers/errors.ts';
import { enrolDevice } from './enrol.ts';
import { authorityPublicPem, startTestService, type TestService } from './est-test-support.ts';
import { renewIdentity } from './renewal.ts';

const test = suite('enrolled identity over mTLS to Mosquitto');
const missing = mosquittoMissing();
const observer = { username: 'central', password: 'central-pw' };
let service: TestService;
let broker: MosquittoHarness;
const dirs: string[] = [];

test.before(async () => {
  service = await startTestService({ sites: [] });
  broker = new MosquittoHarness({ siteId: 'site-1', devices: [], observer, tlsClients: [], clientCa: service.ca.certPem, listedDevices: ['term-m1'] });
  await broker.start();
  for (const siteId of ['site-1', 'site-2']) service.registry.setSite({ siteId, broker: { url: broker.tlsUrl, caPem: broker.tls!.ca.toString('utf8') }, authorityPublicKeyPem: authorityPublicPem() });
});
test.after(async () => {
  await broker?.dispose();
  await service?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function enrol(siteId: string, deviceId: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-mtls-'));
  dirs.push(dir);
  await enrolDevice({ dataDir: dir, url: service.url, caFingerprint: service.fingerprint, code: service.issueCode(siteId), siteId, deviceId });
  return dir;
}

/** What the agent does with an enrolled data dir: sign with the device key (x5t#S256 of the cert), connect with key + cert + broker CA. */
function signedEvent(dir: string, siteId: string, deviceId: string): ReturnType<typeof buildVerificationEvent> {
  const paths = dataDirPaths(dir);
  const deviceKey = createPrivateKey(readFileSync(paths.deviceKey));
  const thumbprint = certificateThumbprint(paths.deviceCert)!;
  return buildVerificationEvent(sampleRecord({ siteId, deviceId }), { deviceKey, deviceKeyId: keyIdOf(createPublicKey(deviceKey)), authorityPublicKey: createPublicKey(readFileSync(paths.authorityPublicKey)), certificateThumbprint: thumbprint });
}

async function terminal(dir: string, siteId: string, deviceId: string, outbox: MemoryOutbox): Promise<EventPublisher> {
  const paths = dataDirPaths(dir);
  outbox.add(await signedEvent(dir, siteId, deviceId));
  const bundleBroker = (JSON.parse(Buffer.from(readFileSync(paths.siteBundle, 'utf8').split('.')[1]!, 'base64url').toString('utf8')) as { broker: { url: string } }).broker;
  return new EventPublisher({ url: bundleBroker.url, clientId: `xacminh-${deviceId}`, siteId, deviceId, outbox, protocolVersion: 5, ca: readFileSync(paths.brokerCa), cert: readFileSync(paths.deviceCert), key: readFileSync(paths.deviceKey), backoff: { minMs: 100, maxMs: 1000 } });
}

test('events reach Mosquitto over mTLS with the enrolled certificate, before and after a renewal; another site\'s certificate is refused', async () => {
  const watcher = await mqtt.connectAsync(broker.url, { clientId: 'central-mtls', ...observer, reconnectPeriod: 0 });
  const seen: { topic: string; payload: string }[] = [];
  watcher.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString('utf8') }));
  await watcher.subscribeAsync('xacminh/v1/site-1/+/event/verification', { qos: 1 });

  const dir = await enrol('site-1', 'term-m1');
  const paths = dataDirPaths(dir);
  const outbox = new MemoryOutbox();
  const publisher = await terminal(dir, 'site-1', 'term-m1', outbox);
  await publisher.start();
  await waitFor(() => seen.length === 1 && outbox.count() === 0, 10_000, 'the event over mTLS');
  const header = decodeProtectedHeader(seen[0]!.payload);
  assert.is(seen[0]!.topic, 'xacminh/v1/site-1/term-m1/event/verification');
  assert.is(header['x5t#S256'], certificateThumbprint(paths.deviceCert));
  await compactVerify(seen[0]!.payload, createPublicKey(readFileSync(paths.deviceCert)));

  // Renewal rotates key and certificate; the publisher reconnects with them and the next event still arrives.
  const renewed = await renewIdentity({ dataDir: dir, force: true });
  assert.ok(renewed.renewed);
  await publisher.useTlsIdentity({ cert: readFileSync(paths.deviceCert), key: readFileSync(paths.deviceKey) });
  outbox.add(await signedEvent(dir, 'site-1', 'term-m1'));
  publisher.notify();
  await waitFor(() => seen.length === 2 && outbox.count() === 0, 10_000, 'the event after renewal');
  assert.is(decodeProtectedHeader(seen[1]!.payload)['x5t#S256'], certificateThumbprint(paths.deviceCert));
  await compactVerify(seen[1]!.payload, createPublicKey(readFileSync(paths.deviceCert)));
  await publisher.stop();

  // A device of site-2, same CA, valid certificate: the site-1 broker's ACL does not know it.
  const foreignDir = await enrol('site-2', 'term-m2');
  const foreignOutbox = new MemoryOutbox();
  const intruder = await terminal(foreignDir, 'site-1', 'term-m2', foreignOutbox);
  const faults: XacminhError[] = [];
  intruder.on('fault', (e: XacminhError) => faults.push(e));
  await intruder.start();
  await waitFor(() => faults.some((f) => f.evidence.reasonCode === 0x87), 10_000, 'the ACL refusal');
  await intruder.stop();
  assert.is(foreignOutbox.count(), 1, 'the refused event stays in the outbox');
  assert.is(seen.length, 2, 'nothing of term-m2 reached site-1 subscribers');
  await watcher.endAsync();
});

if (missing) console.log(`provisioning/est/mtls-mosquitto.test.ts: ${missing}`);
else test.run();
