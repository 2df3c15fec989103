/**
 * Worker thread entry (export-verify-parallel.ts): checks one slice of an export file, [from, to), with the
 * same per-line checks as the one-pass verifier, and posts what it found for the main thread to merge.
 */
import { createReadStream } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { isXacminhError } from '../../drivers/errors.ts';
import type { ExportHeader } from './export-format.ts';
import { ExportVerifier, type SliceStart } from './export-verify.ts';
import { linesOf, parseExportLine } from './export-verify-lines.ts';

export interface SliceWork {
  path: string;
  from: number;
  to: number;
  header: ExportHeader;
  start: SliceStart | null;
  publicKeyPems: string[];
}

const work = workerData as SliceWork;
try {
  const verifier = new ExportVerifier(work.publicKeyPems.map((pem) => createPublicKey(pem)), { header: work.header, start: work.start });
  const input = createReadStream(work.path, { start: work.from, end: work.to - 1, highWaterMark: 1 << 20 });
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
  parentPort!.postMessage({ slice: verifier.sliceResult() });
} catch (error) {
  parentPort!.postMessage({ error: { code: isXacminhError(error) ? error.code : 'MALFORMED_DATA', message: error instanceof Error ? error.message : String(error) } });
}
