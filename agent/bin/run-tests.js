// Runs every *.test.ts under the source folders with uvu, in one process, and ends with the plain
// "N passed, N failed" line CI reads. Usage: node --import tsx agent/bin/run-tests.js [filter-regex]
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '../..');
const sourceDirs = ['agent', 'drivers', 'models', 'flows', 'provisioning', 'hardware-tests', 'bench'];
const filter = process.argv[2] ? new RegExp(process.argv[2]) : null;
const watchdogMs = Number(process.env.XACMINH_TEST_TIMEOUT_MS ?? 25 * 60_000);

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const files = sourceDirs
  .map((d) => join(root, d))
  .filter((d) => { try { return statSync(d).isDirectory(); } catch { return false; } })
  .flatMap(findTests)
  .filter((f) => !filter || filter.test(relative(root, f)))
  .sort();

let summary = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  summary += String(chunk);
  if (summary.length > 4096) summary = summary.slice(-4096);
  return write(chunk, ...rest);
};

const watchdog = setTimeout(() => {
  console.error(`\ntests did not finish within ${watchdogMs / 1000} s: a test hangs`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}, watchdogMs);
watchdog.unref();

globalThis.UVU_DEFER = 1;
const uvu = await import('uvu');
let index = 0;
for (const file of files) {
  globalThis.UVU_INDEX = index++;
  globalThis.UVU_QUEUE.push([relative(root, file)]);
  await import(pathToFileURL(file).href);
}
await uvu.exec(false);

// eslint-disable-next-line no-control-regex
const plain = summary.replace(/\x1b\[[0-9;]*m/g, '');
const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
process.stdout.write = write;
console.log(`\n${files.length} test files`);
console.log(`${passed} passed, ${total - passed} failed, ${skipped} skipped`);
if (total === 0 || total !== passed) process.exitCode = 1;
// Hardware handles (pcsclite, sockets) may keep the loop alive after the last test.
setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
