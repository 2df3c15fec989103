/**
 * bench/drain-load: a terminal back online after weeks offline drains its outbox while customers are verified
 * (issue 14, "Under load"). Does a verification (card → decision) stay within 10 % of its idle p95, and does
 * the kiosk stay responsive, while a 100,000-event backlog drains to a real Mosquitto?
 *
 *   node --import tsx bench/drain-load.ts [--backlog 100000] [--rounds 4] [--idle-runs 12] [--settle 250]
 *
 * One agent in-process (simulated reader, card and camera, face step on with activeLiveness off as `xacminh
 * start` runs it for a still picture, kiosk on a loopback port), delivering to Mosquitto (MQTT 5). Each round:
 * Mosquitto is stopped, `--backlog` real signed events (1,000 built, reused under unique ids) are written into
 * the register's outbox in one transaction (not timed), Mosquitto restarts and the publisher reconnects; the
 * card holder is then verified back to back while the backlog drains ("draining": runs that end before the
 * outbox is empty), then `--idle-runs` more with the outbox empty ("idle"). Alternating in one warm process
 * keeps drift (JIT, page cache, the VM's neighbours) out of the ratio.
 *
 * The kiosk's responsiveness is a GET /healthz every 100 ms (round trip through the agent's HTTP server on the
 * same event loop), and the event loop's delay (perf_hooks histogram), each split by the same two states.
 * No subscriber: on a terminal the central subscriber is on another machine, not on the terminal's CPU.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { ulid } from 'ulid';
import type { SimulatedCamera } from '../drivers/sim/sim-camera.ts';
import { parseConfig } from '../agent/config/load.ts';
import { buildVerificationEvent } from '../agent/events/event.ts';
import { sampleRecord, testKeys } from '../agent/events/events-test-support.ts';
import { MosquittoHarness, mosquittoMissing } from '../agent/events/mosquitto-harness.ts';
import type { VerificationRecord } from '../agent/session/record.ts';
import type { SimulatedCardPort } from '../agent/session/sim-card-port.ts';
import { Agent } from '../agent/run/agent.ts';
import { DemoCustomers, qrText } from '../agent/run/demo.ts';
import { arg, f1, quantile, sleep, until } from './support.ts';

const backlog = Number(arg('backlog', '100000'));
const rounds = Number(arg('rounds', '4'));
const idleRuns = Number(arg('idle-runs', '12'));
const settleMs = Number(arg('settle', '250'));

const SITE = 'bench-site';
const DEVICE = 'bench-terminal';
const quiet = { info() {}, warn() {}, error() {} };
type State = 'idle' | 'draining';
/** 'setup' (the backlog written by this process, Mosquitto restarting) is measured by nothing. */
type Phase = State | 'setup';

const missing = mosquittoMissing();
if (missing) {
  console.log(missing);
  process.exit(0);
}

function httpGet(url: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - started));
    }).on('error', reject);
  });
}

const keys = testKeys();
const samples = await Promise.all(Array.from({ length: 1000 }, () => buildVerificationEvent(sampleRecord(), keys)));
const customers = await DemoCustomers.create();
const holder = customers.scenarios[0]!;

const harness = new MosquittoHarness({ siteId: SITE, devices: [{ id: DEVICE, password: 'pw-device' }], observer: { username: 'central', password: 'pw-central' } });
await harness.start();
const dataDir = mkdtempSync(join(tmpdir(), 'xacminh-bench-drain-'));
writeFileSync(join(dataDir, 'mqtt-password'), 'pw-device\n', { mode: 0o600 });
const config = parseConfig({
  siteId: SITE,
  deviceId: DEVICE,
  mqtt: { kind: 'broker', url: harness.url, protocolVersion: 5, username: DEVICE, passwordFile: 'mqtt-password' },
  ui: { enabled: true, port: 0 },
  face: { enabled: true, activeLiveness: false },
  // Room for the whole backlog: held events would be a different path (promoted as the outbox empties).
  outboxCapacity: backlog * 2,
});
const agent = new Agent({ config, dataDir, demo: true, log: quiet, trustAnchors: [customers.trustAnchor] });

const decisions: Record<State, number[]> = { idle: [], draining: [] };
const healthz: Record<State, number[]> = { idle: [], draining: [] };
const loopDelay: Record<State, number[]> = { idle: [], draining: [] };
const drainSeconds: number[] = [];
const healthzErrors: string[] = [];
let state: Phase = 'setup';
let histogram = monitorEventLoopDelay({ resolution: 5 });

const currentPhase = (): Phase => state;

/** Closes the event-loop histogram of the state that ends (p99 and max, ms) and starts a new one. */
function switchState(next: Phase): void {
  histogram.disable();
  if (state !== 'setup' && histogram.count > 0) loopDelay[state].push(histogram.percentile(99) / 1e6, histogram.max / 1e6);
  state = next;
  histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
}

async function verifyOnce(): Promise<{ ms: number; record: VerificationRecord }> {
  const cards = agent.cards as SimulatedCardPort;
  const done = new Promise<VerificationRecord>((resolve) => agent.session.once('done', resolve));
  const t0 = performance.now();
  cards.place(holder.card);
  agent.session.submitAccessKey(qrText(holder.card));
  const record = await done;
  const ms = performance.now() - t0;
  cards.lift();
  await until(() => !agent.session.busy, 5000, 'the session to be ready again');
  return { ms, record };
}

let polling = true;
let pollLoop: Promise<void> = Promise.resolve();
try {
  const progress = (line: string) => process.stderr.write(`  (${line})\n`);
  await agent.start();
  progress('agent started');
  const failed = agent.orchestrator.failed().map((p) => `${p.name}: ${p.error?.message ?? ''}`);
  if (failed.length) throw new Error(`parts not running: ${failed.join('; ')}`);
  const raw = new Database(agent.paths.register);
  raw.pragma('busy_timeout = 5000');
  const outboxCount = raw.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM outbox');
  // The backlog is the rows of one fill (a seq range); the event of the verification just made is not part of it.
  const backlogLeft = raw.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM outbox WHERE seq <= ?');
  const lastSeq = raw.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM outbox');
  const insert = raw.prepare<[string, string, string, string]>('INSERT INTO outbox (id, topic, payload, created_at) VALUES (?, ?, ?, ?)');
  const fill = raw.transaction((n: number) => {
    const createdAt = new Date().toISOString();
    for (let i = 0; i < n; i++) {
      const sample = samples[i % samples.length]!;
      insert.run(ulid(), sample.topic, sample.payload, createdAt);
    }
  });

  await (agent.camera as SimulatedCamera).show(holder.atCamera);
  await sleep(settleMs);
  for (let i = 0; i < 3; i++) await verifyOnce(); // warm-up: models, JIT, SQLite pages
  progress('warmed up');
  await until(() => outboxCount.get()!.n === 0, 10_000, 'the warm-up events to leave');

  pollLoop = (async () => {
    while (polling) {
      const at = currentPhase();
      const ms = await httpGet(`${agent.uiUrl}/healthz`).catch((error: Error) => {
        healthzErrors.push(`${at}: ${error.message}`);
        return NaN;
      });
      if (at !== 'setup' && at === currentPhase() && Number.isFinite(ms)) healthz[at].push(ms);
      await sleep(100);
    }
  })();
  for (let round = 0; round < rounds; round++) {
    switchState('setup');
    await harness.stop();
    fill(backlog);
    const backlogEnd = lastSeq.get()!.seq ?? 0;
    await harness.restart();
    await until(() => agent.publisher.isConnected, 60_000, 'the publisher to reconnect');
    progress(`round ${round + 1}: ${backlogLeft.get(backlogEnd)!.n} backlog events waiting, publisher connected`);
    const drainStart = performance.now();
    switchState('draining');
    let drained = false;
    while (!drained) {
      const { ms, record } = await verifyOnce();
      if (record.decision !== 'verified') throw new Error(`the card holder was not verified: ${record.reasons.map((r) => r.code).join(', ')}`);
      const left = backlogLeft.get(backlogEnd)!.n;
      drained = left === 0;
      if (process.env.DRAIN_DEBUG) progress(`run ${ms.toFixed(0)} ms, ${left} backlog events waiting`);
      // A run that ended after the last backlog event left ran partly idle: not counted as draining.
      if (!drained) decisions.draining.push(ms);
    }
    drainSeconds.push((performance.now() - drainStart) / 1000);
    switchState('idle');
    for (let i = 0; i < idleRuns; i++) decisions.idle.push((await verifyOnce()).ms);
  }
  switchState('setup');
  raw.close();
} finally {
  polling = false;
  await pollLoop.catch(() => undefined);
  await agent.stop();
  await harness.dispose();
  rmSync(dataDir, { recursive: true, force: true });
}

const row = (name: string, values: Record<State, number[]>, pick: (v: number[]) => number) => {
  const idle = pick(values.idle);
  const draining = pick(values.draining);
  return `| ${name} | ${f1(idle)} | ${f1(draining)} | ${Number.isFinite(idle) && idle > 0 ? (draining / idle).toFixed(2) : '–'} |`;
};
console.log(`${rounds} rounds of a ${backlog}-event backlog to Mosquitto (MQTT 5) with the card holder verified back to back; node ${process.version}; ${cpus().length} CPUs; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at end`);
console.log(`runs: ${decisions.draining.length} while draining, ${decisions.idle.length} idle; drain took ${drainSeconds.map((s) => s.toFixed(1)).join(' / ')} s (${Math.round(backlog / quantile(drainSeconds, 0.5))} events/s median)`);
console.log(`kiosk requests that failed: ${healthzErrors.length}${healthzErrors.length ? ` (${[...new Set(healthzErrors)].join('; ')})` : ''}`);
console.log('');
console.log('| figure (ms) | idle | draining | ratio |');
console.log('|---|---|---|---|');
console.log(row('card → decision, median', decisions, (v) => quantile(v, 0.5)));
console.log(row('card → decision, p95', decisions, (v) => quantile(v, 0.95)));
console.log(row('kiosk GET /healthz, median', healthz, (v) => quantile(v, 0.5)));
console.log(row('kiosk GET /healthz, p95', healthz, (v) => quantile(v, 0.95)));
console.log(row('kiosk GET /healthz, max', healthz, (v) => Math.max(...v)));
console.log(row('event-loop delay p99 (worst phase)', { idle: loopDelay.idle.filter((_, i) => i % 2 === 0), draining: loopDelay.draining.filter((_, i) => i % 2 === 0) }, (v) => Math.max(...v)));
console.log(row('event-loop delay max (worst phase)', { idle: loopDelay.idle.filter((_, i) => i % 2 === 1), draining: loopDelay.draining.filter((_, i) => i % 2 === 1) }, (v) => Math.max(...v)));
