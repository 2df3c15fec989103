// `xacminh self-test` end to end on the simulators: the virtual CCCD through the real pcscd + vpcd, a
// folder camera of real face photos, the recording GPIO double, a socat pty as the QR scanner, and
// Mosquitto with TLS and a client certificate. Green when all is there; each missing device a fail with its hint.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, copyFileSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { compactVerify } from 'jose';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lfwImages } from '../drivers/camera/test-media.ts';
import { makeVirtualCccd } from '../drivers/sim/make-card.ts';
import { ensurePcscdWithVpcd } from '../drivers/sim/pcscd-harness.ts';
import { VpcdBridge } from '../drivers/sim/vpcd.ts';
import { freePort, MosquittoHarness, mosquittoMissing } from '../agent/events/mosquitto-harness.ts';
import { parseConfig } from '../agent/config/load.ts';
import { dataDirPaths, loadDeviceIdentity } from '../agent/datadir.ts';
import { selfTestCommand } from '../agent/cli/self-test.ts';
import { Agent } from '../agent/run/agent.ts';
import { agentCommands } from '../agent/run/commands.ts';
import { CliDevices } from './cli-devices.ts';
import { makeContext } from './context.ts';
import { runOne } from './runner.ts';
import { SUITE } from './suite.ts';
import { RecordingGpioBoard } from './test-support.ts';
import type { SelfTestReport } from './report.ts';

const SITE = 'site-1';
const DEVICE = 'terminal-1';
const PINS = { green: 11, red: 12, busy: 13, buzzer: 14, relay: 15, button: 16 };
const SOCAT = '/usr/bin/socat';
const missing = mosquittoMissing() ?? (existsSync(SOCAT) ? null : `${SOCAT} is needed (apt-get install socat)`);

const work = mkdtempSync(join(tmpdir(), 'xacminh-selftest-sim-'));
const paths = dataDirPaths(join(work, 'data'));
const broker = new MosquittoHarness({ siteId: SITE, devices: [{ id: 'unused', password: 'unused-pw' }], observer: { username: 'central', password: 'central-pw' }, tlsClients: [DEVICE] });
let socat: ChildProcess | undefined;
let bridge: VpcdBridge | undefined;
let pcscd: Awaited<ReturnType<typeof ensurePcscdWithVpcd>> | undefined;
let idNumber = '';
const scannerHost = join(work, 'scanner-host');
const scannerDevice = join(work, 'scanner-device');
const byId = (report: { checks: { id: string; status: string }[] }) => Object.fromEntries(report.checks.map((c) => [c.id, c.status]));

function siteConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    siteId: SITE,
    deviceId: DEVICE,
    reader: { kind: 'pcsc', name: pcscd?.readerName ?? 'Virtual PCD 00 00' },
    camera: { kind: 'folder', dir: join(work, 'camera'), fps: 10 },
    face: { enabled: true, activeLiveness: false },
    ui: { enabled: false }, inspection: { enabled: false },
    // No certFile/keyFile: the enrolled identity (identity/device-cert.pem + device-key.pem) and broker-ca.pem are the defaults.
    mqtt: { kind: 'broker', url: broker.tlsUrl, protocolVersion: 5 },
    scanner: { path: scannerHost },
    indicators: { pins: PINS },
    ...overrides,
  };
}

test.before(async () => {
  if (missing) return;
  await broker.start();
  // The terminal's identity is the broker's client certificate for this device (CN = device id, its own key).
  mkdirSync(join(paths.root, 'identity'), { recursive: true });
  writeFileSync(paths.deviceKey, broker.tls!.clients[DEVICE]!.key, { mode: 0o600 });
  writeFileSync(paths.deviceCert, broker.tls!.clients[DEVICE]!.cert);
  writeFileSync(paths.caChain, broker.tls!.ca);
  writeFileSync(paths.brokerCa, broker.tls!.ca);
  const sim = await makeVirtualCccd();
  idNumber = sim.persona.idNumber;
  mkdirSync(paths.trust, { recursive: true });
  writeFileSync(join(paths.trust, 'vn-csca.der'), sim.publishedCsca);
  pcscd = await ensurePcscdWithVpcd();
  bridge = new VpcdBridge(sim.card, { port: pcscd.port });
  await bridge.insert();
  mkdirSync(join(work, 'camera'));
  lfwImages(4).forEach((file, i) => copyFileSync(file, join(work, 'camera', `f${i}.jpg`)));
  socat = spawn(SOCAT, [`pty,raw,echo=0,link=${scannerDevice}`, `pty,raw,echo=0,link=${scannerHost}`], { stdio: 'ignore' });
  for (let i = 0; i < 500 && !(existsSync(scannerDevice) && existsSync(scannerHost)); i++) await new Promise((r) => setTimeout(r, 10));
  writeFileSync(paths.siteConfig, JSON.stringify(siteConfig()));
});

test.after(async () => {
  socat?.kill('SIGKILL');
  await bridge?.remove();
  await pcscd?.stop();
  await broker.dispose();
});

/** Switched on, then off, and left off (closing the board writes off again). */
function onThenOff(levels: number[]): boolean {
  const on = levels.indexOf(1);
  return on >= 0 && levels.indexOf(0, on) > on && levels.at(-1) === 0;
}

function scan(text: string): void {
  const fd = openSync(scannerDevice, 'w');
  try {
    writeSync(fd, Buffer.from(`${text}\r\n`, 'utf8'));
  } finally {
    closeSync(fd);
  }
}

test('green on the simulators: every check passes (the register and clock skew skip: none here), report signed, kept and published', async () => {
  if (missing) return console.log(`  skipped: ${missing}`);
  const central = await mqtt.connectAsync(broker.url, { clientId: 'central-observer', username: 'central', password: 'central-pw', reconnectPeriod: 0 });
  const published: string[] = [];
  central.on('message', (topic, payload) => topic.endsWith('/selftest') && published.push(payload.toString('utf8')));
  await central.subscribeAsync(`xacminh/v1/${SITE}/${DEVICE}/selftest`, { qos: 1 });
  const board = new RecordingGpioBoard();
  const asked: string[] = [];
  const stdout: string[] = [];
  try {
    const code = await selfTestCommand(
      { dataDir: paths.root, json: true, interactive: true, lang: 'en' },
      {
        io: {
          stdout: (s) => stdout.push(s),
          stderr: (s) => {
            // What the technician does when told: scan the QR on the card (it gives the chip's key), press the button.
            if (s.includes('Scan the QR')) setImmediate(() => scan(`${idNumber}|123456789|Nguyen Van A|01011990|Nam|Ha Noi|01012021`));
            if (s.includes('Press the operator button')) setImmediate(() => board.press(PINS.button));
          },
        },
        ask: async (question) => {
          asked.push(question.en);
          if (question.en.startsWith('Did ')) return 'c';
          return '';
        },
        devices: { gpioFactory: board.factory },
        // The host's NTP state and Node version are not what this test is about; the harness's certificates live 2 days.
        overrides: { ntpSynchronized: async () => true, nodeVersion: '24.3.0' },
        limits: { diskMarginalBytes: 1, diskFailBytes: 1, certMarginalDays: 1, cameraWindowMs: 1500 },
      },
    );
    const report = JSON.parse(stdout.join('')) as SelfTestReport & { file: string; published: { ok: boolean; topic: string } };
    const statuses = byId(report);
    assert.equal(statuses, {
      'node.version': 'pass',
      'disk.space': 'pass',
      'disk.write': 'pass',
      'register.chain': 'skip',
      'cert.days-left': 'pass',
      'trust.store': 'pass',
      'clock.ntp': 'pass',
      'clock.skew': 'skip',
      'broker.publish': 'pass',
      'reader.present': 'pass',
      'scanner.scan': 'pass',
      'card.read': 'pass',
      'camera.frames': statuses['camera.frames'] === 'marginal' ? 'marginal' : 'pass', // the rate on a loaded test machine; frames are asserted below
      'camera.face': 'pass',
      'indicator.green': 'pass',
      'indicator.red': 'pass',
      'indicator.busy': 'pass',
      'indicator.buzzer': 'pass',
      'indicator.relay': 'pass',
      'button.press': 'pass',
    }, JSON.stringify(report.checks.filter((c) => c.status !== 'pass'), null, 1));
    assert.is(code, report.status === 'pass' ? 0 : 3);
    const card = report.checks.find((c) => c.id === 'card.read')!;
    assert.equal([card.measured.read, card.measured.verdict], [true, 'genuine']);
    assert.ok((report.checks.find((c) => c.id === 'camera.frames')!.measured.frames as number) >= 2);
    // The ATR is reported when pcscd has already told the card's state; the reader itself must be the vpcd one.
    assert.is(report.checks.find((c) => c.id === 'reader.present')!.measured.reader, pcscd!.readerName);
    // The card's personal data (its ID number, the name on the QR) never reaches the report.
    const text = JSON.stringify(report);
    assert.not.ok(text.includes(idNumber) || text.includes('Nguyen'), 'no personal data in the report');
    // Each output was switched on then off on its own pin, and the technician was asked about each.
    for (const output of ['green', 'red', 'busy', 'buzzer', 'relay'] as const) assert.ok(onThenOff(board.levelsOf(PINS[output])), `${output}: ${String(board.levelsOf(PINS[output]))}`);
    assert.is(asked.filter((q) => q.startsWith('Did ')).length, 5);
    // Published with QoS 1 on …/selftest, signed by the device key, the same report as kept on disk.
    assert.equal(report.published, { topic: `xacminh/v1/${SITE}/${DEVICE}/selftest`, ok: true });
    for (let i = 0; i < 200 && published.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.is(published.length, 1);
    const { payload } = await compactVerify(published[0]!, loadDeviceIdentity(paths, { create: false }).publicKey);
    const sent = JSON.parse(new TextDecoder().decode(payload)) as SelfTestReport;
    assert.is(sent.id, report.id);
    assert.is(readFileSync(report.file, 'utf8').trim(), published[0]);
  } finally {
    await central.endAsync();
  }
});

test('without a person: lights, button, scan and card are skipped with the reason; the double still saw each output toggled and read back', async () => {
  if (missing) return console.log(`  skipped: ${missing}`);
  const board = new RecordingGpioBoard();
  const stdout: string[] = [];
  const code = await selfTestCommand(
    { dataDir: paths.root, json: true, interactive: false, only: '^(indicator|button|scanner|card)' },
    { io: { stdout: (s) => stdout.push(s), stderr: () => undefined }, devices: { gpioFactory: board.factory } },
  );
  const report = JSON.parse(stdout.join('')) as SelfTestReport;
  assert.is(code, 0, 'skips are allowed');
  assert.ok(report.checks.every((c) => c.status === 'skip'), JSON.stringify(report.checks));
  const green = report.checks.find((c) => c.id === 'indicator.green')!;
  assert.match(green.hint!, /needs a person to look/);
  assert.is(green.measured.readBack, 'ok');
  assert.equal(onThenOff(board.levelsOf(PINS.green)), true, String(board.levelsOf(PINS.green)));
});

test('the MQTT self-test on an agent running on the simulators over mTLS: its camera and face engine lent, broker connected, report delivered through its outbox', async () => {
  if (missing) return console.log(`  skipped: ${missing}`);
  const central = await mqtt.connectAsync(broker.url, { clientId: 'central-agent-observer', username: 'central', password: 'central-pw', reconnectPeriod: 0 });
  const published: string[] = [];
  central.on('message', (topic, payload) => topic.endsWith('/selftest') && published.push(payload.toString('utf8')));
  await central.subscribeAsync(`xacminh/v1/${SITE}/${DEVICE}/selftest`, { qos: 1 });
  const mqttConfig = { kind: 'broker', url: broker.tlsUrl, certFile: 'identity/device-cert.pem', keyFile: 'identity/device-key.pem', caFile: 'identity/broker-ca.pem' };
  // No card on the reader: a card would start a verification, and the session would own the camera (the check then skips).
  await bridge!.remove();
  const agent = new Agent({ config: parseConfig(siteConfig({ mqtt: mqttConfig, scanner: null, indicators: { pins: {} } })), dataDir: paths.root, demo: true, log: { info() {}, warn() {}, error() {} } });
  await agent.start();
  try {
    for (let i = 0; i < 500 && !agent.publisher.isConnected; i++) await new Promise((r) => setTimeout(r, 10));
    const reply = await agentCommands(agent, undefined, { heavyWindowMs: 0, selfTest: { ntpSynchronized: async () => true } }).dispatch('self-test', undefined);
    const result = reply.result as { checks: { id: string; status: string; measured: Record<string, unknown> }[]; report: { id: string } };
    const statuses = byId(result);
    assert.equal([statuses['broker.publish'], statuses['reader.present'], statuses['camera.face'], statuses['card.read'], statuses['indicator.green']], ['pass', 'pass', 'pass', 'skip', 'skip'], JSON.stringify(result.checks));
    assert.ok(['pass', 'marginal'].includes(statuses['camera.frames']!), JSON.stringify(result.checks.find((c) => c.id === 'camera.frames')));
    assert.equal(result.checks.find((c) => c.id === 'broker.publish')!.measured, { broker: broker.tlsUrl, connected: true });
    for (let i = 0; i < 500 && published.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.is(published.length, 1, 'delivered through the agent outbox over mTLS');
    const { payload } = await compactVerify(published[0]!, agent.identity.publicKey);
    assert.is((JSON.parse(new TextDecoder().decode(payload)) as SelfTestReport).id, result.report.id);
  } finally {
    await agent.stop();
    await central.endAsync();
    await bridge!.insert();
  }
});

test('failure modes, each a fail with its hint: no camera, no reader, broker down', async () => {
  if (missing) return console.log(`  skipped: ${missing}`);
  const identity = loadDeviceIdentity(paths, { create: false });
  const run = async (id: string, overrides: Record<string, unknown>) => {
    const config = parseConfig(siteConfig(overrides));
    const devices = new CliDevices(config, paths);
    const ctx = makeContext({ paths, config, devices, identity, interactive: false, limits: { cameraWindowMs: 1000 } });
    try {
      return await runOne(SUITE.find((c) => c.id === id)!, ctx, 15_000);
    } finally {
      await devices.close();
    }
  };
  const camera = await run('camera.frames', { camera: { kind: 'folder', dir: join(work, 'no-such-camera'), fps: 10 } });
  assert.equal([camera.status, camera.measured.error], ['fail', 'CAMERA_UNAVAILABLE'], JSON.stringify(camera));
  assert.match(camera.hint!, /camera/i);
  const reader = await run('reader.present', { reader: { kind: 'pcsc', name: 'No Such Reader' } });
  assert.is(reader.status, 'fail', JSON.stringify(reader));
  assert.match(reader.hint!, /No card reader named like "No Such Reader"/);
  assert.match(reader.hintVi!, /Không thấy đầu đọc thẻ/);
  const closed = await freePort();
  const down = await run('broker.publish', { mqtt: { kind: 'broker', url: `mqtts://127.0.0.1:${closed}` } });
  assert.equal([down.status, down.measured.error], ['fail', 'BROKER_UNAVAILABLE'], JSON.stringify(down));
  assert.match(down.hint!, /broker cannot be reached/);
  // This certificate (CN terminal-1) publishing as another device: the broker's ACL refuses the PUBACK (MQTT 5 reason code).
  const refused = await run('broker.publish', { deviceId: 'terminal-2' });
  assert.equal([refused.status, refused.measured.error], ['fail', 'BROKER_REFUSED'], JSON.stringify(refused));
  assert.match(refused.hint!, /reason code 0x87/);
});

test.run();
