/**
 * node_modules for running the compiled build under another Node.js (the smoke run's Node 24) beside the
 * repository's, which stays built for the Node that installed it. Every package is a link to the
 * repository's, except better-sqlite3 (the register): a copy with its addon compiled for that Node, from the
 * headers the npm registry's `node` package ships (include/node), with npm's own node-gyp, offline. The
 * compiled addon is cached by package version and ABI, so only the first run pays for the compile.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const REPO_MODULES = join(import.meta.dirname, '..', 'node_modules');
const ADDON = join('build', 'Release', 'better_sqlite3.node');

export type Prepared = { ok: true; dir: string } | { ok: false; why: string };

/** The folder holding include/node for a node binary: the npm `node` package's platform package, or a tarball layout. */
export function headersFor(binary: string): string | undefined {
  const candidates = [
    join(dirname(binary), '..', 'node_modules', `node-${process.platform}-${process.arch}`),
    join(dirname(binary), '..'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'include', 'node', 'node.h')));
}

function run(binary: string, args: string[], cwd?: string) {
  // Without npm's npm_config_* variables (set under `npm test`): node-gyp reads them, and a target or nodedir
  // there would build for the Node that runs npm instead of the one asked for.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_config_/i.test(name)));
  return spawnSync(binary, args, { cwd, env, encoding: 'utf8', timeout: 20 * 60_000 });
}

/** Why `binary` cannot load the addon at `path` (dlopen: no package resolution needed), or '' when it can. */
function loadError(binary: string, path: string): string {
  const loading = run(binary, ['-e', `process.dlopen({ exports: {} }, ${JSON.stringify(path)})`]);
  return loading.status === 0 ? '' : (loading.stderr || String(loading.error)).replace(/\s+/g, ' ').slice(0, 300) || 'failed';
}

/** npm's bundled node-gyp (npm is what runs `npm test`). */
function nodeGyp(): string | undefined {
  const fromNpm = process.env.npm_execpath ? join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js') : undefined;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  const root = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout?.trim();
  const global = root ? join(root, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js') : undefined;
  return global && existsSync(global) ? global : undefined;
}

/** A better-sqlite3 package whose addon `binary` loads, built into `cacheDir` when there is none yet. */
export function sqliteFor(binary: string, cacheDir: string, log: (line: string) => void): Prepared {
  const source = dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
  const { version } = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { version: string };
  const abi = run(binary, ['-p', 'process.versions.modules']).stdout.trim();
  const dir = join(cacheDir, `better-sqlite3-${version}-abi${abi}`);
  if (existsSync(join(dir, ADDON)) && !loadError(binary, join(dir, ADDON))) return { ok: true, dir };
  const headers = headersFor(binary);
  if (!headers) return { ok: false, why: `no Node.js headers (include/node) beside ${binary} to compile better-sqlite3 with` };
  const gyp = nodeGyp();
  if (!gyp) return { ok: false, why: "npm's node-gyp was not found to compile better-sqlite3" };
  log(`compiling better-sqlite3 ${version} for ABI ${abi} (once; cached in ${cacheDir})`);
  const work = `${dir}.building-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  for (const part of ['package.json', 'binding.gyp', 'deps', 'src', 'lib']) cpSync(join(source, part), join(work, part), { recursive: true });
  const built = run(process.execPath, [gyp, 'rebuild', '--release', `--nodedir=${headers}`, '-j', '2'], work);
  const problem = built.status !== 0 ? `node-gyp exit ${built.status}: ${(built.stderr || '').trim().split('\n').slice(-3).join(' ')}` : loadError(binary, join(work, ADDON));
  if (problem) {
    rmSync(work, { recursive: true, force: true });
    return { ok: false, why: `compiling better-sqlite3 for Node ABI ${abi} failed (${problem})` };
  }
  // Keep the package and its addon; the objects and SQLite's sources are 40 MB of nothing at run time.
  for (const part of ['deps', 'src', join('build', 'Release', 'obj.target'), join('build', 'Release', '.deps'), join('build', 'deps')]) {
    rmSync(join(work, part), { recursive: true, force: true });
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
  return { ok: true, dir };
}

/**
 * Fills `outDir/node_modules`: links to every package of the repository's node_modules, and a copy of the
 * prepared better-sqlite3 when there is one (a copy, not a link: Node resolves a linked package from its real
 * path, where its own dependencies would not be found).
 */
export function overlayModules(outDir: string, sqlite: Prepared): void {
  const target = join(outDir, 'node_modules');
  mkdirSync(target, { recursive: true });
  for (const name of readdirSync(REPO_MODULES)) {
    if (name.startsWith('.') || (sqlite.ok && name === 'better-sqlite3')) continue;
    symlinkSync(join(REPO_MODULES, name), join(target, name));
  }
  if (sqlite.ok) cpSync(sqlite.dir, join(target, 'better-sqlite3'), { recursive: true });
}
