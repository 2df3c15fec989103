/**
 * Checks a register's chain in a worker thread (its own read-only SQLite connection; WAL lets a reader in
 * while the agent appends), so a large register does not stall sessions, pages or the MQTT keepalive.
 */
import type { KeyObject } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../drivers/module-worker.ts';
import { XacminhError, type ErrorCode } from '../../drivers/errors.ts';
import Database from 'better-sqlite3';
import { mergeChainReports, type ChainReport } from './chain.ts';
import { storageError } from './storage-error.ts';

type WorkerAnswer = { report: ChainReport } | { error: { code: ErrorCode; message: string } };
/** The first key is the current one; the rest are retired keys (see Register's retiredKeys). */
type WorkerData = { path: string; publicKeyPems: string[]; range?: [number, number] };

/** Generous: a full check of a large register on a slow SD card takes minutes, never ten. */
export const DEFAULT_VERIFY_TIMEOUT_MS = 10 * 60_000;

export interface VerifyOffThreadOptions {
  /** The worker is ended (TIMEOUT) when it has not answered by then: a stuck disk or lock must not hold it for ever. */
  timeoutMs?: number;
  /** Aborting ends the worker (CANCELLED): the agent is stopping. */
  signal?: AbortSignal;
  /** Starts the worker (tests: a worker that hangs, or one they watch). */
  startWorker?: (workerData: WorkerData) => Worker;
  /**
   * Threads sharing the work (default 1): each checks a slice of the seqs from the stored hash before it,
   * and the reports are merged into what one pass would say. Worth it on a large register with idle cores.
   */
  threads?: number;
}

/** `keys`: the device's public key, or all its keys by id (current and retired, e.g. Register.verificationKeys). */
export async function verifyRegisterOffThread(path: string, keys: KeyObject | ReadonlyMap<string, KeyObject>, options: VerifyOffThreadOptions = {}): Promise<ChainReport> {
  const list = keys instanceof Map ? [...keys.values()] : [keys as KeyObject];
  const publicKeyPems = list.map((key) => key.export({ type: 'spki', format: 'pem' }).toString());
  const threads = Math.max(1, Math.floor(options.threads ?? 1));
  if (threads === 1) return runWorker({ path, publicKeyPems }, options);
  const head = headSeq(path);
  // Slices of whole seqs; the last runs on past the head, so a checkpoint left beyond the entries is still reported.
  const size = Math.max(1, Math.ceil(head / threads));
  const ranges: [number, number][] = [];
  for (let first = 1; first <= head || ranges.length === 0; first += size) ranges.push([first, first + size - 1]);
  ranges[ranges.length - 1]![1] = Number.MAX_SAFE_INTEGER;
  // One slice failing (a timeout, a read error) ends the others at once: the answer is already an error.
  const failed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, failed.signal]) : failed.signal;
  const slices = ranges.map((range) =>
    runWorker({ path, publicKeyPems, range }, { ...options, signal }).catch((error: unknown) => {
      failed.abort();
      throw error;
    }),
  );
  return mergeChainReports(await Promise.all(slices));
}

/** The highest seq stored (0 when empty), read on a connection of its own. */
function headSeq(path: string): number {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    return (db.prepare('SELECT MAX(seq) AS head FROM entries').get() as { head: number | null }).head ?? 0;
  } catch (error) {
    throw storageError(error, path, 'read');
  } finally {
    db?.close();
  }
}

function runWorker(workerData: WorkerData, options: VerifyOffThreadOptions): Promise<ChainReport> {
  const path = workerData.path;
  const timeoutMs = options.timeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS;
  return new Promise<ChainReport>((resolve, reject) => {
    if (options.signal?.aborted) return reject(stopped(path));
    let settled = false;
    const worker = (options.startWorker ?? startVerifyWorker)(workerData);
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    // terminate() is asynchronous; the caller gets its answer now, the thread ends right after.
    const end = (error: XacminhError) => finish(() => {
      void worker.terminate();
      reject(error);
    });
    const timer = setTimeout(() => end(new XacminhError('TIMEOUT', `The register check did not finish in ${Math.ceil(timeoutMs / 1000)} s (a stuck disk or a database lock?): it was stopped. Check the disk, then run self-test again`, { path, timeoutMs })), timeoutMs);
    const onAbort = () => end(stopped(path));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (answer: WorkerAnswer) => finish(() => {
      if ('report' in answer) resolve(answer.report);
      else reject(new XacminhError(answer.error.code, answer.error.message, { path }));
    }));
    worker.once('error', (error) => finish(() => reject(new XacminhError('STORAGE_FAILED', `The register check could not run in its worker thread: ${error.message}`, { path }, { cause: error }))));
    worker.once('exit', (code) => finish(() => reject(new XacminhError('STORAGE_FAILED', `The register check's worker thread stopped (exit ${code}) without an answer`, { path, code }))));
  });
}

function stopped(path: string): XacminhError {
  return new XacminhError('CANCELLED', 'The register check was stopped: the agent is stopping', { path });
}

/** The chain check's worker (verify-worker.ts), started as drivers/module-worker.ts explains. */
export function startVerifyWorker(workerData: WorkerData): Worker {
  return startModuleWorker(import.meta.url, 'verify-worker', workerData);
}
