// 500 verifications through the assembled agent while the real Mosquitto is stopped for a stretch in the
// middle and started again: every event arrives, and no id arrives as two different events.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseConfig } from '../config/load.ts';
import { waitFor } from '../events/events-test-support.ts';
import { mosquittoMissing } from '../events/mosquitto-harness.ts';
import type { VerificationRecord } from '../session/record.ts';
import type { SimulatedCardPort } from '../session/sim-card-port.ts';
import { Agent } from './agent.ts';
import { CentralSubscriber, DEVICE_PASSWORD, siteConfig, startHarness } from './crash-test-support.ts';
import { DemoCustomers, qrText } from './demo.ts';

const TOTAL = Number(process.env.XACMINH_OUTAGE_VERIFICATIONS ?? 500);
const quiet = { info() {}, warn() {}, error() {} };

test(`${TOTAL} verifications with the broker down for a stretch: every event arrives once by id`, async () => {
  const missing = mosquittoMissing();
  if (missing) return console.log(`    ${missing}`);
  const broker = startHarness();
  await broker.start();
  const central = new CentralSubscriber();
  const dataDir = mkdtempSync(join(tmpdir(), 'xacminh-outage-'));
  const customers = await DemoCustomers.create();
  writeFileSync(join(dataDir, 'mqtt-password'), DEVICE_PASSWORD, { mode: 0o600 });
  const config = parseConfig({ ...siteConfig(broker.url), timeouts: { resultMs: 500 } });
  const agent = new Agent({ config, dataDir, demo: true, log: quiet, trustAnchors: [customers.trustAnchor] });
  try {
    await central.start(broker.url);
    await agent.start();
    const cards = agent.cards as SimulatedCardPort;
    const ids: string[] = [];
    let queuedWhileDown = 0;
    for (let n = 0; n < TOTAL; n++) {
      if (n === Math.floor(TOTAL * 0.3)) await broker.stop();
      if (n === Math.floor(TOTAL * 0.7)) {
        queuedWhileDown = agent.register.outbox.count();
        await broker.restart();
      }
      const card = customers.scenarios[n % 3]!.card;
      const done = new Promise<VerificationRecord>((resolve) => agent.session.once('done', resolve));
      cards.place(card);
      agent.session.submitAccessKey(qrText(card));
      ids.push((await done).id);
      cards.lift();
      await waitFor(() => !agent.session.busy, 5000, 'the session to be ready');
    }
    assert.ok(queuedWhileDown >= TOTAL * 0.35, `events waited in the outbox while the broker was down (${queuedWhileDown})`);
    await waitFor(() => central.deliveries.size === TOTAL, 60_000, `${TOTAL} ids at the subscriber (have ${central.deliveries.size}, outbox ${agent.register.outbox.count()})`);
    assert.equal(new Set(central.deliveries.keys()), new Set(ids));
    assert.equal(central.conflicting(), []);
    // The subscriber may see the last events a moment before their PUBACKs reach the agent.
    await waitFor(() => agent.register.outbox.count() === 0, 10_000, 'the outbox to empty');
    console.log(`    ${TOTAL} verifications, ${queuedWhileDown} queued during the outage, ${central.replays()} QoS 1 replay(s) deduplicated by id`);
  } finally {
    await agent.stop();
    await central.stop();
    await broker.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
