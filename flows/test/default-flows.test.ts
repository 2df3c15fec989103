// The shipped default flows (default-flows.json) in Node-RED's test harness with the real core nodes: the
// daily summary counts the day's verifications by decision and reason and goes to the shop's URL at closing
// time. (Relay, alarm, webhook and hours with the real runtime: agent/run/node-red.test.ts.)
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import helper from 'node-red-node-test-helper';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BridgeDouble, sampleVerification } from './bridge-double.ts';

const require = createRequire(import.meta.url);
helper.init(require.resolve('node-red'));
const core = (path: string) => require(require.resolve(`@node-red/nodes/core/${path}`, { paths: [require.resolve('node-red')] }));
const nodes = [
  ...['verification', 'indicator', 'site', 'status', 'webhook'].map((name) => require(`../nodes/${name}.js`)),
  core('function/10-function.js'),
  core('function/10-switch.js'),
  core('function/15-change.js'),
  core('common/90-comment.js'),
];
const defaultFlows = JSON.parse(readFileSync(new URL('../default-flows.json', import.meta.url), 'utf8')) as { id: string; type: string }[];

const test = suite('flows: the default site flows');
test.after.each(async () => {
  await helper.unload();
});

test('the day’s verifications are counted by decision and reason and POSTed, signed, at closing time', async () => {
  const got: { body: string; signature: string; timestamp: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ body, signature: String(req.headers['x-xacminh-signature']), timestamp: String(req.headers['x-xacminh-timestamp']) });
      res.statusCode = 204;
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const bridge = new BridgeDouble();
    bridge.siteNow = { ...bridge.siteNow, webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` };
    bridge.clock = new Date('2026-03-02T10:00:00Z'); // 17:00 in Hồ Chí Minh City: open
    helper.settings({ xacminh: bridge });
    // The helper has no file context store: the counts go to the default (memory) one here.
    const flows = defaultFlows.map((n) => (n.type === 'function' ? { ...n, func: (n as unknown as { func: string }).func.replaceAll(", 'file')", ')') } : n));
    await helper.load(nodes, flows);
    bridge.emit('verification', sampleVerification({ id: 'a' }));
    bridge.emit('verification', sampleVerification({ id: 'b' }));
    bridge.emit('verification', sampleVerification({ id: 'c', decision: 'rejected', cloneSuspected: true, reasons: [{ code: 'chip-auth-failed', messageVi: 'nghi chip sao chép' }] }));
    for (let i = 0; i < 500 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    assert.is(got.length, 3, 'each verification POSTed');
    assert.equal(bridge.indicated, [{ pattern: 'relay-pulse', durationMs: 1000 }, { pattern: 'relay-pulse', durationMs: 1000 }, { pattern: 'alarm', durationMs: 3000 }]);

    bridge.clock = new Date('2026-03-02T14:00:05Z'); // 21:00:05, closing time
    bridge.emit('site', bridge.siteNow); // the status node re-checks the hours on a site change, as on its tick
    for (let i = 0; i < 500 && got.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    const summary = JSON.parse(got[3]!.body) as Record<string, unknown>;
    assert.equal({ type: summary.type, day: summary.day, total: summary.total, byDecision: summary.byDecision, byReason: summary.byReason }, {
      type: 'daily-summary',
      day: '2026-03-02',
      total: 3,
      byDecision: { verified: 2, rejected: 1 },
      byReason: { 'chip-auth-failed': 1 },
    });
    const expected = createHmac('sha256', 'test-webhook-secret').update(`${got[3]!.timestamp}.${got[3]!.body}`).digest('hex');
    assert.is(got[3]!.signature, `sha256=${expected}`);
    for (let i = 0; i < 500 && bridge.notices.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    // Made inside the function node's sandbox (another realm): compared as JSON.
    const notices = JSON.parse(JSON.stringify(bridge.notices)) as unknown[];
    assert.equal(notices[0], { notice: null }, 'open at deploy: no notice');
    assert.equal(notices[1], { notice: 'counter-closed', messageVi: 'Quầy đã đóng cửa. Giờ mở cửa: 08:00 – 21:00.' });
  } finally {
    server.close();
  }
});

test.run();
