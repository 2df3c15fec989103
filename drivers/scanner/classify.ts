/**
 * What a scanned code means: the CCCD's front QR code or its MRZ give an AccessKey; anything else is
 * refused with a message the operator can act on, in Vietnamese first (the kiosk's language) and English.
 */
import { XacminhError, isXacminhError } from '../errors.ts';
import { accessKeyFromMrz, accessKeyFromQr, type AccessKey } from '../emrtd/access-key.ts';

export type Classified = { kind: 'key'; key: AccessKey } | { kind: 'mrz-line'; line: string } | { kind: 'rejected'; error: XacminhError };

const utf8 = new TextDecoder('utf-8', { fatal: true });
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd]/;
const MRZ_CHARS = /^[A-Z0-9<]+$/;
/** Line width → lines in the whole MRZ (TD1 3×30, TD2 2×36, TD3 2×44). */
export const MRZ_LINES: Readonly<Record<number, number>> = { 30: 3, 36: 2, 44: 2 };
const MRZ_WHOLE = new Set([90, 72, 88]);

export const NOT_A_CCCD_CODE =
  'Mã vừa quét không phải mã QR của CCCD hay dòng MRZ: hãy quét mã QR ở mặt trước thẻ. ' +
  '/ The scanned code is not a CCCD QR code or MRZ: scan the QR code on the front of the card.';

/** Decodes a frame as UTF-8; null when the bytes are not UTF-8 (wrong scanner code page, noise). */
export function decodeScan(bytes: Buffer): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

export function rejection(message: string, evidence: Record<string, unknown>, cause?: unknown): XacminhError {
  return new XacminhError('INVALID_INPUT', message, evidence, cause === undefined ? undefined : { cause });
}

export function isMrzLine(line: string): boolean {
  return MRZ_LINES[line.length] !== undefined && MRZ_CHARS.test(line);
}

/** One decoded code. A single MRZ line is returned as such: the scanner gathers the lines of one MRZ. */
export function classifyScan(raw: string): Classified {
  const text = raw.replace(/^\ufeff/, '').trim();
  const lines = text
    .split(/\r\n|\r|\n/)
    .map((line) => line.replace(/\s/g, ''))
    .filter((line) => line.length > 0);
  if (lines.length > 1 && lines.every(isMrzLine)) return fromMrz(lines.join('\n'));
  if (CONTROL.test(text) || lines.length !== 1) {
    return { kind: 'rejected', error: rejection(`${NOT_A_CCCD_CODE} (ký tự điều khiển / control characters)`, { reason: 'control-characters', length: raw.length }) };
  }
  if (text.includes('|')) {
    try {
      return { kind: 'key', key: accessKeyFromQr(text) };
    } catch (error) {
      return { kind: 'rejected', error: wrap(error, 'qr', text.length) };
    }
  }
  const compact = lines[0]!;
  if (isMrzLine(compact)) return { kind: 'mrz-line', line: compact };
  if (MRZ_WHOLE.has(compact.length) && MRZ_CHARS.test(compact)) return fromMrz(compact);
  return { kind: 'rejected', error: rejection(NOT_A_CCCD_CODE, { reason: 'unknown-format', length: text.length }) };
}

export function fromMrz(text: string): Classified {
  try {
    return { kind: 'key', key: accessKeyFromMrz(text) };
  } catch (error) {
    return { kind: 'rejected', error: wrap(error, 'mrz', text.length) };
  }
}

function wrap(error: unknown, format: 'qr' | 'mrz', length: number): XacminhError {
  const detail = isXacminhError(error) ? error.message : String(error);
  const vi = format === 'qr' ? 'Mã QR không đúng dạng CCCD' : 'Dòng MRZ đọc sai (số kiểm tra không khớp)';
  const hint = format === 'qr' ? 'hãy quét lại mã QR ở mặt trước thẻ' : 'hãy quét lại mặt sau thẻ';
  return rejection(`${vi}: ${hint}. / ${detail}`, { reason: `invalid-${format}`, length }, error);
}
