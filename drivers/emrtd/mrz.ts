/**
 * Machine-readable zones (ICAO 9303-3/4/5): check digits, parsing TD1 (ID cards: 3×30), TD2 (2×36) and
 * TD3 (passports: 2×44), and formatting TD1/TD3 for the virtual card.
 */
import { XacminhError } from '../errors.ts';

const WEIGHTS = [7, 3, 1];

function charValue(c: string): number {
  if (c === '<') return 0;
  if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
  if (c >= 'A' && c <= 'Z') return c.charCodeAt(0) - 55;
  throw new XacminhError('INVALID_INPUT', `"${c}" cannot appear in an MRZ`, { field: 'mrz' });
}

export function mrzCheckDigit(s: string): string {
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += charValue(s[i]!) * WEIGHTS[i % 3]!;
  return String(sum % 10);
}

export interface Mrz {
  format: 'TD1' | 'TD2' | 'TD3';
  documentCode: string;
  issuingState: string;
  documentNumber: string;
  dateOfBirth: string;
  dateOfExpiry: string;
  sex: string;
  nationality: string;
  primaryIdentifier: string;
  secondaryIdentifier: string;
  optionalData1: string;
  optionalData2: string;
  lines: string[];
  checkDigitsValid: boolean;
  problems: string[];
}

const FORMATS = { TD1: [3, 30], TD2: [2, 36], TD3: [2, 44] } as const;

const trimFiller = (s: string): string => s.replace(/<+$/, '');

export function parseMrz(text: string): Mrz {
  const compact = text.toUpperCase().replace(/[^\S\n]/g, '');
  const given = compact.split('\n').filter((line) => line.length > 0);
  const joined = given.join('');
  const format = (Object.keys(FORMATS) as (keyof typeof FORMATS)[]).find((f) => FORMATS[f][0] * FORMATS[f][1] === joined.length);
  if (!format) throw new XacminhError('INVALID_INPUT', `An MRZ has 90 (ID card), 72 or 88 (passport) characters; got ${joined.length}`, { field: 'mrz' });
  if (!/^[A-Z0-9<]+$/.test(joined)) throw new XacminhError('INVALID_INPUT', 'The MRZ may hold only A–Z, 0–9 and <', { field: 'mrz' });
  const [count, width] = FORMATS[format];
  // Lines given separately must each be whole: a character lost on one line and gained on another would
  // otherwise shift every field after it without a word.
  if (given.length > 1 && (given.length !== count || given.some((line) => line.length !== width))) {
    throw new XacminhError('INVALID_INPUT', `MRZ lines of ${given.map((l) => l.length).join(', ')} characters; ${format} has ${count} lines of ${width}`, { field: 'mrz' });
  }
  const lines = Array.from({ length: count }, (_, i) => joined.slice(i * width, (i + 1) * width));
  return format === 'TD1' ? parseTd1(lines) : parseTd23(lines, format);
}

interface Checked {
  problems: string[];
}

function check(ctx: Checked, label: string, data: string, digit: string): void {
  if (digit === '<' && /^<*$/.test(data)) return;
  if (mrzCheckDigit(data) !== digit) ctx.problems.push(`${label} check digit`);
}

function names(field: string): { primary: string; secondary: string } {
  const [primary = '', ...rest] = field.split('<<');
  return { primary: primary.replace(/</g, ' ').trim(), secondary: rest.join(' ').replace(/</g, ' ').trim() };
}

/**
 * A document number longer than 9 characters (9303-5 §4.2.2, 9303-6 §4.2.2): '<' stands in the check-digit
 * position, the number continues in the optional data, followed by its check digit and a filler.
 */
function longDocumentNumber(head: string, digit: string, optional: string): { number: string; digit: string; optional: string } {
  if (digit !== '<' || /^<*$/.test(optional)) return { number: head, digit, optional };
  const m = /^([A-Z0-9]*?)(\d)(?:<|$)/.exec(optional);
  if (!m) return { number: head, digit, optional };
  return { number: head + m[1], digit: m[2]!, optional: optional.slice(m[0].length) };
}

function parseTd1(lines: string[]): Mrz {
  const [l1, l2, l3] = lines as [string, string, string];
  const ctx: Checked = { problems: [] };
  const { number: documentNumber, digit: docDigit, optional: optional1 } = longDocumentNumber(l1.slice(5, 14), l1[14]!, l1.slice(15, 30));
  check(ctx, 'document number', documentNumber, docDigit);
  check(ctx, 'date of birth', l2.slice(0, 6), l2[6]!);
  check(ctx, 'date of expiry', l2.slice(8, 14), l2[14]!);
  check(ctx, 'composite', l1.slice(5, 30) + l2.slice(0, 7) + l2.slice(8, 15) + l2.slice(18, 29), l2[29]!);
  const { primary, secondary } = names(l3);
  return {
    format: 'TD1',
    documentCode: trimFiller(l1.slice(0, 2)),
    issuingState: trimFiller(l1.slice(2, 5)),
    documentNumber: trimFiller(documentNumber),
    dateOfBirth: l2.slice(0, 6),
    dateOfExpiry: l2.slice(8, 14),
    sex: l2[7]!,
    nationality: trimFiller(l2.slice(15, 18)),
    primaryIdentifier: primary,
    secondaryIdentifier: secondary,
    optionalData1: trimFiller(optional1),
    optionalData2: trimFiller(l2.slice(18, 29)),
    lines,
    checkDigitsValid: ctx.problems.length === 0,
    problems: ctx.problems,
  };
}

function parseTd23(lines: string[], format: 'TD2' | 'TD3'): Mrz {
  const [l1, l2] = lines as [string, string];
  const ctx: Checked = { problems: [] };
  // Only TD2 has the long-document-number rule; a TD3 personal number is its own field.
  const doc = format === 'TD2' ? longDocumentNumber(l2.slice(0, 9), l2[9]!, l2.slice(28, 35)) : { number: l2.slice(0, 9), digit: l2[9]!, optional: l2.slice(28, 42) };
  check(ctx, 'document number', doc.number, doc.digit);
  check(ctx, 'date of birth', l2.slice(13, 19), l2[19]!);
  check(ctx, 'date of expiry', l2.slice(21, 27), l2[27]!);
  if (format === 'TD3') check(ctx, 'personal number', l2.slice(28, 42), l2[42]!);
  const compositeData = l2.slice(0, 10) + l2.slice(13, 20) + l2.slice(21, format === 'TD3' ? 43 : 35);
  check(ctx, 'composite', compositeData, l2[l2.length - 1]!);
  const { primary, secondary } = names(l1.slice(5));
  return {
    format,
    documentCode: trimFiller(l1.slice(0, 2)),
    issuingState: trimFiller(l1.slice(2, 5)),
    documentNumber: trimFiller(doc.number),
    dateOfBirth: l2.slice(13, 19),
    dateOfExpiry: l2.slice(21, 27),
    sex: l2[20]!,
    nationality: trimFiller(l2.slice(10, 13)),
    primaryIdentifier: primary,
    secondaryIdentifier: secondary,
    optionalData1: trimFiller(doc.optional),
    optionalData2: '',
    lines,
    checkDigitsValid: ctx.problems.length === 0,
    problems: ctx.problems,
  };
}

export interface MrzFields {
  documentCode: string;
  issuingState: string;
  documentNumber: string;
  dateOfBirth: string;
  sex: string;
  dateOfExpiry: string;
  nationality: string;
  optionalData1: string;
  optionalData2: string;
  primaryIdentifier: string;
  secondaryIdentifier: string;
}

function field(value: string, width: number): string {
  const v = value.toUpperCase().replace(/[^A-Z0-9<]/g, '<');
  return (v + '<'.repeat(width)).slice(0, width);
}

function nameField(f: MrzFields, width: number): string {
  return field(`${f.primaryIdentifier.replace(/ /g, '<')}<<${f.secondaryIdentifier.replace(/ /g, '<')}`, width);
}

export function formatTd1(f: MrzFields): string[] {
  const number = f.documentNumber.toUpperCase().replace(/[^A-Z0-9<]/g, '<');
  // Longer than 9: the long-document-number rule, as parseMrz reads it back.
  const [doc, docDigit, optional] =
    number.length > 9 ? [number.slice(0, 9), '<', `${number.slice(9)}${mrzCheckDigit(number)}<${f.optionalData1}`] : [field(number, 9), mrzCheckDigit(field(number, 9)), f.optionalData1];
  const l1 = field(f.documentCode, 2) + field(f.issuingState, 3) + doc + docDigit + field(optional, 15);
  const body = field(f.dateOfBirth, 6) + mrzCheckDigit(field(f.dateOfBirth, 6)) + field(f.sex, 1) + field(f.dateOfExpiry, 6) + mrzCheckDigit(field(f.dateOfExpiry, 6));
  const l2start = body + field(f.nationality, 3) + field(f.optionalData2, 11);
  const composite = l1.slice(5, 30) + l2start.slice(0, 7) + l2start.slice(8, 15) + l2start.slice(18, 29);
  return [l1, l2start + mrzCheckDigit(composite), nameField(f, 30)];
}

export function formatTd3(f: MrzFields): string[] {
  const doc = field(f.documentNumber, 9);
  const personal = field(f.optionalData1, 14);
  const personalDigit = /^<*$/.test(personal) ? '<' : mrzCheckDigit(personal);
  const dob = field(f.dateOfBirth, 6);
  const exp = field(f.dateOfExpiry, 6);
  const l2 = doc + mrzCheckDigit(doc) + field(f.nationality, 3) + dob + mrzCheckDigit(dob) + field(f.sex, 1) + exp + mrzCheckDigit(exp) + personal + personalDigit;
  const composite = l2.slice(0, 10) + l2.slice(13, 20) + l2.slice(21, 43);
  return [field(f.documentCode, 2) + field(f.issuingState, 3) + nameField(f, 39), l2 + mrzCheckDigit(composite)];
}
