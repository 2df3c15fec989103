/**
 * The Node.js 24 smoke run: what a terminal in service runs (the compiled build) under the Node it runs
 * (24 LTS): the CLI on the virtual card, face-match (sharp is Node-API, so its prebuilt binary loads on any
 * Node), and the kiosk/operator pages over HTTP, none of which loads a native module built for one Node.
 * The agent itself needs better-sqlite3, a native module: npm run test:node24 gives it the Node-API release
 * that Node 24 needs (node24-modules.ts); when that cannot be done the agent's check is skipped saying why. Run from a compiled
 * build (`npm run test:node24` builds, then runs it).
 *
 * Output: one line per check, then one closing line that is deliberately not a test-runner summary.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoFace } from '../drivers/sim/demo-faces.ts';
import { demoIdNumber } from '../drivers/sim/make-card.ts';
import { SERVICE_ENVIRONMENT, SERVICE_NODE_FLAGS } from '../agent/run/service-env.ts';
import { openEvents, withServer } from '../agent/ui/test-helpers.ts';

type Outcome = { status: 'ok'; detail: string } | { status: 'skip'; why: string };

const MAIN = join(import.meta.dirname, '..', 'agent', 'cli', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'xacminh-node24-'));

function cli(args: string[], cwd = work, env: NodeJS.ProcessEnv = process.env, flags: readonly string[] = []) {
  const run = spawnSync(process.execPath, [...flags, MAIN, ...args], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, stdout: run.stdout ?? '', stderr: run.stderr ?? '', all: `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? String(run.error) : ''}` };
}

function expect(condition: unknown, what: string, output = ''): asserts condition {
  if (!condition) throw new Error(`${what}${output ? `\n--- output ---\n${output.slice(-3000)}` : ''}`);
}

async function readCard(): Promise<Outcome> {
  const run = cli(['read-card', '--sim', 'inprocess', '--id', demoIdNumber(), '--out', join(work, 'card'), '--json']);
  expect(run.status === 0, `read-card exited ${run.status}`, run.all);
  const read = JSON.parse(run.stdout) as { accessProtocol: string; personalData: { idNumber: string }; authenticity: { verdict: string } };
  expect(read.personalData.idNumber === demoIdNumber() && read.authenticity.verdict === 'genuine', 'read-card: wrong identity or verdict', run.stdout);
  return { status: 'ok', detail: `${read.accessProtocol}, chip ${read.authenticity.verdict}` };
}

async function faceMatch(): Promise<Outcome> {
  // The demo's faces, cut by sharp in this (Node 24) process: the chip photo and one frame per person.
  const photo = join(work, 'holder-photo.jpg');
  writeFileSync(photo, await demoFace('holder'));
  const results: string[] = [];
  for (const [who, expected, exit] of [['holder', 'match', 0], ['impostor', 'no-match', 3]] as const) {
    const frames = join(work, `frames-${who}`);
    mkdirSync(frames);
    writeFileSync(join(frames, '0001.jpg'), await demoFace(who));
    const run = cli(['face-match', '--photo', photo, '--frames', frames, '--no-liveness', '--json']);
    expect(run.status === exit, `face-match ${who}: exit ${run.status}, expected ${exit}`, run.all);
    const evidence = JSON.parse(run.stdout) as { decision: string; similarity: number | null; threshold: number };
    expect(evidence.decision === expected, `face-match ${who}: ${evidence.decision}, expected ${expected}`, run.stdout);
    results.push(`${who} ${evidence.decision} ${evidence.similarity?.toFixed(3)}`);
  }
  return { status: 'ok', detail: `${results.join(', ')} (threshold from the calibration)` };
}

async function pages(): Promise<Outcome> {
  let detail = '';
  await withServer({}, async ({ url }, session) => {
    for (const [path, needle] of [['/', 'kiosk.js'], ['/operator', 'operator.js'], ['/kiosk.js', ''], ['/style.css', '']] as const) {
      const res = await fetch(`${url}${path}`);
      const body = await res.text();
      expect(res.status === 200 && body.includes(needle), `GET ${path}: ${res.status}`, body);
    }
    const events = await openEvents(url);
    try {
      const first = await events.nth('message', 0);
      expect((first.data as { state?: string }).state === 'idle', 'the event stream starts with the idle state', JSON.stringify(first));
    } finally {
      await events.close();
    }
    const post = await fetch(`${url}/api/access-key`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: demoIdNumber() }) });
    expect(post.status === 200 && session.calls.length === 1, `POST /api/access-key: ${post.status}`, await post.text());
    detail = `pages, assets, event stream and an operator POST on ${new URL(url).host}`;
  });
  return { status: 'ok', detail };
}

async function agentDemo(): Promise<Outcome> {
  try {
    const Database = createRequire(import.meta.url)('better-sqlite3') as new (path: string) => { close(): void };
    new Database(':memory:').close();
  } catch (error) {
    const loading = String((error as Error).message).replace(/\s+/g, ' ').slice(0, 300);
    return {
      status: 'skip',
      why: `the agent and the register commands need better-sqlite3, a native module, and none loads under this Node (${process.env.XACMINH_SQLITE_MISSING ?? `the packages were installed by Node ${process.env.XACMINH_INSTALL_NODE ?? 'of another version'}`}; loading it said: ${loading})`,
    };
  }
  const dataDir = join(work, 'data');
  mkdirSync(dataDir);
  // Port 0: the kiosk's default 8080 (and the inspection page's 8443) may be taken on this machine.
  writeFileSync(join(dataDir, 'site.json'), JSON.stringify({ ui: { port: 0 }, inspection: { host: '127.0.0.1', port: 0 }, nodeRed: { port: 0 } }));
  // As the service runs it (environment and node flags): its small young generation makes GC frequent, which is what exposed
  // better-sqlite3 12's abort on Node 24 (node24-modules.ts).
  const run = cli(['start', '--demo', '--data-dir', dataDir, '--interval', '0.3', '--count', '6'], dataDir, { ...process.env, ...SERVICE_ENVIRONMENT }, SERVICE_NODE_FLAGS);
  expect(run.status === 0 && /stopped \(6 verifications this run; 6 in the register, 0 event\(s\) waiting/.test(run.stdout), `start --demo exited ${run.status}`, run.all);
  // The demo's customers in turn: the holder, an impostor with her card, a cloned chip.
  const decisions = [...run.stdout.matchAll(/^\s+→ (\w+) in \d+ ms · .*?(face (?:match|no-match)|not-genuine)/gm)].map((m) => `${m[1]} ${m[2]}`);
  const expected = ['VERIFIED face match', 'REJECTED face no-match', 'REJECTED not-genuine'];
  expect(decisions.join() === [...expected, ...expected].join(), `start --demo: ${decisions.join(', ')}`, run.stdout);
  const verify = cli(['register', 'verify', '--data-dir', dataDir, '--json']);
  const report = verify.status === 0 ? (JSON.parse(verify.stdout) as { ok: boolean; entries: number }) : undefined;
  // Six verifications after the register's genesis entry.
  expect(report?.ok && report.entries === 7, `register verify exited ${verify.status}`, verify.all);
  const sqlite = (createRequire(import.meta.url)('better-sqlite3/package.json') as { version: string }).version;
  return { status: 'ok', detail: `the demo agent (service environment, better-sqlite3 ${sqlite}): ${decisions.slice(0, 3).join(', ')} ×2, delivered; register verify: ${report.entries} entries, chain ok` };
}

const checks: [string, () => Promise<Outcome>][] = [
  ['read-card --sim inprocess (virtual CCCD)', readCard],
  ['face-match on the demo faces', faceMatch],
  ['kiosk and operator pages over HTTP', pages],
  ['start --demo, then register verify (agent with face engine, broker, register)', agentDemo],
];

const say = (line: string) => process.stdout.write(`node${process.versions.node.split('.')[0]} smoke · ${line}\n`);
say(`Node.js ${process.version} (${process.execPath}), compiled build ${join(import.meta.dirname, '..')}`);
const failed: string[] = [];
let ok = 0;
let skipped = 0;
for (const [name, check] of checks) {
  const started = performance.now();
  try {
    const outcome = await check();
    const ms = `${Math.round(performance.now() - started)} ms`;
    if (outcome.status === 'ok') {
      ok++;
      say(`${name}: ok — ${outcome.detail} (${ms})`);
    } else {
      skipped++;
      say(`${name}: SKIPPED — ${outcome.why}`);
    }
  } catch (error) {
    failed.push(name);
    say(`${name}: FAILED — ${error instanceof Error ? error.message : String(error)}`);
  }
}
rmSync(work, { recursive: true, force: true });
say(failed.length ? `NOT OK: ${failed.join('; ')} (${ok} ok, ${skipped} skipped)` : `all good: ${ok} ok, ${skipped} skipped`);
process.exitCode = failed.length ? 1 : 0;
// The face engine's WASM runtime and sockets may keep the loop alive: leave once the output is flushed.
process.stdout.write('', () => setTimeout(() => process.exit(), 50).unref());
