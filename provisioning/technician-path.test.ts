// The README's one-machine walkthrough, as a new user types it: every step a real `xacminh` subprocess, the
// enrolment service and Mosquitto running in the background on free 127.0.0.1 ports, and an observer (the
// central side) reading the site over mTLS with the certificate broker-config issued.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProtectedHeader } from 'jose';
import mqtt, { type MqttClient } from 'mqtt';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openVerificationEvent } from '../agent/events/event.ts';
import { waitFor } from '../agent/events/events-test-support.ts';
import { canConnect, freePort, MOSQUITTO, mosquittoMissing } from '../agent/events/mosquitto-harness.ts';
import { generatePkiVariant } from '../drivers/sim/test-pki-variants.ts';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const XACMINH = join(ROOT, 'agent', 'bin', 'xacminh.js');
const OPENSSL = '/usr/bin/openssl';
const SITE = 'site-e2e';
const DEVICE = 'quay-1';
const OBSERVER = 'central.observer';

const test = suite('technician path on one machine');
const missing = mosquittoMissing() ?? (existsSync(OPENSSL) ? null : `openssl is not installed at ${OPENSSL}: technician path skipped`);
const work = mkdtempSync(join(tmpdir(), 'xacminh-technician-'));
const S = join(work, 'enrol-service');
const D = join(work, 'terminal');
const B = join(work, 'broker');
const background: { name: string; child: ChildProcess; output: () => string }[] = [];
let observer: MqttClient | undefined;

test.after(async () => {
  observer?.end(true);
  for (const { child } of background.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** One `xacminh …` to its end (a step that hangs fails the test after `timeoutMs`, it does not hang the suite). */
function xacminh(args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [XACMINH, ...args], { cwd: work, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`xacminh ${args.join(' ')} did not finish within ${timeoutMs} ms:\n${out}\n${err}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

function cleanEnv(): NodeJS.ProcessEnv {
  const { XACMINH_DATA_DIR: _d, NOTIFY_SOCKET: _n, WATCHDOG_USEC: _w, ...env } = process.env;
  return env;
}

/** A long-running process, killed in after(); returns once `port` takes connections. */
async function startBackground(name: string, command: string, args: string[], port: number): Promise<void> {
  const child = spawn(command, args, { cwd: work, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output = (output + c.toString('utf8')).slice(-8000)));
  child.stderr?.on('data', (c: Buffer) => (output = (output + c.toString('utf8')).slice(-8000)));
  background.push({ name, child, output: () => output });
  const deadline = Date.now() + 30_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${output}`);
    if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port} within 30 s: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function ok(run: Run, what: string, codes: readonly number[] = [0]): Run {
  assert.ok(run.code !== null && codes.includes(run.code), `${what}: exit ${run.code}\n${run.out}\n${run.err}`);
  return run;
}

test('enrolment service, provision twice, broker-config, self-test, status, start delivering over mTLS, register verify', async () => {
  const port = await freePort();
  const brokerPort = await freePort();

  // The enrolment service, and its fingerprint for the technician.
  await startBackground('enrol-service', process.execPath, [XACMINH, 'enrol-service', 'serve', '--dir', S, '--port', String(port)], port);
  const fingerprint = ok(await xacminh(['enrol-service', 'fingerprint', '--dir', S]), 'fingerprint').out.trim();
  assert.match(fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.match(background[0]!.output(), fingerprint, 'serve printed the same fingerprint');

  // The authority's key pair (its private half stays with the central side), the site and a one-time code.
  execFileSync(OPENSSL, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'authority-private.pem'], { cwd: work, stdio: 'pipe' });
  execFileSync(OPENSSL, ['ec', '-in', 'authority-private.pem', '-pubout', '-out', 'authority-public.pem'], { cwd: work, stdio: 'pipe' });
  writeFileSync(join(work, 'profile.json'), JSON.stringify({ businessName: 'Tiệm cầm đồ Thử', policeUnit: 'Công an phường Bến Nghé' }));
  // One machine: broker-config issues the broker's certificate from the enrolment CA, so that CA is the broker CA.
  const brokerUrl = `mqtts://127.0.0.1:${brokerPort}`;
  ok(await xacminh(['enrol-service', 'site', '--dir', S, '--site', SITE, '--broker-url', brokerUrl, '--broker-ca', join(S, 'ca-cert.pem'), '--authority-key', 'authority-public.pem', '--profile', 'profile.json']), 'site');
  const code = ok(await xacminh(['enrol-service', 'issue-code', '--dir', S, '--site', SITE]), 'issue-code').out.trim();
  assert.match(code, /^[0-9A-Z]{4}(-[0-9A-Z]{4})+$/);

  // The answers file: simulated reader and camera, no scanner, no pins, a CSCA made now.
  writeFileSync(join(work, 'csca.der'), generatePkiVariant({ country: 'VN' }).cscaCertificate);
  const answers = {
    enrolment: { url: `https://127.0.0.1:${port}`, caFingerprint: fingerprint, code },
    siteId: SITE,
    deviceId: DEVICE,
    profile: { licenceNumber: '0312345678', businessType: 'pawnshop', address: '12 Lê Lợi, Quận 1', contact: { name: 'Nguyễn Văn A', phone: '0901234567' }, retentionDays: 730, faceRequired: true },
    accounts: [{ username: 'kythuat', role: 'technician' }],
    trust: { import: ['csca.der'] },
    devices: { reader: { kind: 'simulated', everySeconds: 1 }, camera: { kind: 'simulated' } },
  };
  writeFileSync(join(work, 'answers.json'), JSON.stringify(answers, null, 2));
  const first = ok(await xacminh(['provision', '--answers', 'answers.json', '--data-dir', D]), 'provision');
  for (const step of ['Danh tính thiết bị', 'Kho tin cậy', 'Cấu hình cơ sở', 'Tài khoản']) assert.match(first.out, `[ĐÃ CẬP NHẬT] ${step}`);
  const again = ok(await xacminh(['provision', '--answers', 'answers.json', '--data-dir', D, '--lang', 'en']), 'provision again');
  for (const step of ['Device identity', 'Trust store', 'Site config', 'Accounts']) assert.match(again.out, `[unchanged] ${step}`);
  // The simulated devices are a trial set-up, and provision says what that means for `start`.
  assert.match(first.out, 'CHÚ Ý: devices.reader, devices.camera (khi bật bước khuôn mặt): thiết bị mô phỏng');
  assert.match(again.out, 'xacminh start runs this terminal only with --demo');

  // The broker for this site, and the observer reading it.
  const config = ok(await xacminh(['enrol-service', 'broker-config', '--dir', S, '--site', SITE, '--out', B, '--port', String(brokerPort), '--observer', OBSERVER]), 'broker-config');
  assert.match(config.out, `devices (1): ${DEVICE}`);
  assert.match(config.out, `mosquitto -c ${join(B, 'mosquitto.conf')}`);
  assert.not.match(config.err, 'warning', 'the site was registered with this broker\'s CA and port');
  assert.match(ok(await xacminh(['enrol-service', 'broker-config', '--dir', S, '--site', SITE, '--out', B, '--port', String(brokerPort), '--observer', OBSERVER]), 'broker-config again').out, 'nothing changed');
  await startBackground('mosquitto', MOSQUITTO, ['-c', join(B, 'mosquitto.conf')], brokerPort);
  observer = await mqtt.connectAsync(brokerUrl, { clientId: 'central', protocolVersion: 5, ca: readFileSync(join(B, 'ca.pem')), cert: readFileSync(join(B, 'observer-cert.pem')), key: readFileSync(join(B, 'observer-key.pem')), reconnectPeriod: 0 });
  const seen: { topic: string; payload: string }[] = [];
  observer.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString('utf8') }));
  await observer.subscribeAsync(`xacminh/v1/${SITE}/#`, { qos: 1 });

  // Self-test: the broker with the device certificate, the certificate and the trust store pass; simulated
  // or absent hardware is skipped, never passed. Node 20 here is marginal (exit 3).
  const selfTest = ok(await xacminh(['self-test', '--data-dir', D, '--no-interactive', '--json']), 'self-test', [0, 3]);
  const report = JSON.parse(selfTest.out) as { checks: { id: string; status: string }[]; published: { topic: string; ok: boolean } | null };
  const status = (id: string) => report.checks.find((c) => c.id === id)?.status;
  assert.equal(['broker.publish', 'cert.days-left', 'trust.store'].map(status), ['pass', 'pass', 'pass'], selfTest.out);
  assert.equal(['reader.present', 'card.read', 'camera.frames', 'scanner.scan', 'indicator.green'].map(status), ['skip', 'skip', 'skip', 'skip', 'skip']);
  assert.equal(report.published, { topic: `xacminh/v1/${SITE}/${DEVICE}/selftest`, ok: true });
  await waitFor(() => seen.some((m) => m.topic.endsWith('/selftest')), 10_000, 'the observer to receive the signed self-test report');

  const statusRun = await xacminh(['provision', 'status', '--data-dir', D, '--json']);
  const provisioned = JSON.parse(statusRun.out) as { missing: string[]; items: Record<string, { ok: boolean; detail: string }>; certificate: { enrolled: boolean }; selfTest: { file: string } | null };
  // Everything but the systemd service, which this machine does not install.
  assert.equal([statusRun.code, provisioned.missing], [1, ['service']], statusRun.out);
  assert.ok(provisioned.certificate.enrolled);
  assert.equal(['identity', 'siteProfile', 'broker', 'authorityKey', 'trustStore', 'accounts'].map((k) => provisioned.items[k]?.ok), [true, true, true, true, true, true]);
  assert.is(provisioned.items.broker?.detail, brokerUrl);
  assert.ok(provisioned.selfTest?.file, 'the last self-test is listed');

  // A simulated reader is no terminal: start without --demo says so and what to do.
  const refused = ok(await xacminh(['start', '--data-dir', D, '--count', '1']), 'start without --demo', [2]);
  assert.match(refused.err, /reader is "simulated".*--demo/);
  // --demo: simulated customers through this site config: its broker, its certificate, its authority key.
  ok(await xacminh(['start', '--data-dir', D, '--demo', '--count', '1'], 120_000), 'start --demo');
  await waitFor(() => seen.some((m) => m.topic === `xacminh/v1/${SITE}/${DEVICE}/event/verification`), 10_000, 'the verification event at the observer');
  const event = seen.find((m) => m.topic.endsWith('/event/verification'))!.payload;
  const cert = new X509Certificate(readFileSync(join(D, 'identity', 'device-cert.pem')));
  assert.is(decodeProtectedHeader(event)['x5t#S256'], createHash('sha256').update(cert.raw).digest('base64url'));
  // The central side opens it: the device's signature, and the personal data for the authority key given to `site`.
  const opened = await openVerificationEvent(event, { devicePublicKey: cert.publicKey, authorityPrivateKey: createPrivateKey(readFileSync(join(work, 'authority-private.pem'))) });
  assert.equal([opened.event.siteId, opened.event.deviceId], [SITE, DEVICE]);
  assert.ok(opened.personal?.identity, 'the personal data decrypts with the authority key');

  ok(await xacminh(['register', 'verify', '--data-dir', D]), 'register verify');
});

if (missing) console.log(`provisioning/technician-path.test.ts: ${missing}`);
else test.run();
