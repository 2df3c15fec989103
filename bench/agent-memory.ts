/**
 * bench/agent-memory: the whole agent with the face engine (embedded demo: simulated reader, card and camera,
 * in-process broker and subscriber), as a terminal runs it, i.e. compiled JavaScript with no loader, sampled
 * for RSS after each of N verifications. The same run under tsx, in the same bench process one after the
 * other, is the baseline: the ratio says what the compiled build changes on this machine today.
 *
 *   node --import tsx bench/agent-memory.ts [--count 50] [--interval 0.2] [--runs compiled,tsx,node24] [--env service|none] [--set 'NAME=value;…']
 *
 * `--env service` (default) runs the agent with the service unit's environment and node flags
 * (agent/run/service-env.ts: allocator and V8 settings); `none` with this shell's. `--runs node24` adds the compiled agent under Node 24
 * (from the npm registry, with the better-sqlite3 it needs: provisioning/node24-modules.ts).
 * Goal: RSS ≤ 300 MiB after 50 verifications.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SERVICE_ENVIRONMENT, SERVICE_NODE_FLAGS } from '../agent/run/service-env.ts';
import { build } from '../provisioning/build.ts';
import { ensureNode24, node24CacheDir } from '../provisioning/node24.ts';
import { overlayModules, sqliteFor } from '../provisioning/node24-modules.ts';
import { arg, f1, quantile } from './support.ts';

const REPO = resolve(import.meta.dirname, '..');
const count = Number(arg('count', '50'));
const interval = arg('interval', '0.2');
const runs = arg('runs', 'compiled,tsx').split(',');
const envKind = arg('env', 'service');
/** Trials on top of it: --set 'NAME=value;NAME=value'. */
const extraEnv = Object.fromEntries(
  arg('set', '')
    .split(';')
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
const GOAL_MIB = 300;

interface Sample {
  n: number;
  rssMiB: number;
  hwmMiB: number;
}

interface RunResult {
  name: string;
  started: Sample;
  samples: Sample[];
  final: Sample;
  decisions: Record<string, number>;
  /** Card on the reader → decision, ms, as the agent prints it. */
  durations: number[];
  exit: number | null;
}

/** VmRSS / VmHWM of a live process, MiB (Linux). */
function memoryOf(pid: number, n: number): Sample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { n, rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
}

async function runAgent(name: string, argv: string[], node = process.execPath): Promise<RunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'xacminh-mem-'));
  // Port 0 for the kiosk: other agents on this machine may hold 8080.
  writeFileSync(join(dataDir, 'site.json'), JSON.stringify({ ui: { port: 0 }, inspection: { host: '127.0.0.1', port: 0 }, nodeRed: { port: 0 } }));
  const env = { ...process.env, ...(envKind === 'service' ? SERVICE_ENVIRONMENT : {}), ...extraEnv };
  const flags = envKind === 'service' ? SERVICE_NODE_FLAGS : [];
  const child = spawn(node, [...flags, ...argv, 'start', '--demo', '--data-dir', dataDir, '--interval', interval, '--count', String(count)], {
    cwd: dataDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid!;
  const samples: Sample[] = [];
  const decisions: Record<string, number> = {};
  const durations: number[] = [];
  let started: Sample | undefined;
  let final: Sample | undefined;
  let buffered = '';
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const [, decision, ms] = /^\s+→ (\w+) in (\d+) ms/.exec(line) ?? [];
      // Sampled as the line arrives: the process is alive and has just finished that verification.
      if (line.startsWith('  Ctrl-C to stop.')) started = memoryOf(pid, 0);
      if (decision) {
        decisions[decision] = (decisions[decision] ?? 0) + 1;
        durations.push(Number(ms));
        samples.push(memoryOf(pid, samples.length + 1));
        if (samples.length === count) final = samples.at(-1);
      }
    }
  });
  const exit = await new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  rmSync(dataDir, { recursive: true, force: true });
  if (exit !== 0 || !started || !final) throw new Error(`${name}: the agent exited ${exit} after ${samples.length}/${count} verifications\n${errors.slice(-2000)}`);
  return { name, started, samples, final, decisions, durations, exit };
}

function report(r: RunResult): string {
  const rss = r.samples.map((s) => s.rssMiB);
  return [
    `${r.name}: RSS after start ${f1(r.started.rssMiB)} MiB`,
    `after 1 ${f1(rss[0]!)} · after 10 ${f1(rss[9] ?? NaN)} · after ${r.samples.length} ${f1(r.final.rssMiB)} MiB`,
    `median over the run ${f1(quantile(rss, 0.5))} · peak (VmHWM) ${f1(r.final.hwmMiB)} MiB`,
    `decisions ${JSON.stringify(r.decisions)} · verification median ${f1(quantile(r.durations, 0.5))} ms, p95 ${f1(quantile(r.durations, 0.95))} ms`,
  ].join('\n    ');
}

/** The same compiled agent under Node 24, with a better-sqlite3 built for it (as the smoke run does). */
async function runOnNode24(): Promise<RunResult> {
  const node = ensureNode24(process.env, (line) => console.log(`  ${line}`));
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-build24-'));
  try {
    const { entry } = build(dir, { linkNodeModules: false });
    const sqlite = sqliteFor(node, node24CacheDir(), (line) => console.log(`  ${line}`));
    if (!sqlite.ok) throw new Error(`node24: ${sqlite.why}`);
    overlayModules(dir, sqlite);
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    return await runAgent(`compiled on Node ${version} (node dist/agent/cli/main.js)`, [entry], node);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results: RunResult[] = [];
const outDir = mkdtempSync(join(tmpdir(), 'xacminh-build-'));
try {
  const { entry } = build(outDir);
  console.log(`agent-memory: ${count} verifications, interval ${interval} s, environment: ${envKind === 'service' ? `${JSON.stringify(SERVICE_ENVIRONMENT)}, node ${SERVICE_NODE_FLAGS.join(' ')}` : 'this shell'}${Object.keys(extraEnv).length ? ` + ${JSON.stringify(extraEnv)}` : ''}`);
  for (const run of runs) {
    if (run === 'compiled') results.push(await runAgent('compiled (node dist/agent/cli/main.js)', [entry]));
    else if (run === 'tsx') results.push(await runAgent('tsx (node agent/bin/xacminh.js)', [join(REPO, 'agent', 'bin', 'xacminh.js')]));
    else if (run === 'node24') results.push(await runOnNode24());
    else throw new Error(`--runs: unknown run ${run} (compiled, tsx, node24)`);
    console.log(`  ${report(results.at(-1)!)}`);
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
const [first, second] = results;
if (first && second) {
  const label = (r: RunResult) => r.name.split(' (')[0];
  console.log(`  ratio ${label(first)} / ${label(second)}: RSS after ${count} ${(first.final.rssMiB / second.final.rssMiB).toFixed(3)}, peak ${(first.final.hwmMiB / second.final.hwmMiB).toFixed(3)}`);
}
for (const compiled of results.filter((r) => r.name.startsWith('compiled'))) {
  const met = compiled.final.rssMiB <= GOAL_MIB;
  console.log(`  goal RSS ≤ ${GOAL_MIB} MiB after ${count} verifications, ${compiled.name.split(' (')[0]}: ${met ? 'met' : 'NOT met'} (${f1(compiled.final.rssMiB)} MiB)`);
}
