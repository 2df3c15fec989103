// The assembled agent on an enrolled data dir: events leave for Mosquitto over mTLS with the enrolled
// certificate and carry its x5t#S256; the retained status carries the certificate's expiry; after a
// renewal the agent signs with the new key and reconnects with the new certificate.
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, decodeProtectedHeader } from 'jose';
import mqtt from 'mqtt';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { enrolDevice } from '../../provisioning/est/enrol.ts';
import { authorityPublicPem, startTestService, type TestService } from '../../provisioning/est/est-test-support.ts';
import { runRegisterCli } from '../cli/register.ts';
import { parseConfig } from '../config/load.ts';
import { dataDirPaths } from '../datadir.ts';
import { waitFor } from '../events/events-test-support.ts';
import { MosquittoHarness, mosquittoMissing } from '../events/mosquitto-harness.ts';
import type { SimulatedCardPort } from '../session/sim-card-port.ts';
import { Register } from '../register/register.ts';
import { Agent } from './agent.ts';
import { certificateThumbprint } from './certificate-thumbprint.ts';
import { DemoCustomers, qrText } from './demo.ts';

const quiet = { info() {}, warn() {}, error() {} };
const test = suite('enrolled agent');
const missing = mosquittoMissing();
const observer = { username: 'central', password: 'central-pw' };
let service: TestService;
let broker: MosquittoHarness;
let customers: DemoCustomers;
const dir = mkdtempSync(join(tmpdir(), 'xacminh-enrolled-agent-'));

test.before(async () => {
  customers = await DemoCustomers.create();
  service = await startTestService({ sites: [] });
  broker = new MosquittoHarness({ siteId: 'site-1', devices: [], observer, tlsClients: [], clientCa: service.ca.certPem, listedDevices: ['term-a1'] });
  await broker.start();
  service.registry.setSite({ siteId: 'site-1', broker: { url: broker.tlsUrl, caPem: broker.tls!.ca.toString('utf8') }, authorityPublicKeyPem: authorityPublicPem() });
});
test.after(async () => {
  await broker?.dispose();
  await service?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function verifyOnce(agent: Agent): Promise<void> {
  const card = customers.scenarios[0]!.card;
  const done = new Promise((resolve) => agent.session.once('done', resolve));
  (agent.cards as SimulatedCardPort).place(card);
  agent.session.submitAccessKey(qrText(card));
  await done;
  (agent.cards as SimulatedCardPort).lift();
  await waitFor(() => !agent.session.busy, 5000, 'the session to be ready again');
}

test('delivers over mTLS with the enrolled certificate, reports its expiry in the status, and moves to the renewed one', async () => {
  const dataDir = join(dir, 'terminal');
  const enrolled = await enrolDevice({ dataDir, url: service.url, caFingerprint: service.fingerprint, code: service.issueCode('site-1'), siteId: 'site-1', deviceId: 'term-a1' });
  const paths = dataDirPaths(dataDir);
  // What provisioning writes into site.json for an enrolled terminal.
  const config = parseConfig({ siteId: 'site-1', deviceId: 'term-a1', face: { enabled: false }, ui: { enabled: false }, inspection: { enabled: false }, mqtt: { kind: 'broker', url: enrolled.bundle.broker.url, caFile: 'identity/broker-ca.pem', certFile: 'identity/device-cert.pem', keyFile: 'identity/device-key.pem' } });
  const watcher = await mqtt.connectAsync(broker.url, { clientId: 'central-agent', ...observer, reconnectPeriod: 0 });
  const events: string[] = [];
  const statuses: string[] = [];
  watcher.on('message', (topic, payload) => (topic.endsWith('/status') ? statuses : events).push(payload.toString('utf8')));
  await watcher.subscribeAsync(['xacminh/v1/site-1/term-a1/event/verification', 'xacminh/v1/site-1/term-a1/status'], { qos: 1 });
  const agent = new Agent({ config, dataDir, demo: false, log: quiet, trustAnchors: [customers.trustAnchor] });
  await agent.start();
  try {
    await waitFor(() => agent.publisher.isConnected, 10_000, 'the mTLS connection');
    await waitFor(() => statuses.length >= 1, 5000, 'the status');
    assert.is(statuses.length, 1, 'one retained status, already with the certificate');
    const status = JSON.parse(statuses.at(-1)!) as { state: string; certificate: { notAfter: string; daysLeft: number; alarm: boolean } };
    assert.equal(status, { state: 'online', certificate: { notAfter: enrolled.notAfter, daysLeft: 89, alarm: false } });
    assert.equal(agent.certificate?.notAfter, enrolled.notAfter);

    await verifyOnce(agent);
    await waitFor(() => events.length === 1, 10_000, 'the event over mTLS');
    assert.is(decodeProtectedHeader(events[0]!)['x5t#S256'], certificateThumbprint(paths.deviceCert));
    await compactVerify(events[0]!, createPublicKey(readFileSync(paths.deviceCert)));

    const oldCert = readFileSync(paths.deviceCert, 'utf8');
    await agent.renewal!.renewNow();
    assert.is.not(readFileSync(paths.deviceCert, 'utf8'), oldCert);
    await waitFor(() => agent.publisher.isConnected, 10_000, 'the reconnection with the renewed certificate');
    await verifyOnce(agent);
    await waitFor(() => events.length === 2, 10_000, 'the event after the renewal');
    assert.is(decodeProtectedHeader(events[1]!)['x5t#S256'], certificateThumbprint(paths.deviceCert), 'the new certificate\'s thumbprint');
    await compactVerify(events[1]!, createPublicKey(readFileSync(paths.deviceCert)));
  } finally {
    await watcher.endAsync();
    await agent.stop();
  }
  const stored = Register.open(paths.register, { deviceKey: createPublicKey(readFileSync(paths.deviceCert)), outboxCapacity: 0, readOnly: true });
  assert.is(new Set(stored.checkpoints().map((c) => c.keyId)).size, 2, 'the old key closed its history at the renewal, the new key signed at shutdown');
  stored.close();
  // What an inspector runs after the renewal: every checkpoint, the old key's and the new one's, verifies.
  let said = '';
  const verify = await runRegisterCli(['register', 'verify', '--data-dir', dataDir], { stdout: (s) => (said += s), stderr: (s) => (said += s) });
  assert.is(verify, 0, `register verify after a key rotation:\n${said}`);
});

if (missing) console.log(`agent/run/enrolled-agent.test.ts: ${missing}`);
else test.run();
