// The MQTT self-test against a running agent that holds a real PC/SC reader (vpcd through pcscd): the
// reader is listed without a second connection to it, a reader the config names and pcscd lacks is a fail,
// and the card step (a person's) skips with the reason.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ensurePcscdWithVpcd } from '../drivers/sim/pcscd-harness.ts';
import { parseConfig } from '../agent/config/load.ts';
import { Agent } from '../agent/run/agent.ts';
import { agentCommands } from '../agent/run/commands.ts';

const quiet = { info() {}, warn() {}, error() {} };
const pcscd = await ensurePcscdWithVpcd();
const dir = mkdtempSync(join(tmpdir(), 'xacminh-selftest-agent-'));

test.after(async () => {
  await pcscd.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function selfTest(readerName: string, name: string): Promise<{ id: string; status: string; measured: Record<string, unknown>; hint: string | null }[]> {
  const agent = new Agent({ config: parseConfig({ reader: { kind: 'pcsc', name: readerName }, face: { enabled: false }, ui: { enabled: false }, inspection: { enabled: false } }), dataDir: join(dir, name), demo: true, log: quiet });
  await agent.start();
  try {
    const reply = await agentCommands(agent, undefined, { heavyWindowMs: 0 }).dispatch('self-test', undefined);
    assert.ok(reply.ok, JSON.stringify(reply));
    return (reply.result as { checks: { id: string; status: string; measured: Record<string, unknown>; hint: string | null }[] }).checks;
  } finally {
    await agent.stop();
  }
}

test('the agent holding the vpcd reader: reader.present passes with the reader listed; card.read skips (needs a person)', async () => {
  const checks = await selfTest(pcscd.readerName, 'present');
  const reader = checks.find((c) => c.id === 'reader.present')!;
  assert.is(reader.status, 'pass', JSON.stringify(reader));
  assert.is(reader.measured.reader, pcscd.readerName);
  const card = checks.find((c) => c.id === 'card.read')!;
  assert.is(card.status, 'skip');
  assert.match(card.hint!, /needs a person/);
});

test('a reader the site config names and pcscd does not have: reader.present fails with the hint', async () => {
  const checks = await selfTest('No Such Reader', 'absent');
  const reader = checks.find((c) => c.id === 'reader.present')!;
  assert.is(reader.status, 'fail', JSON.stringify(reader));
  assert.match(reader.hint!, /reader\.name in site\.json/);
});

test.run();
