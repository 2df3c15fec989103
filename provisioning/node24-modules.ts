/**
 * node_modules for running the compiled build under Node 24 beside the repository's, which stays installed for
 * the Node that ran `npm ci` (20 on our build machines). Every package is a link to the repository's, except
 * better-sqlite3 (the register).
 *
 * Why not better-sqlite3 12 recompiled for Node 24: its Statement and Database derive from node::ObjectWrap,
 * whose destructor since Node 24.19 asserts a current Environment, and an idle-time GC that finalises a
 * statement has none: the process aborts (SIGABRT, "Assertion failed: (env) != nullptr" in
 * RemoveEnvironmentCleanupHook). bench/agent-memory hit it on the first verifications; it is a known upstream
 * problem fixed by better-sqlite3 13, which is Node-API (one binary for every Node ≥ 22, linux-x64 and
 * linux-arm64 prebuilt inside the package, no compile) but refuses Node 20. So Node 24 runs 13, installed
 * here from the npm registry into a cache outside the repository; the terminal must do the same (see the
 * report in bench/RESULTS.md).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

const REPO_MODULES = join(import.meta.dirname, '..', 'node_modules');
/** The first better-sqlite3 whose wrappers are Node-API (no ObjectWrap abort on Node 24.19+). */
export const SQLITE_FOR_NODE24 = '13.2.0';

export type Prepared = { ok: true; dir: string; version: string } | { ok: false; why: string };

function run(binary: string, args: string[]) {
  return spawnSync(binary, args, { encoding: 'utf8', timeout: 10 * 60_000 });
}

/** Why `binary` cannot open an in-memory database with the package at `dir`, or '' when it can. */
function openError(binary: string, dir: string): string {
  const opening = run(binary, ['-e', `const D = require(${JSON.stringify(dir)}); new D(':memory:').prepare('select 1').get();`]);
  return opening.status === 0 ? '' : (opening.stderr || String(opening.error)).replace(/\s+/g, ' ').slice(0, 300) || 'failed';
}

/** better-sqlite3 SQLITE_FOR_NODE24 for `binary`, installed into `cacheDir` when it is not there yet. */
export function sqliteFor(binary: string, cacheDir: string, log: (line: string) => void): Prepared {
  const prefix = join(cacheDir, `better-sqlite3-${SQLITE_FOR_NODE24}`);
  const dir = join(prefix, 'node_modules', 'better-sqlite3');
  if (existsSync(dir) && !openError(binary, dir)) return { ok: true, dir, version: SQLITE_FOR_NODE24 };
  log(`installing better-sqlite3@${SQLITE_FOR_NODE24} (Node-API) from the npm registry into ${prefix}`);
  mkdirSync(prefix, { recursive: true });
  const install = run('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', prefix, `better-sqlite3@${SQLITE_FOR_NODE24}`]);
  if (install.status !== 0) return { ok: false, why: `npm install better-sqlite3@${SQLITE_FOR_NODE24} failed (exit ${install.status}): ${(install.stderr || '').trim().slice(-300)}` };
  const problem = openError(binary, dir);
  return problem ? { ok: false, why: `better-sqlite3@${SQLITE_FOR_NODE24} does not open a database under ${binary}: ${problem}` } : { ok: true, dir, version: SQLITE_FOR_NODE24 };
}

/** Fills `outDir/node_modules`: links to every package of the repository's, better-sqlite3 to the prepared one. */
export function overlayModules(outDir: string, sqlite: Prepared): void {
  const target = join(outDir, 'node_modules');
  mkdirSync(target, { recursive: true });
  for (const name of readdirSync(REPO_MODULES)) {
    if (name.startsWith('.') || (sqlite.ok && name === 'better-sqlite3')) continue;
    symlinkSync(join(REPO_MODULES, name), join(target, name));
  }
  if (sqlite.ok) symlinkSync(sqlite.dir, join(target, 'better-sqlite3'));
}
