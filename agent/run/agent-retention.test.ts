// The assembled agent applies the site's retention: the register data key is created with the register
// (0600), personal data older than register.retentionDays is purged at start and on the 24-hour tick, the
// purge is an entry, and the chain still verifies.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseConfig } from '../config/load.ts';
import { waitFor } from '../events/events-test-support.ts';
import { DAY_MS } from '../register/register-retention.ts';
import type { VerificationRecord } from '../session/record.ts';
import type { SimulatedCardPort } from '../session/sim-card-port.ts';
import { Agent } from './agent.ts';
import { DemoCustomers, qrText } from './demo.ts';

const quiet = { info() {}, warn() {}, error() {} };
const test = suite('agent retention');
let dir = '';
let customers: DemoCustomers;
test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-agent-retention-'));
  customers = await DemoCustomers.create();
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

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

test('purged at start and on each 24-hour tick: old personal data goes, the entries and the chain stay; the data key is made 0600', async () => {
  const dataDir = join(dir, 'data');
  const config = parseConfig({ face: { enabled: false }, ui: { enabled: false }, inspection: { enabled: false }, register: { retentionDays: 30 } });
  const realNow = Date.now();
  let now = realNow;
  let tick: (() => void) | undefined;
  const retention = { now: () => new Date(now), setInterval: (run: () => void) => ((tick = run), {}), clearInterval: () => undefined };

  const first = new Agent({ config, dataDir, demo: true, log: quiet, trustAnchors: [customers.trustAnchor], retention });
  await first.start();
  let old: VerificationRecord;
  try {
    old = await verifyOnce(first);
    assert.ok(first.register.get(old.id)!.record.identity, 'sealed, and readable with the data key');
    assert.is(statSync(first.paths.registerDataKey).mode & 0o777, 0o600);
    tick!();
    assert.is(first.register.search({ kinds: ['purge'] }).total, 0, 'nothing older than 30 days yet: no purge, no entry');
  } finally {
    await first.stop();
  }

  // 31 days later by the retention clock: the purge at start removes the first verification's personal data.
  now = realNow + 31 * DAY_MS;
  const second = new Agent({ config, dataDir, demo: true, log: quiet, trustAnchors: [customers.trustAnchor], retention });
  await second.start();
  try {
    const got = second.register.get(old.id)!;
    assert.equal({ identity: got.record.identity, frame: got.frameJpeg, decision: got.record.decision }, { identity: null, frame: null, decision: old.decision });
    const purges = second.register.search({ kinds: ['purge'] });
    assert.is(purges.total, 1, 'the purge is an entry');
    // Entries are stamped by the real clock, a month before the retention clock: the next tick purges this one too.
    const recent = await verifyOnce(second);
    assert.ok(second.register.get(recent.id)!.record.identity);
    tick!();
    assert.is(second.register.search({ kinds: ['purge'] }).total, 2, 'the 24-hour tick purges what became old');
    assert.is(second.register.get(recent.id)!.record.identity, null);
    tick!();
    assert.is(second.register.search({ kinds: ['purge'] }).total, 2, 'nothing new to purge: no entry');
    assert.ok(second.register.verify().ok);
  } finally {
    await second.stop();
  }
});

test.run();
