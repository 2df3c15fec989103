/**
 * Verification latency with the site flows: no Node-RED, Node-RED with the default flows, and Node-RED with
 * a function node in an endless loop (the runtime is killed and restarted meanwhile). Prints the median and
 * p95 of record time (card + QR → recorded) per case; nothing is asserted (see agent/run/node-red-isolation.test.ts).
 * Usage: node --import tsx bench/node-red-isolation.ts [--runs 20]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../agent/config/load.ts';
import { Agent } from '../agent/run/agent.ts';
import { DemoCustomers } from '../agent/run/demo.ts';
import { adminToken, flowsAgent, quiet, verifyOnce } from '../agent/run/node-red-test-support.ts';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 20) || 20;
const dir = mkdtempSync(join(tmpdir(), 'xacminh-bench-node-red-'));
const customers = await DemoCustomers.create();

async function measure(agent: Agent): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await verifyOnce(agent, customers, i % 3 === 2 ? 2 : 0);
    times.push(performance.now() - started);
  }
  return times;
}

function summary(name: string, times: number[], extra = ''): void {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  console.log(`| ${name} | ${times.length} | ${at(0.5).toFixed(0)} | ${at(0.95).toFixed(0)} | ${sorted.at(-1)!.toFixed(0)} | ${extra} |`);
}

console.log('| case | verifications | median ms | p95 ms | max ms | runtime |');
console.log('|---|---|---|---|---|---|');
try {
  const plain = new Agent({ config: parseConfig({ face: { enabled: false, required: false }, ui: { enabled: false }, inspection: { enabled: false } }), dataDir: join(dir, 'plain'), demo: true, log: quiet, trustAnchors: [customers.trustAnchor] });
  await plain.start();
  await measure(plain); // warm-up
  summary('no Node-RED', await measure(plain), '—');
  await plain.stop();

  const flows = await flowsAgent(join(dir, 'flows'), customers, {});
  await flows.agent.nodeRed!.runtime.whenReady(60_000);
  await measure(flows.agent);
  summary('default flows', await measure(flows.agent), `${flows.played.length} patterns played`);
  await flows.agent.stop();

  const looping = await flowsAgent(join(dir, 'loop'), customers, {}, { nodeRedRuntime: { pingMs: 500, missedPings: 4, backoffMs: 500, maxBackoffMs: 4000 } });
  const runtime = looping.agent.nodeRed!.runtime;
  const url = await runtime.whenReady(60_000);
  const token = await adminToken(url, 'demo-technician', looping.agent.nodeRed!.firstAccount!.password);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'node-red-api-version': 'v1', 'node-red-deployment-type': 'full' };
  const current = (await (await fetch(`${url}flows`, { headers })).json()) as object[];
  const loop = [
    { id: 'loop-source', type: 'xacminh-verification', z: 'xacminh-tab', filter: 'all', x: 160, y: 640, wires: [['loop']] },
    { id: 'loop', type: 'function', z: 'xacminh-tab', func: 'while (true) {}\nreturn msg;', outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 380, y: 640, wires: [[]] },
  ];
  await fetch(`${url}flows`, { method: 'POST', headers, body: JSON.stringify([...current, ...loop]) });
  summary('endless loop in a flow', await measure(looping.agent), `restarted ${runtime.restarts}×`);
  await looping.agent.stop();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
