/**
 * Every agent logger is made here, so none can write an ID number, an MRZ, a CCCD QR text or a person's
 * name: each line is scrubbed as written, known personal fields censored wherever they are and every other
 * string (messages, error messages and stacks, evidence) cleared of the shapes that give a person away. Logs leave the terminal for
 * support; the register is the only place personal data is kept.
 */
import { fstatSync } from 'node:fs';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { CccdPersonalData } from '../../drivers/emrtd/lds/dg13.ts';
import type { Mrz } from '../../drivers/emrtd/mrz.ts';

/** Every field of the chip's DG13: typed against it, so a field added there fails to compile until listed here. */
const DG13_FIELDS = {
  idNumber: true, fullName: true, dateOfBirth: true, sex: true, nationality: true, ethnicity: true, religion: true, placeOfOrigin: true,
  placeOfResidence: true, identifyingFeatures: true, dateOfIssue: true, dateOfExpiry: true, fatherName: true, motherName: true, spouseName: true, oldIdNumber: true,
} satisfies Record<Exclude<keyof CccdPersonalData, 'raw'>, true>;
/** The MRZ's name fields and its optional data (a CCCD's holds the 12-digit ID number). */
const MRZ_FIELDS: (keyof Mrz)[] = ['primaryIdentifier', 'secondaryIdentifier', 'documentNumber', 'optionalData1', 'optionalData2'];

/** Fields that hold personal data wherever they appear in a log object. */
export const PERSONAL_FIELDS = [
  ...new Set([...Object.keys(DG13_FIELDS), ...MRZ_FIELDS, 'documentNumber', 'fullName', 'name', 'holderName', 'mrz', 'qr', 'text', 'can', 'address']),
];
/** Deeper than this, an object is replaced, not walked (and never written unscrubbed). */
const MAX_DEPTH = 8;
const CENSOR = '[redacted]';

const SHAPES: [RegExp, string][] = [
  // The CCCD's front QR code: ID|old ID|name|birth|sex|address|issue (the whole text names the person).
  [/[^\s|"]*(?:\|[^|"\n]*){4,}/gu, '[qr]'],
  // MRZ lines and fragments: the filler '<<' only occurs there.
  [/[A-Z0-9<]*<<[A-Z0-9<]*/g, '[mrz]'],
  // 12-digit CCCD numbers, 9-digit ID and document numbers: any run of 9 to 12 digits.
  [/(?<!\d)\d{9,12}(?!\d)/g, '[number]'],
];

function scrubText(text: string): string {
  return SHAPES.reduce((out, [shape, replacement]) => out.replace(shape, replacement), text);
}

/** Scrubs a parsed JSON value: personal fields censored, every string scrubbed, ID-shaped numbers censored. */
function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  // A 9–12 digit integer has the shape of a document or ID number (a CCCD number without its leading 0).
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) >= 1e8 && Math.abs(value) < 1e12) return CENSOR;
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '[depth]';
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = PERSONAL_FIELDS.includes(key) ? CENSOR : scrubValue(item, depth + 1);
  return out;
}

/** A JSON log line, scrubbed as a whole; a line that is not JSON (never expected) is scrubbed as text. */
function scrubLine(line: string): string {
  return scrubLineFor(line, false);
}

/** pino's numeric levels → sd-daemon(3) priorities: trace/debug 7, info 6, warn 4, error 3, fatal 2. */
function journalPriority(level: unknown): number {
  if (typeof level !== 'number') return 6;
  return level >= 60 ? 2 : level >= 50 ? 3 : level >= 40 ? 4 : level >= 30 ? 6 : 7;
}

/** With `journal`, the line starts with `<N>`: journald takes it as the priority and strips it (SyslogLevelPrefix=yes). */
function scrubLineFor(line: string, journal: boolean): string {
  try {
    const parsed = JSON.parse(line) as unknown;
    const level = parsed !== null && typeof parsed === 'object' ? (parsed as { level?: unknown }).level : undefined;
    return `${journal ? `<${journalPriority(level)}>` : ''}${JSON.stringify(scrubValue(parsed))}\n`;
  } catch {
    return `${journal ? '<6>' : ''}${scrubText(line)}`;
  }
}

/**
 * True when systemd connected our stderr to the journal: JOURNAL_STREAM names that stream's device and inode
 * (systemd.exec(5)), so a stderr redirected elsewhere (a file, a pipe) gets no `<N>` prefixes.
 */
export function stderrIsJournal(env: NodeJS.ProcessEnv = process.env, fd = 2): boolean {
  const stream = env.JOURNAL_STREAM;
  if (!stream) return false;
  try {
    const stat = fstatSync(fd);
    return stream === `${stat.dev}:${stat.ino}`;
  } catch {
    return false;
  }
}

export interface AgentLoggerOptions {
  level: string;
  /** Where the JSON lines go: stderr by default; a buffer in tests. */
  destination?: DestinationStream;
  /** Prefix each line with its journald priority; default: when stderr is the journal (stderrIsJournal). */
  journal?: boolean;
}

export function createAgentLogger(options: AgentLoggerOptions): Logger {
  const journal = options.journal ?? (options.destination === undefined && stderrIsJournal());
  return pino(
    {
      level: options.level,
      base: null,
      // One place scrubs: every line as written, after pino has built `msg` (from an error's message or
      // %s/%d/%j/%o args), serialized errors and added child() bindings. Earlier hooks would miss some of those.
      hooks: { streamWrite: journal ? (line) => scrubLineFor(line, true) : scrubLine },
    },
    options.destination ?? pino.destination(2),
  );
}
