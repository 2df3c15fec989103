// A flow that never returns (a function node with an endless loop) must not stop, slow or change a
// verification: the runtime is another process; the agent notices it no longer answers, kills it and
// starts it again. How long verifications take meanwhile is measured in bench/node-red-isolation.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DemoCustomers } from './demo.ts';
import { adminToken, flowsAgent, verifyOnce, waitUntil } from './node-red-test-support.ts';

const test = suite('node-red: isolation from verification');
let dir = '';
let customers: DemoCustomers;
test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-node-red-loop-'));
  customers = await DemoCustomers.create();
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

const ENDLESS_LOOP = 'while (true) {}\nreturn msg;';
const EAT_MEMORY = 'const kept = [];\nfor (;;) kept.push(new Array(1e5).fill(Math.random()));';

/** Deploys the current flows plus a function (`func`) fed by every verification, as a technician could. */
async function deployFunction(url: string, token: string, func: string): Promise<void> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'node-red-api-version': 'v1', 'node-red-deployment-type': 'full' };
  const flows = (await (await fetch(`${url}flows`, { headers })).json()) as object[];
  const loop = [
    { id: 'loop-source', type: 'xacminh-verification', z: 'xacminh-tab', filter: 'all', x: 160, y: 640, wires: [['loop']] },
    { id: 'loop', type: 'function', z: 'xacminh-tab', name: 'broken rule', func, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 380, y: 640, wires: [[]] },
  ];
  const response = await fetch(`${url}flows`, { method: 'POST', headers, body: JSON.stringify([...flows, ...loop]) });
  if (!response.ok) throw new Error(`deploy refused: ${response.status} ${await response.text()}`);
}

/** Verification entries only: the register also holds its genesis entry. */
const verificationsIn = (agent: { register: { search(q: { kinds: string[]; limit: number }): { total: number } } }) => agent.register.search({ kinds: ['verification'], limit: 1 }).total;

test('an endless loop in a flow: verifications go on and are recorded, the agent restarts the runtime', async () => {
  const { agent } = await flowsAgent(join(dir, 'loop'), customers, {}, { nodeRedRuntime: { pingMs: 200, missedPings: 5, backoffMs: 200, maxBackoffMs: 1000 } });
  try {
    const runtime = agent.nodeRed!.runtime;
    const url = await runtime.whenReady(60_000);
    const token = await adminToken(url, 'demo-technician', agent.nodeRed!.firstAccount!.password);
    await deployFunction(url, token!, ENDLESS_LOOP);
    const stuck = new Promise<void>((resolve) => runtime.once('stuck', () => resolve()));

    const first = await verifyOnce(agent, customers, 0);
    // The runtime is now spinning in the loop; the next customers are served regardless.
    const second = await verifyOnce(agent, customers, 2);
    const third = await verifyOnce(agent, customers, 0);
    assert.equal([first.decision, second.decision, third.decision], ['verified', 'rejected', 'verified'], 'decisions as without any flow');
    assert.is(verificationsIn(agent), 3, 'every verification recorded');
    await stuck;
    await waitUntil(() => runtime.restarts >= 1 && runtime.state === 'running', 60_000, 'the runtime restarted');
    const fourth = await verifyOnce(agent, customers, 0);
    assert.is(fourth.decision, 'verified');
    assert.is(verificationsIn(agent), 4);
    assert.is(agent.orchestrator.status.get('session')?.state, 'running');
  } finally {
    await agent.stop();
  }
  assert.is(agent.nodeRed!.runtime.state, 'stopped', 'stop() ends even a runtime stuck in a loop');
});

test('a flow that eats memory hits the runtime’s heap limit: the runtime dies and is restarted, the verification stands', async () => {
  const { agent } = await flowsAgent(join(dir, 'memory'), customers, { maxOldSpaceMb: 96 }, { nodeRedRuntime: { backoffMs: 300, missedPings: 60 } }); // only the heap limit ends it
  try {
    const runtime = agent.nodeRed!.runtime;
    const url = await runtime.whenReady(60_000);
    await deployFunction(url, (await adminToken(url, 'demo-technician', agent.nodeRed!.firstAccount!.password))!, EAT_MEMORY);
    const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => runtime.once('exit', resolve));
    const record = await verifyOnce(agent, customers, 0);
    assert.is(record.decision, 'verified');
    const { code, signal } = await exit;
    assert.ok(signal === 'SIGABRT' || (code !== null && code !== 0), `out of memory: ${signal ?? code}`);
    await waitUntil(() => runtime.restarts >= 1, 60_000, 'the runtime restarted');
    assert.is(verificationsIn(agent), 1);
  } finally {
    await agent.stop();
  }
});

test('a runtime that dies is started again; a verification made meanwhile reaches the flows once it is back', async () => {
  const { agent, played } = await flowsAgent(join(dir, 'crash'), customers, {}, { nodeRedRuntime: { backoffMs: 500 } });
  try {
    const runtime = agent.nodeRed!.runtime;
    await runtime.whenReady(60_000);
    const pid = runtime.pid!;
    const exited = new Promise<void>((resolve) => runtime.once('exit', () => resolve()));
    process.kill(pid, 'SIGKILL');
    await exited;
    assert.is(runtime.state, 'restarting');
    const record = await verifyOnce(agent, customers, 0);
    assert.is(record.decision, 'verified', 'served while the runtime is down');
    await waitUntil(() => runtime.state === 'running' && runtime.restarts === 1, 60_000, 'the runtime back');
    assert.is.not(runtime.pid, pid);
    await waitUntil(() => played.some((p) => p.pattern === 'relay-pulse'), 30_000, 'the queued verification’s relay pulse');
    assert.is(runtime.dropped, 0);
  } finally {
    await agent.stop();
  }
});

test.run();
