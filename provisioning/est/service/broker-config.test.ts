// broker-config against the real Mosquitto: devices enrolled at the reference service publish over mTLS, the
// observer reads the site, a device of another site (same CA) is refused; a re-run after an enrolment rewrites
// only the ACL (SIGHUP), and changed names reissue the server certificate.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dataDirPaths } from '../../../agent/datadir.ts';
import { waitFor } from '../../../agent/events/events-test-support.ts';
import { canConnect, freePort, MOSQUITTO, mosquittoMissing } from '../../../agent/events/mosquitto-harness.ts';
import { isXacminhError } from '../../../drivers/errors.ts';
import { enrolDevice } from '../enrol.ts';
import { authorityPublicPem, someCaPem, startTestService, type TestService } from '../est-test-support.ts';
import { x509 } from '../pki.ts';
import { writeBrokerConfig } from './broker-config.ts';

const test = suite('enrol-service broker-config');
const missing = mosquittoMissing();
const work = mkdtempSync(join(tmpdir(), 'xacminh-broker-config-'));
const out = join(work, 'broker');
const OBSERVER = 'central.observer';
let service: TestService;
let port = 0;
let broker: ChildProcess | undefined;
let brokerLog = '';
const clients: MqttClient[] = [];

test.before(async () => {
  service = await startTestService({ sites: [] });
  port = await freePort();
  for (const siteId of ['site-1', 'site-2']) service.registry.setSite({ siteId, broker: { url: `mqtts://127.0.0.1:${port}`, caPem: service.ca.certPem }, authorityPublicKeyPem: authorityPublicPem() });
});
test.after(async () => {
  for (const c of clients) c.end(true);
  await stopBroker();
  await service?.dispose();
  rmSync(work, { recursive: true, force: true });
});

async function enrol(siteId: string, deviceId: string): Promise<{ cert: Buffer; key: Buffer }> {
  const dataDir = join(work, deviceId);
  await enrolDevice({ dataDir, url: service.url, caFingerprint: service.fingerprint, code: service.issueCode(siteId), siteId, deviceId });
  const paths = dataDirPaths(dataDir);
  return { cert: readFileSync(paths.deviceCert), key: readFileSync(paths.deviceKey) };
}

async function startBroker(): Promise<void> {
  const child = spawn(MOSQUITTO, ['-c', join(out, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  broker = child;
  child.stderr?.on('data', (chunk: Buffer) => (brokerLog = (brokerLog + chunk.toString('utf8')).slice(-8000)));
  const deadline = Date.now() + 15_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}: ${brokerLog}`);
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port}: ${brokerLog}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopBroker(): Promise<void> {
  const child = broker;
  broker = undefined;
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function client(id: string, identity: { cert: Buffer; key: Buffer }): Promise<MqttClient> {
  const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, { clientId: id, protocolVersion: 5, ca: readFileSync(join(out, 'ca.pem')), ...identity, reconnectPeriod: 0 });
  clients.push(c);
  return c;
}

/** The PUBACK's reason code: 0 accepted, 0x87 not authorised. */
async function publish(c: MqttClient, topic: string): Promise<number> {
  try {
    await c.publishAsync(topic, 'hello', { qos: 1 });
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw error;
  }
}

test('writes the setup; an enrolled device publishes, the observer reads the site, another site\'s device and the observer cannot publish', async () => {
  const b1 = await enrol('site-1', 'term-b1');
  const b2 = await enrol('site-2', 'term-b2');
  const result = await writeBrokerConfig({ serviceDir: service.dir, siteId: 'site-1', outDir: out, port, observer: OBSERVER });
  assert.equal(result.devices, ['term-b1']);
  assert.is(result.reload, 'restart');
  assert.equal(result.warnings, []);
  assert.equal([...result.written].sort(), ['acl', 'ca.pem', 'mosquitto.conf', 'observer-cert.pem', 'observer-key.pem', 'server-cert.pem', 'server-key.pem']);
  for (const key of ['server-key.pem', 'observer-key.pem']) assert.is(statSync(join(out, key)).mode & 0o777, 0o600, key);
  assert.is(readFileSync(join(out, 'ca.pem'), 'utf8'), service.ca.certPem);
  const acl = readFileSync(join(out, 'acl'), 'utf8');
  assert.match(acl, 'user term-b1\ntopic readwrite xacminh/v1/site-1/term-b1/#\n');
  assert.match(acl, `user ${OBSERVER}\ntopic read xacminh/v1/site-1/#\n`);
  assert.not.match(acl, 'term-b2');
  assert.not.match(acl, '%u');

  await startBroker();
  const observer = await client('central', { cert: readFileSync(join(out, 'observer-cert.pem')), key: readFileSync(join(out, 'observer-key.pem')) });
  const seen: string[] = [];
  observer.on('message', (topic) => seen.push(topic));
  await observer.subscribeAsync('xacminh/v1/site-1/#', { qos: 1 });

  const device = await client('xacminh-term-b1', b1);
  assert.is(await publish(device, 'xacminh/v1/site-1/term-b1/event/verification'), 0);
  await waitFor(() => seen.includes('xacminh/v1/site-1/term-b1/event/verification'), 10_000, 'the observer to receive the event');
  assert.is(await publish(device, 'xacminh/v1/site-1/term-other/event/verification'), 0x87, 'a device only under its own id');

  const intruder = await client('xacminh-term-b2', b2);
  assert.is(await publish(intruder, 'xacminh/v1/site-1/term-b2/event/verification'), 0x87, 'a device of site-2 is refused');
  assert.is(await publish(observer, 'xacminh/v1/site-1/term-b1/event/verification'), 0x87, 'the observer only reads');
  assert.equal(seen, ['xacminh/v1/site-1/term-b1/event/verification']);
});

test('a re-run changes nothing; after a new enrolment only the ACL is rewritten, and SIGHUP lets the new device in', async () => {
  const serverCert = readFileSync(join(out, 'server-cert.pem'), 'utf8');
  const again = await writeBrokerConfig({ serviceDir: service.dir, siteId: 'site-1', outDir: out, port, observer: OBSERVER });
  assert.equal([again.written, again.reload], [[], 'none']);

  const b3 = await enrol('site-1', 'term-b3');
  const updated = await writeBrokerConfig({ serviceDir: service.dir, siteId: 'site-1', outDir: out, port, observer: OBSERVER });
  assert.equal([updated.devices, updated.written, updated.reload], [['term-b1', 'term-b3'], ['acl'], 'sighup']);
  assert.is(readFileSync(join(out, 'server-cert.pem'), 'utf8'), serverCert, 'the server key and certificate are kept');

  const device = await client('xacminh-term-b3', b3);
  broker!.kill('SIGHUP');
  // Mosquitto reloads the ACL after the signal: asked until it takes the new device (or the wait gives up).
  let code = -1;
  const deadline = Date.now() + 10_000;
  while ((code = await publish(device, 'xacminh/v1/site-1/term-b3/status')) !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.is(code, 0, brokerLog);
});

test('new names reissue the server certificate; an unregistered site and an observer name a device could take are refused', async () => {
  const before = readFileSync(join(out, 'server-cert.pem'), 'utf8');
  const renamed = await writeBrokerConfig({ serviceDir: service.dir, siteId: 'site-1', outDir: out, port, observer: OBSERVER, names: ['broker.example.vn'] });
  assert.equal([...renamed.written].sort(), ['server-cert.pem', 'server-key.pem']);
  assert.is(renamed.reload, 'restart');
  const cert = new x509.X509Certificate(readFileSync(join(out, 'server-cert.pem'), 'utf8'));
  assert.ok(cert.toString('pem') !== before);
  assert.equal(cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items.map((n) => n.value), ['127.0.0.1', 'localhost', 'broker.example.vn']);

  // A site registered with another broker CA and port: its terminals would not reach this broker, said before they try.
  service.registry.setSite({ siteId: 'site-3', broker: { url: 'mqtts://127.0.0.1:1', caPem: await someCaPem() }, authorityPublicKeyPem: authorityPublicPem() });
  const mismatched = await writeBrokerConfig({ serviceDir: service.dir, siteId: 'site-3', outDir: join(work, 'site-3'), port });
  assert.is(mismatched.warnings.length, 2, mismatched.warnings.join('\n'));
  assert.match(mismatched.warnings[0]!, 'is not the enrolment CA');
  assert.match(mismatched.warnings[1]!, `is not port ${port}`);

  for (const [options, pattern] of [
    [{ siteId: 'site-9' }, /Site site-9 is not registered/],
    [{ siteId: 'site-1', observer: 'central' }, /must contain a "\."/],
  ] as const) {
    try {
      await writeBrokerConfig({ serviceDir: service.dir, outDir: join(work, 'refused'), ...options });
      assert.unreachable('refused');
    } catch (error) {
      assert.ok(isXacminhError(error, 'INVALID_INPUT'), String(error));
      assert.match((error as Error).message, pattern);
    }
  }
});

if (missing) console.log(`provisioning/est/service/broker-config.test.ts: ${missing}`);
else test.run();
