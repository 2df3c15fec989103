/**
 * The app the service runs, in <prefix>/app: the compiled dist/, package.json, package-lock.json and the
 * production node_modules, with the native modules built for the Node.js that runs the service. Staged in
 * app.new and swapped in by renames, so a power cut leaves the old app or the new one, never half of one.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { dirname, join } from 'node:path';
import { syncFolder, writeFileAtomicSync } from '../../drivers/atomic-file.ts';
import { XacminhError, type ErrorCode } from '../../drivers/errors.ts';
import { majorOf } from '../node24.ts';
import { SQLITE_FOR_NODE24 } from '../node24-modules.ts';

/** The native modules bootstrap.sh rebuilds too (keep the two lists alike). */
export const NATIVE_MODULES = ['better-sqlite3', '@pokusew/pcsclite', 'epoll', '@serialport/bindings-cpp', 'unix-dgram'] as const;
/** bootstrap.sh's stamp: line 1 the lock's SHA-256, line 2 "<modules-abi> <platform>-<arch>" node_modules was built for. */
export const STAMP = join('node_modules', '.xacminh-lock-sha256');
const SOURCE_DIRS = ['agent', 'drivers', 'models', 'provisioning', 'hardware-tests', 'flows', 'bench'];
const BUILT_ENTRY = join('dist', 'agent', 'cli', 'main.js');

export type Say = (line: string) => void;

/**
 * better-sqlite3 12 built for Node 24.19+ aborts the agent at its first idle GC (see provisioning/node24-modules.ts);
 * 13 is Node-API, prebuilt inside the package, and needs Node ≥ 22, while our build machines run Node 20 and
 * keep 12 in the lock. So the service's Node decides: the version to install instead of rebuilding, or null.
 */
export function sqliteReplacementFor(serviceNodeMajor: number, installedVersion: string | undefined): string | null {
  if (serviceNodeMajor < 22 || installedVersion === undefined) return null;
  return Number(installedVersion.split('.')[0]) >= Number(SQLITE_FOR_NODE24.split('.')[0]) ? null : SQLITE_FOR_NODE24;
}

function installedVersion(appDir: string, name: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(join(appDir, 'node_modules', name, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** A command's result; a failure is an error that names the command and its output. */
export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; code?: ErrorCode } = {}): string {
  const result = spawnSync(command, [...args], { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new XacminhError(options.code ?? 'STORAGE_FAILED', `\`${command} ${args.join(' ')}\` failed (${result.error?.message ?? `exit ${result.status}`})${output ? `:\n${output}` : ''}`, {
      command,
      status: result.status,
    });
  }
  return result.stdout;
}

function newestMtime(path: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return /\.(ts|json|html|css|js)$/.test(path) && !path.endsWith('.test.ts') ? stat.mtimeMs : 0;
  let newest = 0;
  for (const name of fs.readdirSync(path)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, name)));
  }
  return newest;
}

/**
 * The checkout's dist/ must be newer than its sources: built here with `npm run build` when it is missing or
 * stale and the checkout has that script; otherwise a clear error (a terminal never runs a TypeScript loader).
 */
export function ensureBuilt(sourceDir: string, say: Say): void {
  const entry = join(sourceDir, BUILT_ENTRY);
  const built = fs.existsSync(entry) ? fs.statSync(entry).mtimeMs : 0;
  const sources = Math.max(...SOURCE_DIRS.map((dir) => newestMtime(join(sourceDir, dir))));
  if (built && built >= sources) return;
  const scripts = (JSON.parse(fs.readFileSync(join(sourceDir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
  if (!scripts.build) {
    throw new XacminhError('CONFIG_INVALID', `${built ? `${BUILT_ENTRY} is older than the sources` : `${BUILT_ENTRY} is missing`} in ${sourceDir} and package.json has no build script: build the app (npm run build) on a checkout that has one`, { sourceDir });
  }
  say(`Biên dịch ứng dụng (npm run build) — building the app: ${built ? 'dist/ is older than the sources' : 'no dist/ yet'}`);
  run('npm', ['run', 'build', '--silent'], { cwd: sourceDir });
  if (!fs.existsSync(entry)) throw new XacminhError('CONFIG_INVALID', `npm run build finished but ${entry} is missing: the build must compile to dist/ mirroring the sources`, { entry });
}

/** "<modules-abi> <platform>-<arch>" of a Node.js binary. */
export function nodeAbi(nodePath: string): string {
  return run(nodePath, ['-p', 'process.versions.modules + " " + process.platform + "-" + process.arch']).trim();
}

/** What node_modules in `appDir` was built for (stamp line 2), or null when unknown. */
export function builtAbi(appDir: string): string | null {
  try {
    return fs.readFileSync(join(appDir, STAMP), 'utf8').split('\n')[1]?.trim() || null;
  } catch {
    return null;
  }
}

export interface StageOptions {
  sourceDir: string;
  /** <root><prefix>/app */
  appDir: string;
  /** The Node.js that will run the service: native modules are rebuilt for its ABI when it differs. */
  nodePath: string;
  say: Say;
}

/**
 * Prepares <app>.new: copies, prunes, rebuilds native modules if needed. The running service is not touched;
 * swapInApp() then puts it in place. Returns the native modules rebuilt.
 */
export function stageApp(options: StageOptions): { rebuilt: string[] } {
  const { sourceDir, appDir, say } = options;
  const staging = `${appDir}.new`;
  // Left by an install that was cut short: never half-used, so simply removed.
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true, mode: 0o755 });
  for (const name of ['dist', 'package.json', 'package-lock.json', 'README.md']) {
    const from = join(sourceDir, name);
    if (!fs.existsSync(from)) {
      if (name === 'README.md') continue;
      throw new XacminhError('CONFIG_INVALID', `${from} is missing: run install-service from a built checkout of xacminh`, { path: from });
    }
    fs.cpSync(from, join(staging, name), { recursive: true, verbatimSymlinks: true });
  }
  const modules = join(sourceDir, 'node_modules');
  if (!fs.existsSync(modules)) throw new XacminhError('CONFIG_INVALID', `${modules} is missing: run \`sh provisioning/bootstrap.sh start\` (npm ci) first`, { path: modules });
  say('Chép thư viện (node_modules) — copying node_modules');
  // The checkout's node_modules may itself be a link (a worktree): copy what it points at, keep links inside.
  fs.cpSync(fs.realpathSync(modules), join(staging, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  run('npm', ['prune', '--omit=dev', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: staging });

  const want = nodeAbi(options.nodePath);
  const have = builtAbi(staging);
  const rebuilt: string[] = [];
  // `node` in npm's scripts (node-gyp, install checks) must be the service's: its directory goes first on PATH.
  const env = { ...process.env, PATH: `${dirname(options.nodePath)}:${process.env.PATH ?? ''}` };
  const sqlite = sqliteReplacementFor(majorOf(options.nodePath) ?? 0, installedVersion(staging, 'better-sqlite3'));
  if (sqlite) {
    say(`Cài better-sqlite3 ${sqlite} cho Node.js của dịch vụ — installing better-sqlite3 ${sqlite} (bản 12 làm dừng máy trên Node 24 / version 12 aborts on Node 24); cần mạng tới npm một lần / needs the npm registry once`);
    run('npm', ['install', '--no-save', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error', `better-sqlite3@${sqlite}`], { cwd: staging, env, code: 'NATIVE_MODULE' });
  }
  if (have !== want) {
    rebuilt.push(...NATIVE_MODULES.filter((name) => fs.existsSync(join(staging, 'node_modules', name)) && !(sqlite && name === 'better-sqlite3')));
    say(`Biên dịch lại mô-đun gốc cho Node.js của dịch vụ — rebuilding native modules (${have ?? 'unknown'} → ${want}): ${rebuilt.join(' ') || 'none present'}`);
    if (rebuilt.length) run('npm', ['rebuild', ...rebuilt, '--offline', '--loglevel=error'], { cwd: staging, env, code: 'NATIVE_MODULE' });
    const lock = fs.existsSync(join(staging, STAMP)) ? (fs.readFileSync(join(staging, STAMP), 'utf8').split('\n')[0] ?? '') : '';
    writeFileAtomicSync(join(staging, STAMP), `${lock}\n${want}\n`, 0o644);
  }

  return { rebuilt };
}

/** <app>.new becomes <app>: two renames (the old app is set aside, then removed). */
export function swapInApp(appDir: string, say: Say): void {
  const staging = `${appDir}.new`;
  const old = `${appDir}.old`;
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(appDir)) fs.renameSync(appDir, old);
  fs.renameSync(staging, appDir);
  syncFolder(dirname(appDir));
  fs.rmSync(old, { recursive: true, force: true });
  say(`Đã cài ứng dụng vào ${appDir} — app installed`);
}

