/**
 * Worker thread entry (export-verify-parallel.ts): checks slices of an export file, one [from, to) per message,
 * with the same per-line checks as the one-pass verifier, and posts what it found for the main thread to merge.
 * A worker takes the next slice when it is done with one, so a thread slowed by other work takes fewer.
 */
import { createReadStream } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { isXacminhError } from '../../drivers/errors.ts';
import type { ExportHeader } from './export-format.ts';
import { ExportVerifier, type SliceStart } from './export-verify.ts';
import { linesOf, parseExportLine } from './export-verify-lines.ts';
import type { ExportSlice } from './export-verify-slices.ts';

export interface SliceWorkerData {
  path: string;
  header: ExportHeader;
  publicKeyPems: string[];
}

/** To the worker: check this slice (index: its place in the file). */
export interface SliceTask {
  index: number;
  slice: ExportSlice;
}

const { path, header, publicKeyPems } = workerData as SliceWorkerData;
const keys = publicKeyPems.map((pem) => createPublicKey(pem));

async function check(from: number, to: number, start: SliceStart | null) {
  const verifier = new ExportVerifier(keys, { header, start });
  const input = createReadStream(path, { start: from, end: to - 1, highWaterMark: 1 << 20 });
  // Line numbers here are relative (never 1, which only the header may hold): on an error the main thread
  // reads the file in one pass for the message with the real line number.
  let lineNumber = 1;
  try {
    for await (const line of linesOf(input)) {
      lineNumber++;
      if (line.trim() === '') continue;
      verifier.add(parseExportLine(line, lineNumber));
    }
  } finally {
    input.destroy();
  }
  return verifier.sliceResult();
}

parentPort!.on('message', (task: SliceTask) => {
  check(task.slice.from, task.slice.to, task.slice.start).then(
    (slice) => parentPort!.postMessage({ index: task.index, slice }),
    (error: unknown) => parentPort!.postMessage({ index: task.index, error: { code: isXacminhError(error) ? error.code : 'MALFORMED_DATA', message: error instanceof Error ? error.message : String(error) } }),
  );
});
