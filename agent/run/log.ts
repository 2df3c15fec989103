/**
 * Every agent logger is made here, so none can write an ID number, an MRZ, a CCCD QR text or a person's
 * name: known personal fields are censored by path, and whatever is left (messages, error messages and
 * stacks, evidence) is scrubbed of the shapes that give a person away. Logs leave the terminal for
 * support; the register is the only place personal data is kept.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

/** Fields that hold personal data wherever they appear in a log object. */
const PERSONAL_FIELDS = ['idNumber', 'oldIdNumber', 'documentNumber', 'fullName', 'name', 'holderName', 'dateOfBirth', 'mrz', 'qr', 'text', 'can', 'placeOfResidence', 'address'];
const CENSOR = '[redacted]';

const SHAPES: [RegExp, string][] = [
  // The CCCD's front QR code: ID|old ID|name|birth|sex|address|issue (the whole text names the person).
  [/[^\s|"]*(?:\|[^|"\n]*){4,}/gu, '[qr]'],
  // MRZ lines and fragments: the filler '<<' only occurs there.
  [/[A-Z0-9<]*<<[A-Z0-9<]*/g, '[mrz]'],
  // 12-digit CCCD numbers, 9-digit ID and document numbers: any run of 9 to 12 digits.
  [/(?<!\d)\d{9,12}(?!\d)/g, '[number]'],
];

export function scrubText(text: string): string {
  return SHAPES.reduce((out, [shape, replacement]) => out.replace(shape, replacement), text);
}

/** Scrubs every string in a plain value; Errors are left to the err serializer (which scrubs them too). */
export function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 8 || value === null || typeof value !== 'object' || value instanceof Error || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = PERSONAL_FIELDS.includes(key) ? CENSOR : scrubValue(item, depth + 1);
  return out;
}

export interface AgentLoggerOptions {
  level: string;
  /** Where the JSON lines go: stderr by default; a buffer in tests. */
  destination?: DestinationStream;
}

export function createAgentLogger(options: AgentLoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: null,
      redact: { paths: [...PERSONAL_FIELDS, ...PERSONAL_FIELDS.map((field) => `*.${field}`)], censor: CENSOR },
      serializers: { err: (error: Error) => scrubValue(pino.stdSerializers.err(error)) },
      formatters: { log: (object) => scrubValue(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg)) as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination(2),
  );
}
