/**
 * Checks a register's chain in a worker thread (its own read-only SQLite connection; WAL lets a reader in
 * while the agent appends), so a large register does not stall sessions, pages or the MQTT keepalive.
 */
import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { XacminhError, type ErrorCode } from '../../drivers/errors.ts';
import type { ChainReport } from './chain.ts';

type WorkerAnswer = { report: ChainReport } | { error: { code: ErrorCode; message: string } };

export function verifyRegisterOffThread(path: string, publicKey: KeyObject): Promise<ChainReport> {
  const workerData = { path, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  return new Promise<ChainReport>((resolve, reject) => {
    let answered = false;
    const worker = startWorker(workerData);
    worker.once('message', (answer: WorkerAnswer) => {
      answered = true;
      if ('report' in answer) resolve(answer.report);
      else reject(new XacminhError(answer.error.code, answer.error.message, { path }));
    });
    worker.once('error', (error) => {
      answered = true;
      reject(new XacminhError('STORAGE_FAILED', `The register check could not run in its worker thread: ${error.message}`, { path }, { cause: error }));
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new XacminhError('STORAGE_FAILED', `The register check's worker thread stopped (exit ${code}) without an answer`, { path, code }));
    });
  });
}

/**
 * Compiled, the worker is a .js file beside this one. From source (tsx), a worker does not get tsx's hooks
 * for its entry file on Node 20, not even with `--import tsx` inherited in execArgv, and `xacminh.js`
 * registers tsx through its API (no execArgv at all); so the worker starts from a small script that
 * registers tsx first and then imports the .ts entry.
 */
function startWorker(workerData: { path: string; publicKeyPem: string }): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(`./verify-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSource) return new Worker(entry, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
