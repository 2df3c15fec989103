// The agent with the real Node-RED process and the default site flows: simulated verifications of each
// kind, and what the indicator double and a local webhook receiver (127.0.0.1) see.
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureAccounts } from '../accounts/accounts.ts';
import { DemoCustomers } from './demo.ts';
import { adminToken, clockIn, flowsAgent, verifyOnce, waitUntil, webhookReceiver } from './node-red-test-support.ts';

const test = suite('node-red: the agent with the default site flows');
let dir = '';
let customers: DemoCustomers;
test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-node-red-'));
  customers = await DemoCustomers.create();
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('verified: relay pulse; clone: alarm; each verification POSTed signed, nothing personal; closed counter noticed', async () => {
  const hook = await webhookReceiver();
  const dataDir = join(dir, 'defaults');
  // Opening in two hours, closing in three: the counter is closed now.
  const { agent, played } = await flowsAgent(dataDir, customers, { webhookUrl: hook.url, openingTime: clockIn(120), closingTime: clockIn(180) });
  try {
    const runtime = agent.nodeRed!.runtime;
    const url = await runtime.whenReady(60_000);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.is((statSync(runtime.paths.credentialSecret).mode & 0o777).toString(8), '600');
    assert.is((statSync(join(dataDir, 'accounts.json')).mode & 0o777).toString(8), '600');
    await waitUntil(() => agent.nodeRed!.kioskNotice.notice === 'counter-closed', 30_000, 'the closed-counter notice');
    assert.match(agent.nodeRed!.kioskNotice.messageVi ?? '', /Quầy đã đóng cửa/);
    assert.equal(agent.kioskNotice.current(), agent.nodeRed!.kioskNotice, 'the notice reaches the board the kiosk page reads');

    const verified = await verifyOnce(agent, customers, 0);
    assert.is(verified.decision, 'verified');
    await waitUntil(() => played.some((p) => p.pattern === 'relay-pulse'), 30_000, 'the relay pulse');
    await waitUntil(() => hook.got.length === 1, 30_000, 'the first webhook POST');
    const clone = await verifyOnce(agent, customers, 2);
    assert.is(clone.decision, 'rejected');
    await waitUntil(() => played.some((p) => p.pattern === 'alarm'), 30_000, 'the alarm');
    await waitUntil(() => hook.got.length === 2, 30_000, 'the second webhook POST');
    assert.equal(played, [{ pattern: 'relay-pulse', durationMs: 1000 }, { pattern: 'alarm', durationMs: 3000 }], 'one relay pulse for the verified customer, one alarm for the clone, nothing else');

    const secret = readFileSync(runtime.paths.webhookSecret, 'utf8').trim();
    for (const [i, record] of [verified, clone].entries()) {
      const { headers, body } = hook.got[i]!;
      const expected = createHmac('sha256', secret).update(`${headers['x-xacminh-timestamp']}.${body}`).digest('hex');
      assert.is(headers['x-xacminh-signature'], `sha256=${expected}`, 'signed with the device’s webhook secret');
      const sent = JSON.parse(body) as Record<string, unknown>;
      assert.is(sent.id, record.id);
      assert.is(sent.type, 'verification');
      assert.is(sent.decision, record.decision);
      assert.not.ok('person' in sent, 'privacy "none": no personal data');
      assert.not.match(body, record.identity!.idNumber, 'no ID number');
      assert.not.match(body, record.identity!.fullName, 'no name');
    }
    assert.is((JSON.parse(hook.got[1]!.body) as { cloneSuspected: boolean }).cloneSuspected, true);

    // The editor's API is behind the technician login.
    assert.is((await fetch(`${url}flows`)).status, 401);
    assert.is(await adminToken(url, 'demo-technician', 'wrong-password-123'), null);
    const [inspector] = await ensureAccounts(dataDir, [{ username: 'inspector.test', role: 'inspector' }]);
    assert.is(await adminToken(url, 'inspector.test', inspector!.password!), null, 'a police inspector account does not open the editor');
    const token = await adminToken(url, 'demo-technician', agent.nodeRed!.firstAccount!.password);
    assert.ok(token);
    const flows = await fetch(`${url}flows`, { headers: { authorization: `Bearer ${token}` } });
    assert.is(flows.status, 200);
    assert.ok(((await flows.json()) as { type: string }[]).some((n) => n.type === 'xacminh-webhook'));
    // The site node's edit dialog reads the settings in force, behind the same login.
    assert.is((await fetch(`${url}xacminh-site/current`)).status, 401);
    const site = (await (await fetch(`${url}xacminh-site/current`, { headers: { authorization: `Bearer ${token}` } })).json()) as { webhookUrl: string; privacy: string };
    assert.equal([site.webhookUrl, site.privacy], [hook.url, 'none']);

    // A technician sets the hours in the site node and deploys: a bad value changes nothing, a good one applies.
    const deploy = async (fields: Record<string, string>) => {
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'node-red-api-version': 'v1', 'node-red-deployment-type': 'full' };
      const current = (await (await fetch(`${url}flows`, { headers })).json()) as { id: string }[];
      const edited = current.map((n) => (n.id === 'site' ? { ...n, ...fields } : n));
      assert.is((await fetch(`${url}flows`, { method: 'POST', headers, body: JSON.stringify(edited) })).status, 204);
    };
    const closingBefore = agent.config.nodeRed.closingTime;
    await deploy({ closingTime: '25:00' });
    await deploy({ closingTime: '', openingTime: '07:15' });
    await waitUntil(() => agent.config.nodeRed.openingTime === '07:15', 30_000, 'the opening time applied');
    assert.is(agent.config.nodeRed.closingTime, closingBefore, 'the refused closing time changed nothing');
  } finally {
    await agent.stop();
    await hook.close();
  }
});

test('a webhook that is down gets retries with the same delivery id, and verifications go on meanwhile', async () => {
  const hook = await webhookReceiver();
  hook.down = true;
  const dataDir = join(dir, 'down');
  const { agent } = await flowsAgent(dataDir, customers, { webhookUrl: hook.url, privacy: 'masked-id' });
  try {
    await agent.nodeRed!.runtime.whenReady(60_000);
    const first = await verifyOnce(agent, customers, 0);
    await waitUntil(() => hook.got.length >= 2, 30_000, 'a retry');
    // The receiver is still refusing: the next customer is served all the same.
    const second = await verifyOnce(agent, customers, 0);
    assert.is(second.decision, 'verified');
    assert.ok(hook.got.every((g) => g.status === 503));
    hook.down = false;
    await waitUntil(() => hook.got.some((g) => g.status === 204 && JSON.parse(g.body).id === first.id), 60_000, 'the first verification delivered once the receiver is back');
    const attempts = hook.got.filter((g) => JSON.parse(g.body).id === first.id);
    assert.ok(attempts.length >= 3, `retried: ${attempts.length} attempts`);
    assert.equal(new Set(attempts.map((a) => a.headers['x-xacminh-delivery'])), new Set([first.id]));
    const person = (JSON.parse(attempts.at(-1)!.body) as { person?: { idNumberMasked: string; fullName?: string } }).person;
    assert.is(person?.idNumberMasked, `${'*'.repeat(first.identity!.idNumber.length - 4)}${first.identity!.idNumber.slice(-4)}`, 'privacy "masked-id": the ID number masked');
    assert.is(person?.fullName, undefined, 'and no name');
  } finally {
    await agent.stop();
    await hook.close();
  }
  // Stopped cleanly, the runtime flushed the daily summary's counts to its file context store.
  const summary = JSON.parse(readFileSync(join(dataDir, 'node-red', 'context', 'xacminh-tab', 'flow.json'), 'utf8')) as { summary: { byDecision: Record<string, number> } };
  assert.equal(summary.summary.byDecision, { verified: 2 });
});

test.run();
