// The assembled agent in-process: a verification through the real register, publisher and broker, the
// MQTT commands, and a broker that cannot be reached (the agent keeps verifying; events wait in the outbox).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseConfig } from '../config/load.ts';
import { sendCommand } from '../events/commands.ts';
import { openVerificationEvent } from '../events/event.ts';
import { waitFor } from '../events/events-test-support.ts';
import { topicPrefix } from '../events/publisher.ts';
import type { VerificationRecord } from '../session/record.ts';
import type { SimulatedCardPort } from '../session/sim-card-port.ts';
import { Agent } from './agent.ts';
import { DemoCustomers, qrText } from './demo.ts';

const quiet = { info() {}, warn() {}, error() {} };
const test = suite('agent');
let dir = '';
let customers: DemoCustomers;
test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-agent-'));
  customers = await DemoCustomers.create();
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** One customer: card on the reader, QR scanned, the record once the session is done, card lifted. */
async function verifyOnce(agent: Agent): Promise<VerificationRecord> {
  const card = customers.scenarios[0]!.card;
  const done = new Promise<VerificationRecord>((resolve) => agent.session.once('done', resolve));
  (agent.cards as SimulatedCardPort).place(card);
  agent.session.submitAccessKey(qrText(card));
  const record = await done;
  (agent.cards as SimulatedCardPort).lift();
  await waitFor(() => !agent.session.busy, 5000, 'the session to be ready again');
  return record;
}

test('a verification is recorded, its event reaches a subscriber with the personal data encrypted, and commands answer', async () => {
  const dataDir = join(dir, 'embedded');
  const configPath = join(dir, 'embedded-site.json');
  const siteJson = { face: { enabled: false }, ui: { enabled: false }, inspection: { enabled: false } };
  writeFileSync(configPath, JSON.stringify(siteJson));
  const agent = new Agent({ config: parseConfig(siteJson), dataDir, demo: true, log: quiet, configPath, trustAnchors: [customers.trustAnchor] });
  await agent.start();
  const subscriber = await mqtt.connectAsync(agent.brokerUrl, { clientId: 'central', reconnectPeriod: 0 });
  try {
    const payloads: string[] = [];
    subscriber.on('message', (topic, payload) => {
      if (topic.endsWith('/event/verification')) payloads.push(payload.toString());
    });
    await subscriber.subscribeAsync('xacminh/v1/+/+/event/verification', { qos: 1 });
    const record = await verifyOnce(agent);
    assert.is(record.decision, 'error', 'the face is required and this terminal has no camera: never a pass');
    assert.ok(record.reasons.some((r) => r.code === 'face-not-available'), JSON.stringify(record.reasons));
    await waitFor(() => payloads.length === 1, 5000, 'the event at the subscriber');
    assert.not.match(payloads[0]!, record.identity!.idNumber, 'no ID number in clear on the broker');
    const opened = await openVerificationEvent(payloads[0]!, { devicePublicKey: agent.identity.publicKey, authorityPrivateKey: agent.authority.demoPrivateKey! });
    assert.is(opened.event.id, record.id);
    assert.is(opened.personal?.identity?.idNumber, record.identity!.idNumber);
    assert.is(agent.register.get(record.id)?.record.decision, 'error');
    const entry = [...agent.register.entries()].find((e) => e.id === record.id)!;
    assert.equal(opened.event.register, { seq: entry.seq, headHash: Buffer.from(entry.hash).toString('hex') }, 'the signed event anchors the register at its own entry');
    await waitFor(() => agent.register.outbox.count() === 0, 5000, 'the outbox to empty after the PUBACK');

    const prefix = topicPrefix(agent.config.siteId, agent.config.deviceId);
    const ask = (name: string, args?: unknown) => sendCommand(subscriber, { prefix, name, args, protocolVersion: 4 });
    const ping = await ask('ping');
    assert.ok(ping.ok);
    assert.equal((ping.result as { outbox: unknown }).outbox, { waiting: 0, held: 0 });
    const selfTest = (await ask('self-test')).result as { register: { ok: boolean; entries: number } };
    assert.equal([selfTest.register.ok, selfTest.register.entries], [true, 2], 'the genesis and this verification');
    const exported = (await ask('export-register', { limit: 10 })).result as { entries: { id: string; hash: string }[] };
    assert.equal(exported.entries.map((e) => e.id), [agent.register.read(1)!.id, record.id]);
    assert.match(exported.entries[1]!.hash, /^[0-9a-f]{64}$/);
    assert.not.match(JSON.stringify(exported), record.identity!.idNumber, 'the export carries no personal data');
    const badArgs = await ask('export-register', { limit: 'all' });
    assert.is(badArgs.error?.code, 'INVALID_INPUT');

    writeFileSync(configPath, JSON.stringify({ ...siteJson, deviceId: 'renamed', timeouts: { resultMs: 900 } }));
    const reload = (await ask('reload-config')).result as { restartNeeded: string[] };
    assert.equal(reload.restartNeeded, ['deviceId']);
    assert.is(agent.config.timeouts.resultMs, 900, 'timeouts apply at once');
    writeFileSync(configPath, '{ "reader": { "kind": "nfc" } }');
    const refused = await ask('reload-config');
    assert.is(refused.error?.code, 'CONFIG_INVALID');
    assert.match(refused.error!.message, /reader/);
    assert.is(agent.config.timeouts.resultMs, 900, 'a bad file changes nothing');
  } finally {
    await subscriber.endAsync();
    await agent.stop();
  }
});

test('an unreachable broker does not stop the terminal: verifications are recorded and their events wait in the outbox', async () => {
  const config = parseConfig({ face: { enabled: false }, ui: { enabled: false }, inspection: { enabled: false }, mqtt: { kind: 'broker', url: 'mqtt://127.0.0.1:9', protocolVersion: 5 } });
  const agent = new Agent({ config, dataDir: join(dir, 'offline'), demo: true, log: quiet, trustAnchors: [customers.trustAnchor] });
  await agent.start();
  try {
    assert.equal(agent.orchestrator.failed(), [], 'no part failed to start');
    const first = await verifyOnce(agent);
    const second = await verifyOnce(agent);
    assert.is(agent.register.count(), 3, 'the genesis and two verifications');
    const waiting = agent.register.outbox.peek(10);
    assert.equal(waiting.filter((m) => !m.topic.startsWith('register/')).map((m) => m.id), [first.id, second.id]);
    assert.ok(waiting.some((m) => m.topic === 'register/genesis'), 'the genesis announcement waits too');
  } finally {
    await agent.stop();
  }
});

test('a full disk: the verification ends in a clear storage error, the agent keeps going, and records resume when space returns', async () => {
  const config = parseConfig({ face: { enabled: false }, ui: { enabled: false }, inspection: { enabled: false } });
  const agent = new Agent({ config, dataDir: join(dir, 'full-disk'), demo: true, log: quiet, trustAnchors: [customers.trustAnchor] });
  await agent.start();
  try {
    const kept = await verifyOnce(agent);
    const db = (agent.register as unknown as { db: Database.Database }).db;
    // The disk fills up: cap the file and take every free page, as other files on a full SD card would.
    db.pragma(`max_page_count = ${(db.pragma('page_count', { simple: true }) as number) + 4}`);
    db.exec('CREATE TABLE filler (x BLOB)');
    assert.throws(() => {
      for (;;) db.prepare('INSERT INTO filler VALUES (zeroblob(1024))').run();
    }, /full/);
    // Slack inside already-allocated pages takes a few more records; then the next one must fail cleanly.
    let refused: VerificationRecord | undefined;
    const recordedMeanwhile: string[] = [];
    for (let n = 0; n < 20 && !refused; n++) {
      const record = await verifyOnce(agent);
      if (record.reasons.some((r) => r.code === 'STORAGE_FAILED')) refused = record;
      else recordedMeanwhile.push(record.id);
    }
    assert.ok(refused, 'a verification failed on the full disk');
    assert.is(refused.decision, 'error');
    const storage = refused.reasons.find((r) => r.code === 'STORAGE_FAILED')!;
    assert.match(storage.detail ?? '', /full: free space/);
    db.exec('DROP TABLE filler');
    db.pragma('max_page_count = 1073741823');
    const after = await verifyOnce(agent);
    for (const id of [kept.id, ...recordedMeanwhile, after.id]) assert.ok(agent.register.get(id), `record ${id} kept`);
    assert.is(agent.register.get(refused.id), null, 'the refused one was not half-written');
    assert.ok(agent.register.verify().ok);
  } finally {
    await agent.stop();
  }
});

test.run();
