/**
 * Every way the operator can give the chip's access key — the 12-digit ID number, the MRZ, the document
 * number with two dates, or the QR code on the front of the CCCD — leads to one AccessKey.
 */
import { XacminhError } from '../errors.ts';
import type { BacKeyInput } from './bac.ts';
import { mrzCheckDigit, parseMrz } from './mrz.ts';

export type AccessKey =
  | { kind: 'CAN'; can: string; idNumber?: string; source: AccessKeySource }
  | { kind: 'MRZ'; mrz: BacKeyInput; idNumber?: string; source: AccessKeySource };

export type AccessKeySource = 'id-number' | 'can' | 'mrz' | 'document-fields' | 'qr';

/** What the operator should re-check when the chip refuses this key. */
export function describeKeyInput(key: AccessKey): string {
  switch (key.source) {
    case 'id-number':
    case 'qr':
      return 'the 12-digit ID number (số định danh cá nhân)';
    case 'can':
      return 'the 6-digit CAN';
    case 'mrz':
      return 'the MRZ lines scanned or typed from the back of the card';
    case 'document-fields':
      return 'the document number, date of birth and date of expiry';
  }
}

const ID_NUMBER = /^\d{12}$/;

/** The CCCD's CAN is the last 6 digits of its 12-digit ID number. */
export function accessKeyFromIdNumber(idNumber: string): AccessKey {
  const id = idNumber.replace(/[\s.-]/g, '');
  if (!ID_NUMBER.test(id)) {
    throw new XacminhError('INVALID_INPUT', `The ID number must have exactly 12 digits, got ${id.length} character(s)`, { field: 'id' });
  }
  return { kind: 'CAN', can: id.slice(6), idNumber: id, source: 'id-number' };
}

export function accessKeyFromCan(can: string): AccessKey {
  if (!/^\d{6}$/.test(can)) throw new XacminhError('INVALID_INPUT', `The CAN must have 6 digits, got ${can.length} character(s)`, { field: 'can' });
  return { kind: 'CAN', can, source: 'can' };
}

/** MRZ text as scanned (TD1 3×30 or TD3 2×44). Check digits must be right: a misread MRZ fails BAC anyway. */
export function accessKeyFromMrz(text: string): AccessKey {
  const mrz = parseMrz(text);
  if (!mrz.checkDigitsValid) {
    throw new XacminhError('INVALID_INPUT', `The MRZ has wrong check digits (${mrz.problems.join('; ')}): scan or type it again`, {
      field: 'mrz',
    });
  }
  const idNumber = cccdIdFromOptionalData(mrz.optionalData1);
  const key: AccessKey = {
    kind: 'MRZ',
    mrz: { documentNumber: mrz.documentNumber, dateOfBirth: mrz.dateOfBirth, dateOfExpiry: mrz.dateOfExpiry },
    source: 'mrz',
  };
  return idNumber ? { ...key, idNumber } : key;
}

export function accessKeyFromDocumentFields(documentNumber: string, dateOfBirth: string, dateOfExpiry: string): AccessKey {
  const doc = documentNumber.trim().toUpperCase();
  if (!/^[A-Z0-9<]{1,22}$/.test(doc)) {
    throw new XacminhError('INVALID_INPUT', 'The document number has characters an MRZ cannot hold (A–Z, 0–9 and <, at most 22)', { field: 'doc' });
  }
  return {
    kind: 'MRZ',
    mrz: { documentNumber: doc, dateOfBirth: toMrzDate(dateOfBirth, 'dob'), dateOfExpiry: toMrzDate(dateOfExpiry, 'expiry') },
    source: 'document-fields',
  };
}

/**
 * The QR code on the front of a CCCD: `ID|old ID|full name|ddmmyyyy birth|sex|address|ddmmyyyy issue`.
 * It holds no expiry, so the key is the CAN taken from the ID number.
 */
export function accessKeyFromQr(text: string): AccessKey {
  const fields = text.trim().split('|');
  const id = fields[0]?.trim() ?? '';
  if (fields.length < 6 || !ID_NUMBER.test(id)) {
    throw new XacminhError('INVALID_INPUT', 'This QR code is not a CCCD QR code (expected "ID|old ID|name|birth date|sex|address|issue date")', {
      field: 'qr',
    });
  }
  return { ...accessKeyFromIdNumber(id), source: 'qr' };
}

/** Accepts YYMMDD, DDMMYYYY, DD/MM/YYYY and YYYY-MM-DD; returns the MRZ's YYMMDD. */
export function toMrzDate(value: string, field: string): string {
  const v = value.trim();
  let yyyy: string, mm: string, dd: string;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{2})(\d{2})(\d{2})$/.exec(v))) return checkDate(`20${m[1]}`, m[2]!, m[3]!, field) && v;
  if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v))) [yyyy, mm, dd] = [m[1]!, m[2]!, m[3]!];
  else if ((m = /^(\d{2})[/.](\d{2})[/.](\d{4})$/.exec(v)) || (m = /^(\d{2})(\d{2})(\d{4})$/.exec(v))) [dd, mm, yyyy] = [m[1]!, m[2]!, m[3]!];
  else throw new XacminhError('INVALID_INPUT', `Cannot read the date (${field}): use DD/MM/YYYY`, { field });
  checkDate(yyyy, mm, dd, field);
  return `${yyyy.slice(2)}${mm}${dd}`;
}

// Error messages never repeat the value: they reach logs, and a birth date or ID number is personal data.
function checkDate(yyyy: string, mm: string, dd: string, field: string): true {
  const date = new Date(Date.UTC(Number(yyyy), Number(mm) - 1, Number(dd)));
  if (date.getUTCMonth() !== Number(mm) - 1 || date.getUTCDate() !== Number(dd)) {
    throw new XacminhError('INVALID_INPUT', `The date (${field}) is not a real date: check the day and month`, { field });
  }
  return true;
}

/** CCCD TD1: the optional data starts with the full 12-digit ID number. */
function cccdIdFromOptionalData(optionalData: string): string | undefined {
  const m = /^(\d{12})/.exec(optionalData);
  return m?.[1];
}

export { mrzCheckDigit };
