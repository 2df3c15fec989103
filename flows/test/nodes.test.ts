// Each xacminh node in Node-RED's own test harness (node-red-node-test-helper): the messages it sends, its
// status, its errors, and what it lets go of on close. The agent's side is the bridge double.
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import helper, { type TestNode } from 'node-red-node-test-helper';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BridgeDouble, sampleVerification } from './bridge-double.ts';

const require = createRequire(import.meta.url);
helper.init(require.resolve('node-red'));
const verificationNode = require('../nodes/verification.js');
const indicatorNode = require('../nodes/indicator.js');
const siteNode = require('../nodes/site.js');
const statusNode = require('../nodes/status.js');
const webhookNode = require('../nodes/webhook.js');

const test = suite('flows: xacminh nodes');
let bridge: BridgeDouble;
test.before.each(() => {
  bridge = new BridgeDouble();
  helper.settings({ xacminh: bridge });
});
test.after.each(async () => {
  await helper.unload();
});

/** The next `count` messages a helper node receives. */
function collect(node: TestNode, count: number): Promise<Record<string, unknown>[]> {
  const got: Record<string, unknown>[] = [];
  return new Promise((resolve) => node.on('input', (msg: never) => {
    got.push(msg);
    if (got.length === count) resolve(got);
  }));
}
function nextCall(node: TestNode, method: 'status' | 'error' | 'send'): Promise<{ args: unknown[] }> {
  return new Promise((resolve) => node.on(`call:${method}`, (call: never) => resolve(call)));
}
/** Every first argument `method` is called with on `node` from now on. */
function recordCalls(node: TestNode, method: 'status'): unknown[] {
  const calls: unknown[] = [];
  node.on(`call:${method}`, (call: never) => calls.push((call as { args: unknown[] }).args[0]));
  return calls;
}
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`never happened: ${what}`);
}

test('verification: one message per verification the filter accepts, status shows the last decision, close stops listening', async () => {
  await helper.load([verificationNode], [
    { id: 'v', type: 'xacminh-verification', filter: 'not-genuine', wires: [['out']] },
    { id: 'out', type: 'helper' },
  ]);
  const out = helper.getNode('out');
  const got = collect(out, 1);
  const statuses = recordCalls(helper.getNode('v'), 'status');
  bridge.emit('verification', sampleVerification({ id: 'genuine-one' }));
  bridge.emit('verification', sampleVerification({ id: 'clone-one', decision: 'rejected', cloneSuspected: true, chip: { verdict: 'not-genuine', passive: 'passed', active: 'failed', chip: 'passed', accessProtocol: 'PACE' } }));
  const [msg] = await got;
  assert.is(msg!.topic, 'verification/rejected');
  assert.is((msg!.payload as { id: string }).id, 'clone-one', 'the genuine card was filtered out');
  await until(() => statuses.some((s) => JSON.stringify(s) === JSON.stringify({ fill: 'red', shape: 'dot', text: 'rejected 03:00:04' })), 'the red status');
  assert.not.ok(statuses.some((s) => JSON.stringify(s).includes('verified')), 'no status for the filtered-out card');
  assert.is(bridge.listenerCount('verification'), 1);
  await helper.unload();
  assert.is(bridge.listenerCount('verification'), 0, 'close removed the listener');
});

test('verification: without the agent the node says so and sends nothing', async () => {
  helper.settings({ xacminh: undefined });
  await helper.load([verificationNode], [{ id: 'v', type: 'xacminh-verification', filter: 'all', wires: [] }]);
  const v = helper.getNode('v') as TestNode & { status: { lastCall?: { args: unknown[] } } };
  await until(() => Boolean(v.status.lastCall), 'a status');
  assert.equal(v.status.lastCall!.args[0], { fill: 'red', shape: 'ring', text: 'xacminh-verification.status.no-agent' });
});

test('indicator: a pattern name, an object, or the node default reach the agent; a refusal is an error and a red status', async () => {
  await helper.load([indicatorNode], [{ id: 'i', type: 'xacminh-indicator', pattern: 'relay-pulse', durationMs: 1000, wires: [] }]);
  const i = helper.getNode('i');
  i.receive({ payload: 'alarm' });
  i.receive({ payload: { pattern: 'beep', durationMs: 200 } });
  i.receive({ payload: 1 });
  await until(() => bridge.indicated.length === 3, 'three requests');
  const statuses = recordCalls(i, 'status');
  i.receive({ payload: 'green-blink' });
  await until(() => statuses.some((s) => JSON.stringify(s) === JSON.stringify({ fill: 'green', shape: 'dot', text: 'green-blink' })), 'the green status');
  bridge.indicated.pop();
  assert.equal(bridge.indicated, [{ pattern: 'alarm', durationMs: 1000 }, { pattern: 'beep', durationMs: 200 }, { pattern: 'relay-pulse', durationMs: 1000 }]);
  bridge.refuseIndicate = new Error('pattern: invalid');
  const error = nextCall(i, 'error');
  i.receive({ payload: 'disco' });
  assert.match(String((await error).args[0]), /pattern: invalid/);
  i.receive({ topic: 'kiosk', payload: { notice: 'counter-closed', messageVi: 'Quầy đã đóng cửa.' } });
  await until(() => bridge.notices.length === 1, 'the kiosk notice');
  assert.equal(bridge.notices[0], { notice: 'counter-closed', messageVi: 'Quầy đã đóng cửa.' });

});

test('site: filled fields are written through the agent on deploy; a refused value is reported with the field name', async () => {
  await helper.load([siteNode], [{ id: 's', type: 'xacminh-site', webhookUrl: '', openingTime: '07:30', closingTime: '' }]);
  const s = helper.getNode('s') as TestNode & { applied: Promise<unknown>; settings(): { openingTime: string } };
  await s.applied;
  assert.equal(bridge.siteWrites, [{ openingTime: '07:30' }], 'empty fields keep the terminal’s value');
  assert.is(s.settings().openingTime, '07:30');
  await helper.unload();
  bridge.siteWrites = [];
  await helper.load([siteNode], [{ id: 's2', type: 'xacminh-site', webhookUrl: '', openingTime: '', closingTime: '25:99' }]);
  const s2 = helper.getNode('s2') as TestNode & { applied: Promise<unknown>; refused?: { field: string; message: string } };
  await s2.applied;
  assert.is(s2.refused?.field, 'nodeRed.closingTime', 'the field is named');
  assert.equal(bridge.site().closingTime, '21:00', 'nothing changed');
});

test('status: state at deploy, each new alarm, a lost reader and its fault, a new self-test result, the hours, and closing time once a day (injected clock)', async () => {
  bridge.clock = new Date('2026-03-02T13:59:00Z'); // 20:59 in Hồ Chí Minh City: open, a minute before closing
  await helper.load([statusNode], [
    { id: 'st', type: 'xacminh-status', tickMs: 20, wires: [['out']] },
    { id: 'out', type: 'helper' },
  ]);
  const out = helper.getNode('out');
  const first = collect(out, 2);
  const [state, hours] = await first;
  assert.is(state!.topic, 'state');
  assert.equal(hours, { ...hours, topic: 'hours', payload: { open: true, openingTime: '08:00', closingTime: '21:00', timeZone: 'Asia/Ho_Chi_Minh' } });
  const next = collect(out, 2);
  bridge.pushStatus({ ...bridge.statusNow, alarms: [{ code: 'CERTIFICATE_EXPIRING', message: 'expiring', messageVi: 'sắp hết hạn' }] });
  const [changed, alarm] = await next;
  assert.is(changed!.topic, 'state');
  assert.equal(alarm!.payload, { code: 'CERTIFICATE_EXPIRING', message: 'expiring', messageVi: 'sắp hết hạn' });
  const lost = collect(out, 2);
  bridge.pushStatus({ ...bridge.statusNow, state: 'degraded', reader: 'lost', faults: [{ device: 'reader', code: 'PCSC_UNAVAILABLE', message: 'pcscd is not running', at: '2026-03-02T13:59:30.000Z' }] });
  const [degraded, fault] = await lost;
  assert.equal([degraded!.topic, (degraded!.payload as { reader: string }).reader], ['state', 'lost']);
  assert.equal(fault, { ...fault, topic: 'fault', payload: { device: 'reader', code: 'PCSC_UNAVAILABLE', message: 'pcscd is not running', at: '2026-03-02T13:59:30.000Z' } });
  const tested = collect(out, 1);
  bridge.pushStatus({ ...bridge.statusNow, state: 'degraded', reader: 'lost', selfTest: { status: 'fail', finishedAt: '2026-03-02T13:59:40.000Z' } });
  assert.equal((await tested).map((m) => [m.topic, m.payload]), [['selftest', { status: 'fail', finishedAt: '2026-03-02T13:59:40.000Z' }]], 'a new self-test result, alone (nothing else changed)');
  const closing = collect(out, 2);
  bridge.clock = new Date('2026-03-02T14:00:30Z');
  const topics = (await closing).map((m) => m.topic).sort();
  assert.equal(topics, ['closing', 'hours']);
  const later: unknown[] = [];
  out.on('input', (msg: never) => later.push(msg));
  bridge.clock = new Date('2026-03-02T14:01:10Z');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(later, [], 'closing time is sent once');
  await helper.unload();
  assert.is(bridge.listenerCount('status'), 0);
});

function receiver(failFirst: number): Promise<{ server: Server; url: string; got: { headers: IncomingMessage['headers']; body: string }[] }> {
  const got: { headers: IncomingMessage['headers']; body: string }[] = [];
  let calls = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      calls++;
      got.push({ headers: req.headers, body });
      res.statusCode = calls <= failFirst ? 503 : 204;
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  return once(server, 'listening').then(() => ({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got }));
}

test('webhook: the body is signed with HMAC-SHA256 over timestamp.body, retried after 503s with the same delivery id', async () => {
  const hook = await receiver(2);
  try {
    await helper.load([webhookNode], [
      { id: 'w', type: 'xacminh-webhook', url: hook.url, attempts: 5, backoffMs: 20, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const delivered = collect(helper.getNode('out'), 1);
    helper.getNode('w').receive({ payload: sampleVerification() });
    const [msg] = await delivered;
    assert.is(msg!.attempts, 3);
    assert.is(hook.got.length, 3);
    const last = hook.got[2]!;
    const expected = createHmac('sha256', 'test-webhook-secret').update(`${last.headers['x-xacminh-timestamp']}.${last.body}`).digest('hex');
    assert.is(last.headers['x-xacminh-signature'], `sha256=${expected}`);
    assert.equal(new Set(hook.got.map((g) => g.headers['x-xacminh-delivery'])), new Set(['01JTESTVERIFICATION0000000A']));
    assert.equal(JSON.parse(last.body), sampleVerification());
  } finally {
    hook.server.close();
  }
});

test('webhook: a receiver that never answers 2xx gives up after the attempts with an error; close cancels retries', async () => {
  const hook = await receiver(Infinity);
  try {
    await helper.load([webhookNode], [{ id: 'w', type: 'xacminh-webhook', url: hook.url, attempts: 2, backoffMs: 10, wires: [] }], { w: { secret: 'own-secret' } });
    const w = helper.getNode('w');
    const error = nextCall(w, 'error');
    w.receive({ payload: { id: 'x' } });
    assert.match(String((await error).args[0]), /HTTP 503/);
    assert.is(hook.got.length, 2);
    const signature = createHmac('sha256', 'own-secret').update(`${hook.got[0]!.headers['x-xacminh-timestamp']}.${hook.got[0]!.body}`).digest('hex');
    assert.is(hook.got[0]!.headers['x-xacminh-signature'], `sha256=${signature}`, 'the node’s own key wins over the device’s');
  } finally {
    hook.server.close();
  }
});

test('webhook: close cancels the retries still waiting', async () => {
  const hook = await receiver(Infinity);
  try {
    await helper.load([webhookNode], [{ id: 'w', type: 'xacminh-webhook', url: hook.url, attempts: 5, backoffMs: 60_000, wires: [] }]);
    const w = helper.getNode('w') as TestNode & { pendingRetries(): number };
    w.receive({ payload: { id: 'y' } });
    await until(() => w.pendingRetries() === 1, 'the retry waiting');
    await helper.unload();
    assert.is(w.pendingRetries(), 0);
    assert.is(hook.got.length, 1);
  } finally {
    hook.server.close();
  }
});

test.run();
