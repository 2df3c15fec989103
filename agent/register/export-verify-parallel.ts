/**
 * `verify-export` on several cores (issue 17: a million entries in ≤ 10 s): the file is cut at entry lines
 * (export-verify-slices.ts), each slice is checked on a worker thread by the same ExportVerifier as one pass,
 * from the hash stated by the entry before it, and the slices' findings are merged into exactly what one pass
 * says: the chain's continuity at a boundary is checked by the slice after it (its first entry must follow
 * that hash and seq), the signed-through mark only moves on while nothing before it was a problem, and the
 * export signature is checked once, against the last entry's computed hash and the header.
 */
import type { KeyObject } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../drivers/module-worker.ts';
import type { ExportHeader } from './export-format.ts';
import { ExportVerifier, readExportFile, trustedKeys, type ExportReport, type ExportSliceResult, type VerifyExportOptions } from './export-verify.ts';
import { planSlices, type SlicePlan } from './export-verify-slices.ts';
import type { SliceTask, SliceWorkerData } from './export-verify-worker.ts';

export interface ParallelExportOptions extends VerifyExportOptions {
  /** Worker threads sharing the file (default 1: one pass on this thread, as readExportFile). */
  threads?: number;
  /** No slice smaller than this (default 32 MiB, some 20,000 entries): below it starting a thread costs about what it saves. Tests force small slices with 0. */
  minSliceBytes?: number;
  /** Cut at the first entry line at or after each of these byte offsets instead (tests: a boundary at a chosen line). */
  cutAt?: readonly number[];
}

export const DEFAULT_MIN_SLICE_BYTES = 32 * 2 ** 20;
/** Slices per thread: enough that a thread slowed by other work (the agent, on a terminal) holds the others back little. */
export const SLICES_PER_THREAD = 3;

type WorkerAnswer = { index: number; slice: ExportSliceResult } | { index: number; error: { code: string; message: string } };

/**
 * Reads and checks an export file, in slices on `threads` worker threads when it is large enough; the report
 * is the one readExportFile gives. `slices`: how many parts were checked apart (1: one pass). Whatever the
 * slices cannot say exactly (a damaged line, whose error names its line number; the export signature found
 * before the last slice; a worker that fails) is answered by one pass over the whole file.
 */
export async function readExportFileParallel(path: string, options: ParallelExportOptions): Promise<{ header: ExportHeader; report: ExportReport; slices: number }> {
  const keys = trustedKeys(options);
  const threads = Math.max(1, Math.floor(options.threads ?? 1));
  const plan = threads > 1 ? await planOrNull(path, threads * SLICES_PER_THREAD, options.minSliceBytes ?? DEFAULT_MIN_SLICE_BYTES, options.cutAt) : null;
  const onePass = async () => ({ ...(await readExportFile(path, options)), slices: 1 });
  if (!plan) return onePass();
  const results = await checkSlices(path, keys, plan, threads);
  // Lines after the export signature are each a problem one pass reports in its place: a rare, damaged file.
  if (!results || results.slice(0, -1).some((slice) => slice.exportCheckpoint)) return onePass();
  return { header: plan.header, report: ExportVerifier.merge(keys, plan.header, results), slices: results.length };
}

/** The slices, or null when the file cannot be cut (too small, unreadable, a first line that is not a header: one pass says which). */
async function planOrNull(path: string, count: number, minSliceBytes: number, cutAt?: readonly number[]): Promise<SlicePlan | null> {
  let file: FileHandle | undefined;
  try {
    file = await open(path, 'r');
    const { size } = await file.stat();
    return await planSlices(file, size, count, minSliceBytes, cutAt);
  } catch {
    return null;
  } finally {
    await file?.close();
  }
}

/**
 * Every slice's findings in file order, or null as soon as one worker reports an error or stops. `threads`
 * workers take the slices in turn, each the next one when it is done (a thread slowed by other work takes fewer).
 */
async function checkSlices(path: string, keys: KeyObject[], plan: SlicePlan, threads: number): Promise<ExportSliceResult[] | null> {
  const publicKeyPems = keys.map((key) => key.export({ type: 'spki', format: 'pem' }).toString());
  const workers: Worker[] = [];
  const results: ExportSliceResult[] = [];
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      const give = (worker: Worker) => {
        if (next < plan.slices.length) worker.postMessage({ index: next, slice: plan.slices[next++]! } satisfies SliceTask);
      };
      for (let i = 0; i < Math.min(threads, plan.slices.length); i++) {
        const worker = startSliceWorker({ path, header: plan.header, publicKeyPems });
        workers.push(worker);
        worker.on('message', (answer: WorkerAnswer) => {
          if ('error' in answer) return reject(new Error(answer.error.message));
          results[answer.index] = answer.slice;
          if (++done === plan.slices.length) resolve();
          else give(worker);
        });
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`the export check's worker thread stopped (exit ${code}) before the end`)));
        give(worker);
      }
    });
    return results;
  } catch {
    return null;
  } finally {
    // Idle or still reading (when another failed): ended either way.
    for (const worker of workers) void worker.terminate();
  }
}

function startSliceWorker(workerData: SliceWorkerData): Worker {
  return startModuleWorker(import.meta.url, 'export-verify-worker', workerData);
}
