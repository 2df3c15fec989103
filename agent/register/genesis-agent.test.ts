// The genesis through the assembled agent and a real MQTT broker: the first start announces the register on
// <prefix>/register/genesis (QoS 1) to a subscriber standing in for the central side; a deleted register stops
// the start with REGISTER_MISSING (the agent stops cleanly, nothing is created); --new-register keeps the old
// file, announces a genesis naming the old head, and the next plain start recognises it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { parseConfig } from '../config/load.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../events/embedded-broker.ts';
import { waitFor } from '../events/events-test-support.ts';
import { Agent } from '../run/agent.ts';
import { readMarker, type GenesisPublic } from './genesis.ts';

const test = suite('register genesis (agent, MQTT)');
let root = '';
let broker: EmbeddedBroker;
let central: mqtt.MqttClient;
const received: { topic: string; payload: { registerId: string; hash: string; publicJson: string } }[] = [];
const warnings: string[] = [];
const log = { info() {}, warn: (_: object, msg?: string) => void warnings.push(msg ?? ''), error() {} };

test.before(async () => {
  root = mkdtempSync(join(tmpdir(), 'xacminh-genesis-agent-'));
  broker = await startEmbeddedBroker({ host: '127.0.0.1' });
  // Subscribed before the agent starts: the announcement is not retained, the central side must be there (or
  // it waits in the outbox until a broker takes it).
  central = await mqtt.connectAsync(broker.url, { clientId: 'central', reconnectPeriod: 0 });
  central.on('message', (topic, payload) => received.push({ topic, payload: JSON.parse(payload.toString()) as (typeof received)[number]['payload'] }));
  await central.subscribeAsync('xacminh/v1/+/+/register/genesis', { qos: 1 });
});
test.after(async () => {
  await central.endAsync();
  await broker.close();
  rmSync(root, { recursive: true, force: true });
});

function agentIn(dataDir: string, newRegister = false): Agent {
  const config = parseConfig({ siteId: 'hcm-q1', deviceId: 'quay-2', face: { enabled: false, required: false }, ui: { enabled: false }, inspection: { enabled: false }, mqtt: { kind: 'broker', url: broker.url, protocolVersion: 4 } });
  return new Agent({ config, dataDir, demo: true, log, loadFace: false, ...(newRegister ? { newRegister } : {}) });
}

test('first start announces the genesis to the central side; a deleted register is refused; --new-register names the old one', async () => {
  const dataDir = join(root, 'terminal');
  const first = agentIn(dataDir);
  await first.start();
  try {
    await waitFor(() => received.length === 1, 10_000, 'the genesis announcement at the subscriber');
    const marker = readMarker(first.paths)!;
    assert.is(received[0]!.topic, 'xacminh/v1/hcm-q1/quay-2/register/genesis');
    assert.is(received[0]!.payload.registerId, marker.registerId);
    assert.is(received[0]!.payload.hash, marker.genesisHash);
    assert.is((JSON.parse(received[0]!.payload.publicJson) as GenesisPublic).reason, 'first-start');
    assert.is(first.registerOpened?.state, 'created');
    await waitFor(() => first.register.outbox.count() === 0, 10_000, 'the outbox to empty after the PUBACKs');
  } finally {
    await first.stop();
  }
  const oldMarker = readMarker(first.paths)!;

  // Deleted: the register part fails (essential), the agent stops what started and says why; nothing is created.
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${first.paths.register}${suffix}`, { force: true });
  const refused = agentIn(dataDir);
  const error = await refused.start().then(
    () => null,
    (e: unknown) => e,
  );
  await refused.stop();
  assert.ok(isXacminhError(error, 'REGISTER_MISSING'), String(error));
  assert.is(refused.orchestrator.status.get('register')?.state, 'failed');
  assert.not.ok(existsSync(first.paths.register));

  // --new-register: a new genesis naming the lost one (from the marker), logged at warn and announced.
  const renewed = agentIn(dataDir, true);
  await renewed.start();
  try {
    await waitFor(() => received.length === 2, 10_000, 'the new genesis at the subscriber');
    const pub = JSON.parse(received[1]!.payload.publicJson) as GenesisPublic;
    assert.is(pub.reason, 'new-register');
    assert.equal(pub.previous, { registerId: oldMarker.registerId, genesisHash: oldMarker.genesisHash, headSeq: null, headHash: null });
    assert.ok(warnings.some((w) => /NEW register was started/.test(w)), warnings.join('\n'));
  } finally {
    await renewed.stop();
  }
  const again = agentIn(dataDir);
  await again.start();
  try {
    assert.is(again.registerOpened?.state, 'recognised');
    assert.equal(again.register.outbox.peek(100).filter((m) => m.topic === 'register/genesis'), [], 'a restart queues no announcement');
  } finally {
    await again.stop();
  }
});

test.run();
