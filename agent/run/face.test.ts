// The whole agent with the real face engine and the simulated camera, reader and cards: the face step tracked
// during the chip read decides as the step after the read does (same scenarios, same decisions), and a face
// retry through the agent is recorded in the register, linked to the first verification.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SimulatedCamera } from '../../drivers/sim/sim-camera.ts';
import { parseConfig } from '../config/load.ts';
import type { VerificationRecord } from '../session/record.ts';
import type { SimulatedCardPort } from '../session/sim-card-port.ts';
import { Agent } from './agent.ts';
import { DemoCustomers, qrText, type DemoScenario } from './demo.ts';

const customers = await DemoCustomers.create();
const quiet = { info() {}, warn() {}, error() {} };

async function withAgent(overlap: boolean, use: (agent: Agent, verify: (s: DemoScenario) => Promise<VerificationRecord>) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'xacminh-face-overlap-'));
  // activeLiveness off as `xacminh start` sets it for the simulated camera (a still picture cannot blink).
  const config = parseConfig({ ui: { enabled: false }, inspection: { enabled: false }, face: { enabled: true, activeLiveness: false, overlap } });
  const agent = new Agent({ config, dataDir, demo: true, log: quiet, trustAnchors: [customers.trustAnchor] });
  try {
    await agent.start();
    assert.ok(agent.face && agent.camera, 'face engine and camera running');
    const verify = async (scenario: DemoScenario) => {
      await (agent.camera as SimulatedCamera).show(scenario.atCamera);
      const done = new Promise<VerificationRecord>((resolve) => agent.session.once('done', resolve));
      (agent.cards as SimulatedCardPort).place(scenario.card);
      agent.session.submitAccessKey(qrText(scenario.card));
      const record = await done;
      (agent.cards as SimulatedCardPort).lift();
      return record;
    };
    await use(agent, verify);
  } finally {
    await agent.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const [holder, impostor, cloned] = customers.scenarios as [DemoScenario, DemoScenario, DemoScenario];

test('tracked during the read or started after it: the same decisions for the holder, an impostor and a cloned chip', async () => {
  for (const overlap of [true, false]) {
    await withAgent(overlap, async (_agent, verify) => {
      const h = await verify(holder);
      assert.is(h.decision, 'verified', `overlap ${overlap}: ${JSON.stringify(h.reasons)}`);
      assert.is(h.face?.decision, 'match');
      const i = await verify(impostor);
      assert.is(i.decision, 'rejected', `overlap ${overlap}`);
      assert.is(i.face?.decision, 'no-match');
      const c = await verify(cloned);
      assert.is(c.decision, 'rejected');
      assert.is(c.face, null, 'the face step is skipped for a clone');
      assert.ok(h.face!.framesSeen > 0);
    });
  }
});

test('a face retry through the agent: the impostor rejected again, the retry recorded in the register with retryOf', async () => {
  await withAgent(true, async (agent, verify) => {
    const first = await verify(impostor);
    assert.is(first.decision, 'rejected');
    const done = new Promise<VerificationRecord>((resolve) => agent.session.once('done', resolve));
    assert.equal(await agent.session.retryFace(first.id), { accepted: true });
    const retry = await done;
    assert.is(retry.retryOf, first.id);
    assert.is(retry.face?.decision, 'no-match', 'the same stranger at the camera');
    const stored = agent.register.get(retry.id);
    assert.is(stored?.record.retryOf, first.id);
    assert.ok(stored?.frameJpeg, 'the retry\'s best frame is kept like any other');
  });
});

test.run();
