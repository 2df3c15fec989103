/**
 * Turns the raw files of a read into typed data groups. A file that does not parse is reported in
 * `unread` with the parser's reason and its raw bytes are kept: one bad data group never hides the others.
 */
import { isXacminhError } from '../errors.ts';
import { parseCardAccess } from './lds/card-access.ts';
import { parseCom } from './lds/com.ts';
import { parseDg1 } from './lds/dg1.ts';
import { parseDg2 } from './lds/dg2.ts';
import { parseDg13 } from './lds/dg13.ts';
import { parseDg14 } from './lds/dg14.ts';
import { parseDg15 } from './lds/dg15.ts';
import { parseSod } from './lds/sod.ts';
import type { UnreadFile } from './read-document.ts';

export interface ParsedFiles {
  cardAccess?: ReturnType<typeof parseCardAccess>;
  com?: ReturnType<typeof parseCom>;
  dg1?: ReturnType<typeof parseDg1>;
  dg2?: ReturnType<typeof parseDg2>;
  dg13?: ReturnType<typeof parseDg13>;
  dg14?: ReturnType<typeof parseDg14>;
  dg15?: ReturnType<typeof parseDg15>;
  sod?: ReturnType<typeof parseSod>;
}

const PARSERS = {
  'EF.CardAccess': ['cardAccess', parseCardAccess],
  'EF.COM': ['com', parseCom],
  DG1: ['dg1', parseDg1],
  DG2: ['dg2', parseDg2],
  DG13: ['dg13', parseDg13],
  DG14: ['dg14', parseDg14],
  DG15: ['dg15', parseDg15],
  'EF.SOD': ['sod', parseSod],
} as const;

export function parseDocumentFiles(files: ReadonlyMap<string, Uint8Array>, unread: UnreadFile[]): ParsedFiles {
  const parsed: Record<string, unknown> = {};
  for (const [name, raw] of files) {
    const entry = PARSERS[name as keyof typeof PARSERS];
    if (!entry) continue;
    const [field, parse] = entry;
    try {
      parsed[field] = parse(raw);
    } catch (error) {
      if (!isXacminhError(error)) throw error;
      unread.push({ file: name, code: error.code, reason: `${name} could not be parsed: ${error.message}` });
    }
  }
  return parsed as ParsedFiles;
}
