// The agent's own commands (ping, self-test, reload-config, export-register) over the embedded broker:
// what an outsider can publish never stops the agent, and self-test checks the register off the event loop,
// one at a time and at most once per window.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId, Worker } from 'node:worker_threads';
import { compactVerify } from 'jose';
import mqtt from 'mqtt';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseConfig } from '../config/load.ts';
import { BAD_PAYLOADS, rawCommand, watchUnhandled } from '../events/command-test-support.ts';
import { sendCommand } from '../events/commands.ts';
import { sampleRecord } from '../events/events-test-support.ts';
import { topicPrefix } from '../events/publisher.ts';
import { startVerifyWorker } from '../register/verify-off-thread.ts';
import { Agent } from './agent.ts';
import { agentCommands } from './commands.ts';
import { SUITE } from '../../hardware-tests/suite.ts';

const quiet = { info() {}, warn() {}, error() {} };
const test = suite('agent commands');
let dir = '';
let agent: Agent;
let operator: mqtt.MqttClient;
let prefix = '';
test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-commands-'));
  agent = new Agent({ config: parseConfig({ face: { enabled: false }, ui: { enabled: false }, inspection: { enabled: false } }), dataDir: join(dir, 'data'), demo: true, log: quiet });
  await agent.start();
  for (let i = 0; i < 7; i++) agent.register.append(sampleRecord(), { events: [] });
  prefix = topicPrefix(agent.config.siteId, agent.config.deviceId);
  operator = await mqtt.connectAsync(agent.brokerUrl, { clientId: 'central', reconnectPeriod: 0 });
  // The responder subscribes right after CONNACK; retry the first ping until it is in place.
  await sendCommand(operator, { prefix, name: 'ping', protocolVersion: 4, timeoutMs: 1500 }).catch(() => sendCommand(operator, { prefix, name: 'ping', protocolVersion: 4 }));
});
test.after(async () => {
  await operator?.endAsync();
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('bad payloads on each command get an error reply, and the agent still answers ping after each', async () => {
  const unhandled = watchUnhandled();
  try {
    for (const name of ['ping', 'self-test', 'reload-config', 'export-register']) {
      for (const bad of BAD_PAYLOADS) {
        const reply = await rawCommand(operator, prefix, name, bad.payload);
        assert.equal([reply.ok, reply.error?.code], [false, bad.code], `${name} with ${bad.what}: ${JSON.stringify(reply)}`);
        const ping = await rawCommand(operator, prefix, 'ping', '{"id":"after"}');
        assert.equal([ping.id, ping.ok], ['after', true], `ping after ${name} with ${bad.what}`);
      }
    }
    assert.equal(unhandled.reasons, [], 'no unhandled rejection');
  } finally {
    unhandled.stop();
  }
});

/** Starts the real worker and keeps what it posted: the report must come from that thread. */
function watchedWorkers(): { start: typeof startVerifyWorker; posted: unknown[]; threads: number[] } {
  const posted: unknown[] = [];
  const threads: number[] = [];
  const start: typeof startVerifyWorker = (data) => {
    const worker = startVerifyWorker(data);
    threads.push(worker.threadId);
    worker.on('message', (answer: unknown) => posted.push(answer));
    return worker;
  };
  return { start, posted, threads };
}

const hang = () => new Worker('setInterval(() => {}, 1 << 30);', { eval: true });

test('self-test checks the register in a worker thread, and a ping dispatched after it is answered first', async () => {
  const workers = watchedWorkers();
  const commands = agentCommands(agent, undefined, { heavyWindowMs: 60_000, verify: { startWorker: workers.start } });
  const order: string[] = [];
  const selfTest = commands.dispatch('self-test', undefined).then((reply) => {
    order.push('self-test');
    return reply;
  });
  const ping = await commands.dispatch('ping', undefined);
  order.push('ping');
  assert.is(ping.ok, true);
  const meanwhile = await commands.dispatch('self-test', undefined);
  const reply = await selfTest;
  assert.equal(order, ['ping', 'self-test'], 'the main thread answered while the register was being checked');
  assert.equal(meanwhile.error, { code: 'RATE_LIMITED', message: 'a self-test is still running and heavy commands run one at a time: try again when it has finished' });
  const result = reply.result as { ok: boolean; register: { ok: boolean; entries: number; signedThrough: number } };
  assert.equal([result.ok, result.register.ok, result.register.entries], [true, true, 8], 'the genesis and seven verifications');
  // The chain was checked by another thread: one worker started, and its own message carried the report.
  assert.is(workers.threads.length, 1);
  assert.is.not(workers.threads[0], threadId);
  assert.equal((workers.posted as { report?: { entries: number; ok: boolean } }[]).map((m) => [m.report?.entries, m.report?.ok]), [[8, true]]);
});

test('a self-test whose worker hangs times out (TIMEOUT) and frees the gate: the next self-test runs, not refused for ever', async () => {
  let starts = 0;
  const commands = agentCommands(agent, undefined, {
    heavyWindowMs: 0,
    verify: {
      timeoutMs: 200,
      startWorker: () => {
        starts++;
        return hang();
      },
    },
  });
  const stuck = await commands.dispatch('self-test', undefined);
  assert.is(stuck.error?.code, 'TIMEOUT', JSON.stringify(stuck));
  assert.match(stuck.error!.message, /did not finish in 1 s/);
  // Not "still running": the gate let it in and a new worker was started (which hangs and times out too).
  const next = await commands.dispatch('self-test', undefined);
  assert.is(next.error?.code, 'TIMEOUT', JSON.stringify(next));
  assert.is(starts, 2);
});

test('stopping the agent ends the running self-test worker (CANCELLED): the thread does not outlive the agent', async () => {
  const other = new Agent({ config: parseConfig({ face: { enabled: false }, ui: { enabled: false }, inspection: { enabled: false } }), dataDir: join(dir, 'data-stop'), demo: true, log: quiet });
  await other.start();
  let onExit: () => void = () => undefined;
  const exited = new Promise<void>((resolve) => (onExit = resolve));
  const commands = agentCommands(other, undefined, {
    verify: {
      startWorker: () => {
        const worker = hang();
        worker.once('exit', onExit);
        return worker;
      },
    },
  });
  const reply = commands.dispatch('self-test', undefined);
  await other.stop();
  const answer = await within(reply, 'the self-test reply after stop()');
  assert.is(answer.error?.code, 'CANCELLED', JSON.stringify(answer));
  await within(exited, 'the worker thread ending');
});

/** Fails (instead of hanging to the runner's watchdog) when `promise` has not settled in 10 s. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing after 10 s`)), 10_000)));
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

test('self-test runs the hardware-tests suite on the live agent: devices needing a person skip with the reason, the signed report is kept and leaves through the outbox on …/selftest', async () => {
  const received: string[] = [];
  const onMessage = (topic: string, payload: Buffer) => topic === `${prefix}selftest` && received.push(payload.toString('utf8'));
  operator.on('message', onMessage);
  await operator.subscribeAsync(`${prefix}selftest`, { qos: 1 });
  try {
    const commands = agentCommands(agent, undefined, { heavyWindowMs: 0, selfTest: { ntpSynchronized: async () => true } });
    const reply = await commands.dispatch('self-test', undefined);
    type Result = { ok: boolean; status: string; checks: { id: string; status: string; hint: string | null }[]; report: { id: string; file: string; topic: string } };
    const result = reply.result as Result;
    assert.equal(result.checks.map((c) => c.id), SUITE.map((c) => c.id));
    const status = Object.fromEntries(result.checks.map((c) => [c.id, c.status]));
    // This demo agent: simulated reader, no camera, no pins, embedded broker; its register verified in the worker.
    assert.equal([status['register.chain'], status['disk.write'], status['reader.present'], status['camera.frames'], status['broker.publish']], ['pass', 'pass', 'skip', 'skip', 'skip']);
    assert.is(result.ok, result.status !== 'fail');
    const file = join(agent.paths.selfTests, result.report.file);
    assert.ok(existsSync(file));
    for (let i = 0; i < 300 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.is(received.length, 1, 'published through the outbox');
    assert.is(received[0], readFileSync(file, 'utf8').trim());
    const { payload } = await compactVerify(received[0]!, agent.identity.publicKey);
    assert.equal([JSON.parse(new TextDecoder().decode(payload)).id, JSON.parse(new TextDecoder().decode(payload)).via], [result.report.id, 'agent']);
    for (let i = 0; i < 300 && agent.register.outbox.count() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.is(agent.register.outbox.count(), 0, 'acknowledged (PUBACK) and removed from the outbox');
  } finally {
    operator.off('message', onMessage);
  }
});

test('over MQTT, a second self-test inside the window is RATE_LIMITED with when to try again', async () => {
  const first = await sendCommand(operator, { prefix, name: 'self-test', protocolVersion: 4, timeoutMs: 10_000 });
  assert.equal([first.ok, (first.result as { register: { entries: number } }).register.entries], [true, 8]);
  const second = await sendCommand(operator, { prefix, name: 'self-test', protocolVersion: 4 });
  assert.is(second.ok, false);
  assert.is(second.error?.code, 'RATE_LIMITED');
  assert.match(second.error!.message, /^self-test runs at most once every 60 s: try again in \d+ s$/);
  assert.is((await sendCommand(operator, { prefix, name: 'ping', protocolVersion: 4 })).ok, true);
});

test.run();
