// The compiled build, as a terminal runs it: plain `node dist/agent/cli/main.js`, no TypeScript loader. Built
// once into a temp folder, then the CLI reads the virtual card, runs the demo agent with the face engine, and
// the register it wrote verifies, also in the worker thread started from the compiled .js twin.
import { spawnSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { demoOutcomes } from '../agent/cli/start-test-support.ts';
import type * as DataDir from '../agent/datadir.ts';
import type * as OffThread from '../agent/register/verify-off-thread.ts';
import { isXacminhError } from '../drivers/errors.ts';
import { demoIdNumber } from '../drivers/sim/make-card.ts';
import { build, runtimeAssets, type BuildResult } from './build.ts';

let built: BuildResult | undefined;
const root = mkdtempSync(join(tmpdir(), 'xacminh-build-test-'));

function compiled(): BuildResult {
  built ??= build(join(root, 'dist'));
  return built;
}

/** The compiled CLI in a plain node process: no tsx in argv or NODE_OPTIONS. */
function cli(args: string[], cwd = root) {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return spawnSync(process.execPath, [compiled().entry, ...args], { cwd, env, encoding: 'utf8', timeout: 120_000 });
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    return statSync(path).isDirectory() ? jsFiles(path) : name.endsWith('.js') ? [path] : [];
  });
}

test.after(() => rmSync(root, { recursive: true, force: true }));

test('build: every source compiles to .js, no import names a .ts file, tests are left out, assets are copied', () => {
  const { outDir } = compiled();
  const files = jsFiles(outDir);
  assert.ok(files.some((f) => f.endsWith(join('agent', 'register', 'verify-worker.js'))), 'the register worker is built');
  const tsImports = files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/(?:from|import\()\s*["'](\.{1,2}\/[^"']+\.ts)["']/g)].map((m) => `${f}: ${m[1]}`));
  assert.equal(tsImports, [], 'relative imports are rewritten to .js');
  assert.not.ok(files.some((f) => /\.test\.js$/.test(f)), 'tests are not in the build');
  const assets = runtimeAssets();
  for (const asset of ['agent/ui/public/kiosk.html', 'models/manifest.json', 'models/calibration/default.json']) {
    assert.ok(assets.includes(asset), `${asset} is a runtime asset`);
    assert.equal(readFileSync(join(outDir, asset)), readFileSync(join(import.meta.dirname, '..', asset)), `${asset} copied unchanged`);
  }
});

test('build: an output folder that would hold or overlap the sources is refused before anything is removed', () => {
  const repo = join(import.meta.dirname, '..');
  for (const outDir of [repo, join(repo, '..'), join(repo, 'agent'), join(repo, 'models', 'out')]) {
    try {
      build(outDir);
      assert.unreachable(`${outDir} was accepted`);
    } catch (error) {
      assert.ok(isXacminhError(error, 'INVALID_INPUT'), String(error));
    }
  }
  assert.ok(existsSync(join(repo, 'agent', 'cli', 'main.ts')), 'the sources are still there');
});

test('build: the compiled read-card reads and authenticates the virtual card', () => {
  const out = join(root, 'card');
  const run = cli(['read-card', '--sim', 'inprocess', '--id', demoIdNumber(), '--out', out, '--json']);
  assert.is(run.status, 0, run.stdout + run.stderr);
  const read = JSON.parse(run.stdout) as { accessProtocol: string; personalData: { idNumber: string }; authenticity: { verdict: string } };
  assert.is(read.personalData.idNumber, demoIdNumber());
  assert.is(read.accessProtocol, 'PACE');
  assert.is(read.authenticity.verdict, 'genuine');
  assert.ok(existsSync(join(out, 'photo.jpg')), 'the chip photo is written');
});

test('build: the compiled agent runs the demo with the face engine, and its register verifies (CLI and worker thread)', async () => {
  const dataDir = join(root, 'data');
  // Port 0: other processes on this machine may hold the kiosk's default 8080 (and 8443, 1880).
  mkdirSync(dataDir);
  writeFileSync(join(dataDir, 'site.json'), JSON.stringify({ ui: { port: 0 }, inspection: { host: '127.0.0.1', port: 0 }, nodeRed: { port: 0 } }));
  const run = cli(['start', '--demo', '--data-dir', dataDir, '--interval', '0.5', '--count', '2'], dataDir);
  const output = run.stdout + run.stderr;
  assert.is(run.status, 0, output);
  assert.match(output, /face step: on/);
  const outcomes = demoOutcomes(output);
  assert.is(outcomes.length, 2, output);
  assert.is(outcomes[0]!.result, 'VERIFIED', output);
  assert.match(outcomes[0]!.detail, /face match/);
  assert.is(outcomes[1]!.result, 'REJECTED', output);
  assert.match(outcomes[1]!.detail, /face no-match/);
  assert.match(output, /xacminh: stopped \(2 verifications this run; 2 in the register, 0 event\(s\) waiting for the broker\)/);

  const verify = cli(['register', 'verify', '--data-dir', dataDir, '--json']);
  assert.is(verify.status, 0, verify.stdout + verify.stderr);
  const report = JSON.parse(verify.stdout) as { ok: boolean; entries: number };
  assert.ok(report.ok, verify.stdout);
  assert.is(report.entries, 3, 'the genesis entry and the two verifications');

  // The MQTT verify-register command's path: a worker started from the compiled verify-worker.js.
  const offThread = (await import(pathToFileURL(join(compiled().outDir, 'agent', 'register', 'verify-off-thread.js')).href)) as typeof OffThread;
  const datadir = (await import(pathToFileURL(join(compiled().outDir, 'agent', 'datadir.js')).href)) as typeof DataDir;
  const paths = datadir.dataDirPaths(dataDir);
  const key = createPublicKey(readFileSync(paths.deviceKey));
  const chain = await offThread.verifyRegisterOffThread(paths.register, key);
  assert.ok(chain.ok);
  assert.is(chain.entries, 3);
});

test.run();
