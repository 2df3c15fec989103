// The inspection page as a part of the assembled agent: started after the register, listing the agent's own
// verifications to a logged-in inspector, and gone when the agent stops.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureAccounts } from '../accounts/accounts.ts';
import { parseConfig } from '../config/load.ts';
import { waitFor } from '../events/events-test-support.ts';
import { Agent } from '../run/agent.ts';
import { DemoCustomers, qrText } from '../run/demo.ts';
import type { VerificationRecord } from '../session/record.ts';
import type { SimulatedCardPort } from '../session/sim-card-port.ts';
import { fingerprintOf, selfSignedPaths } from './tls.ts';

const quiet = { info() {}, warn() {}, error() {} };
const test = suite('inspection page in the agent');
let dir = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-inspection-agent-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

function call(url: string, ca: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string; cookie: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, cookie: res.headers['set-cookie']?.[0]?.split(';')[0] ?? '' }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('the agent serves the page on its self-signed certificate, lists its verifications to an inspector, and closes it on stop', async () => {
  const customers = await DemoCustomers.create();
  const config = parseConfig({ face: { enabled: false }, ui: { enabled: false }, inspection: { host: '127.0.0.1', port: 0 } });
  const dataDir = join(dir, 'data');
  const agent = new Agent({ config, dataDir, demo: true, log: quiet, trustAnchors: [customers.trustAnchor] });
  await agent.start();
  let url = '';
  try {
    assert.ok(agent.inspection, 'the page is running');
    url = agent.inspection.url;
    const ca = readFileSync(selfSignedPaths(agent.paths).cert, 'utf8');
    assert.is(agent.inspection.fingerprint, fingerprintOf(ca));
    assert.is(agent.inspection.certificate, 'self-signed');

    const card = customers.scenarios[0]!.card;
    const done = new Promise<VerificationRecord>((resolve) => agent.session.once('done', resolve));
    (agent.cards as SimulatedCardPort).place(card);
    agent.session.submitAccessKey(qrText(card));
    const record = await done;
    (agent.cards as SimulatedCardPort).lift();
    await waitFor(() => !agent.session.busy, 5000, 'the session to be ready again');

    assert.is((await call(`${url}/api/search`, ca, 'GET', {})).status, 401);
    const [account] = await ensureAccounts(dataDir, [{ username: 'canbo.agent', role: 'inspector' }]);
    const login = await call(`${url}/api/login`, ca, 'POST', { 'Content-Type': 'application/json', Origin: url }, JSON.stringify({ username: 'canbo.agent', password: account!.password }));
    assert.is(login.status, 200, login.text);
    const found = JSON.parse((await call(`${url}/api/search`, ca, 'GET', { Cookie: login.cookie })).text) as { items: { id: string; fullName: string }[] };
    assert.equal(found.items.map((i) => i.id), [record.id]);
    assert.is(found.items[0]!.fullName, record.identity!.fullName);
  } finally {
    await agent.stop();
  }
  const refused = await call(`${url}/api/me`, '', 'GET', {}).then(
    () => 'answered',
    (error: NodeJS.ErrnoException) => error.code,
  );
  assert.is(refused, 'ECONNREFUSED', 'the port is closed once the agent has stopped');
});

test.run();
