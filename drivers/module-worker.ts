/**
 * Starts a worker thread on a module that sits beside the caller. Compiled, the worker is the .js file. From
 * source (tsx), a worker does not get tsx's hooks for its entry file on Node 20, not even with `--import tsx`
 * inherited in execArgv, and `xacminh.js` registers tsx through its API (no execArgv at all); so the worker
 * starts from a small script that registers tsx first and then imports the .ts entry.
 */
import { Worker } from 'node:worker_threads';

/** `callerUrl`: the caller's import.meta.url; `name`: the entry's file name without extension. */
export function startModuleWorker(callerUrl: string, name: string, workerData: unknown): Worker {
  const fromSource = callerUrl.endsWith('.ts');
  const entry = new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, callerUrl);
  if (!fromSource) return new Worker(entry, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
