// The agent process killed with SIGKILL at random points while it verifies and publishes, again and again,
// against a real Mosquitto: after a last clean run nothing recorded is lost, the register's chain still
// verifies, and every id reaches the central subscriber; a replayed id carries the very same event.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dataDirPaths, loadDeviceIdentity } from '../datadir.ts';
import { waitFor } from '../events/events-test-support.ts';
import { mosquittoMissing } from '../events/mosquitto-harness.ts';
import { Register } from '../register/register.ts';
import { CentralSubscriber, DEVICE_PASSWORD, siteConfig, startHarness } from './crash-test-support.ts';

const KILLS = Number(process.env.XACMINH_SIGKILL_ROUNDS ?? 20);
const BIN = resolve(import.meta.dirname, '../bin/xacminh.js');

function runAgent(dataDir: string, extra: string[]): { exited: Promise<number | null>; kill: () => void; output: () => string } {
  const child = spawn(process.execPath, [BIN, 'start', '--demo', '--data-dir', dataDir, '--interval', '0.2', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    kill: () => child.kill('SIGKILL'),
    output: () => output,
  };
}

test(`SIGKILL ${KILLS} times while verifying and publishing: nothing recorded is lost, nothing delivered as two different events`, async () => {
  const missing = mosquittoMissing();
  if (missing) return console.log(`    ${missing}`);
  const broker = startHarness();
  await broker.start();
  const central = new CentralSubscriber();
  const dataDir = mkdtempSync(join(tmpdir(), 'xacminh-sigkill-'));
  try {
    await central.start(broker.url);
    writeFileSync(join(dataDir, 'site.json'), JSON.stringify(siteConfig(broker.url)));
    writeFileSync(join(dataDir, 'mqtt-password'), DEVICE_PASSWORD, { mode: 0o600 });
    const outputs: string[] = [];
    for (let round = 0; round < KILLS; round++) {
      const agent = runAgent(dataDir, []);
      // Random points: every fourth round during start-up (opening the register, replaying the outbox); the
      // others once it runs — mid chip read, between the record and its PUBACK. Start-up time varies by
      // machine, so the clock starts when the agent says it is running.
      if (round % 4 === 3) await new Promise((r) => setTimeout(r, Math.random() * 2000));
      else {
        await waitFor(() => agent.output().includes('Ctrl-C to stop'), 60_000, `the agent to start:\n${agent.output()}`);
        await new Promise((r) => setTimeout(r, Math.random() * 3000));
      }
      agent.kill();
      await agent.exited;
      outputs.push(agent.output());
    }
    const last = runAgent(dataDir, ['--count', '1']);
    const code = await Promise.race([last.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 90_000))]);
    if (code !== 0) last.kill();
    assert.is(code, 0, `the last run ends cleanly:\n${last.output()}`);

    const identity = loadDeviceIdentity(dataDirPaths(dataDir), { create: false });
    const register = Register.open(join(dataDir, 'register.db'), { deviceKey: identity.privateKey, outboxCapacity: 100_000 });
    const recorded = [...register.entries()].filter((e) => e.kind === 'verification').map((e) => e.id);
    const chain = register.verify();
    // The checkpoint signed when the last run closed the register waits for the next start: it is not an event left behind.
    const left = register.outbox.peek(100_000);
    const waiting = left.filter((m) => m.topic !== 'register/checkpoint').length;
    const closingCheckpoints = left.length - waiting;
    register.close();
    assert.ok(chain.ok, `the hash chain survives the kills: ${JSON.stringify(chain.problems.slice(0, 3))}`);
    assert.ok(recorded.length > KILLS / 2, `verifications happened between the kills (${recorded.length}); last output:\n${outputs.at(-1)}`);
    assert.is(waiting, 0, 'the last clean run drained the outbox');
    assert.ok(closingCheckpoints <= 1, `only the checkpoint signed on close may wait (${closingCheckpoints})`);
    await waitFor(() => recorded.every((id) => central.deliveries.has(id)), 20_000, 'every recorded id at the central subscriber');
    assert.equal(new Set(central.deliveries.keys()), new Set(recorded), 'the subscriber received exactly the recorded verifications');
    assert.equal(central.conflicting(), [], 'a replayed id is the same signed event, byte for byte');
    console.log(`    ${KILLS} kills, ${recorded.length} verifications recorded and delivered; ${central.replays()} QoS 1 replay(s) deduplicated by id`);
  } finally {
    await central.stop();
    await broker.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
