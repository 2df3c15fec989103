/**
 * The compiled build: `tsc -p tsconfig.build.json` emits JavaScript beside nothing but itself (dist/ mirrors
 * the source tree, `.ts` specifiers rewritten to `.js`), then every runtime asset the code reads relative to
 * its own file (UI pages, JSON schemas, model manifest and calibration…) is copied to the same place, so a
 * terminal runs `node dist/agent/cli/main.js` with no TypeScript loader.
 *
 * Usage: node --import tsx provisioning/build.ts [--out-dir DIR]   (npm run build)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XacminhError } from '../drivers/errors.ts';

export const REPO = resolve(import.meta.dirname, '..');
export const SOURCE_DIRS = ['agent', 'drivers', 'models', 'flows', 'provisioning', 'hardware-tests'] as const;

/**
 * Files that are not runtime assets: sources (compiled instead), docs, and the tsx launchers of agent/bin
 * (the compiled entry point is dist/agent/cli/main.js).
 */
function isAsset(rel: string): boolean {
  if (/\.(ts|mts|cts|md)$/.test(rel)) return false;
  if (/(^|\/)[^/]*\.test\.[^/]+$/.test(rel)) return false;
  return !rel.startsWith('agent/bin/');
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

/** The runtime assets under the source folders, relative to the repository. */
export function runtimeAssets(repo = REPO): string[] {
  return SOURCE_DIRS.map((d) => join(repo, d))
    .filter((d) => statSync(d, { throwIfNoEntry: false })?.isDirectory())
    .flatMap(listFiles)
    .map((f) => relative(repo, f).split('\\').join('/'))
    .filter(isAsset)
    .sort();
}

export interface BuildResult {
  outDir: string;
  entry: string;
  assets: string[];
}

export interface BuildOptions {
  /** A build outside the repository gets a node_modules link to the repository's (default true). */
  linkNodeModules?: boolean;
}

/** Compiles into `outDir` (emptied first, so a removed source leaves no stale .js) and copies the assets. */
export function build(outDir = join(REPO, 'dist'), options: BuildOptions = {}): BuildResult {
  const out = resolve(outDir);
  // It is emptied first: refuse the repository itself, a folder holding it, or one of its source folders.
  const up = relative(out, REPO);
  const inSource = SOURCE_DIRS.some((d) => !relative(join(REPO, d), out).startsWith('..'));
  if (up === '' || !up.startsWith('..') || inSource) {
    throw new XacminhError('INVALID_INPUT', `Build output ${out} would hold or overlap the sources: choose a folder of its own (default dist/)`, { outDir: out });
  }
  rmSync(out, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', join(REPO, 'tsconfig.build.json'), '--outDir', out], { cwd: REPO, encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`TypeScript build failed (tsc exit ${run.status}):\n${run.stdout}${run.stderr}`);
  }
  const assets = runtimeAssets();
  for (const rel of assets) {
    const target = join(out, rel);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(REPO, rel), target);
  }
  // The emitted files are ES modules whatever folder they land in (not only under the repo's package.json).
  writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type: 'module', private: true }, null, 2)}\n`);
  // A build outside the repository (tests, benches: a temp folder) finds the packages through a link.
  if (relative(REPO, out).startsWith('..') && options.linkNodeModules !== false) symlinkSync(join(REPO, 'node_modules'), join(out, 'node_modules'), 'dir');
  return { outDir: out, entry: join(out, 'agent', 'cli', 'main.js'), assets };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out-dir');
  const result = build(i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : undefined);
  console.log(`built ${relative(process.cwd(), result.entry) || result.entry} (${result.assets.length} assets copied)`);
}
