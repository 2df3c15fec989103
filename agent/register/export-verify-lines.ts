/**
 * Reading an export file's lines: a line parsed and classified (or a clear error with its line number), a whole
 * export held in memory, and the lines of a byte stream. Shared by the one-pass and the sliced check.
 */
import { XacminhError } from '../../drivers/errors.ts';
import { EXPORT_FORMAT, READABLE_EXPORT_VERSIONS, type ExportBundle, type ExportHeader, type ExportLine } from './export-format.ts';

/** One line of an export file; a line that is not JSON or not a known kind is a clear MALFORMED_DATA error with its line number. */
export function parseExportLine(line: string, lineNumber: number): ExportLine {
  let value: { type?: unknown };
  try {
    value = JSON.parse(line) as { type?: unknown };
  } catch (error) {
    throw new XacminhError('MALFORMED_DATA', `Export line ${lineNumber} is not JSON (${(error as Error).message}): the file is damaged or not a register export`, { line: lineNumber });
  }
  if (lineNumber === 1 || value?.type === 'header') {
    const candidate = value as Partial<ExportHeader>;
    if (lineNumber !== 1 || candidate?.type !== 'header' || candidate.format !== EXPORT_FORMAT) {
      throw new XacminhError('MALFORMED_DATA', `Not a register export: line 1 must be the ${EXPORT_FORMAT} header`, { line: lineNumber });
    }
    if (!READABLE_EXPORT_VERSIONS.includes(Number(candidate.version))) {
      throw new XacminhError('UNSUPPORTED', `Register export version ${String(candidate.version)} is not supported (this software reads ${READABLE_EXPORT_VERSIONS.join(', ')}): export again with this software`, { version: candidate.version });
    }
    return candidate as ExportHeader;
  }
  if (value?.type === 'entry' || value?.type === 'checkpoint' || value?.type === 'export-checkpoint') return value as ExportLine;
  throw new XacminhError('MALFORMED_DATA', `Export line ${lineNumber}: unexpected line type ${JSON.stringify(value?.type)}`, { line: lineNumber });
}

/** Parses a whole export held in memory (small exports, tests). */
export function parseExport(text: string): ExportBundle {
  const bundle: Partial<ExportBundle> & Pick<ExportBundle, 'entries' | 'checkpoints'> = { entries: [], checkpoints: [], exportCheckpoint: null };
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const value = parseExportLine(line, index + 1);
    if (value.type === 'header') bundle.header = value;
    else if (value.type === 'entry') bundle.entries.push(value);
    else if (value.type === 'checkpoint') bundle.checkpoints.push(value);
    else if (!bundle.exportCheckpoint) bundle.exportCheckpoint = value;
    else throw new XacminhError('MALFORMED_DATA', `Export line ${index + 1}: a second export checkpoint`, { line: index + 1 });
  }
  if (!bundle.header) throw new XacminhError('MALFORMED_DATA', 'The export is empty', {});
  return bundle as ExportBundle;
}

/** Lines of a byte stream (LF or CRLF), each decoded once: cheaper than readline for a million long lines. */
export async function* linesOf(input: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let rest: Buffer | null = null;
  for await (const chunk of input) {
    const data: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let end = data.indexOf(10, start); end !== -1; end = data.indexOf(10, start)) {
      const stop = end > start && data[end - 1] === 13 ? end - 1 : end;
      yield data.toString('utf8', start, stop);
      start = end + 1;
    }
    rest = start < data.length ? data.subarray(start) : null;
  }
  if (rest && rest.length > 0) yield rest.toString('utf8');
}
