/**
 * DG13 of the Vietnamese chip ID (CCCD): `6D { 30 { 02 01 01, 06 <oid>, 31 { 30 { 02 n, value }... } } }`.
 * Fields are found by their INTEGER key, never by position, since cards leave some out.
 */
import { encodeTlv, readSingle, readTlvList, type Tlv } from '../tlv.ts';
import { derInteger, derString, malformed, TAG } from './der.ts';
import { concat } from '../crypto/bytes.ts';

export interface CccdPersonalData {
  idNumber?: string;
  fullName?: string;
  dateOfBirth?: string;
  sex?: string;
  nationality?: string;
  ethnicity?: string;
  religion?: string;
  placeOfOrigin?: string;
  placeOfResidence?: string;
  identifyingFeatures?: string;
  dateOfIssue?: string;
  dateOfExpiry?: string;
  fatherName?: string;
  motherName?: string;
  spouseName?: string;
  oldIdNumber?: string;
  /** Every field's value bytes by key, including keys we do not know (16 and beyond). */
  raw: Map<number, Uint8Array>;
}

type TextField = Exclude<keyof CccdPersonalData, 'raw' | 'fatherName' | 'motherName'>;

const TEXT_FIELDS: Record<number, TextField> = {
  1: 'idNumber',
  2: 'fullName',
  3: 'dateOfBirth',
  4: 'sex',
  5: 'nationality',
  6: 'ethnicity',
  7: 'religion',
  8: 'placeOfOrigin',
  9: 'placeOfResidence',
  10: 'identifyingFeatures',
  11: 'dateOfIssue',
  12: 'dateOfExpiry',
  14: 'spouseName',
  15: 'oldIdNumber',
};
const PARENTS = 13;
const NULL = 0x05;
const DG13_OID = Uint8Array.of(0x28, 0xd3, 0x16, 0x01, 0x00, 0x08);

export function parseDg13(bytes: Uint8Array): CccdPersonalData {
  const outer = readSingle(readSingle(bytes, 0x6d, 'DG13').value, TAG.SEQUENCE, 'DG13 content');
  const set = readTlvList(outer.value).find((t) => t.tag === TAG.SET);
  if (!set) throw malformed('DG13', 'no SET of fields');
  const data: CccdPersonalData = { raw: new Map() };
  for (const entry of readTlvList(set.value)) {
    if (entry.tag !== TAG.SEQUENCE) continue;
    const parts = readTlvList(entry.value);
    const key = derInteger(parts[0], 'DG13 field key');
    const values = parts.slice(1);
    data.raw.set(key, entry.value.subarray(parts[0]!.totalLength));
    if (key === PARENTS) {
      const names = flattenStrings(values);
      if (names[0]) data.fatherName = names[0];
      if (names[1]) data.motherName = names[1];
      continue;
    }
    const field = TEXT_FIELDS[key];
    if (!field) continue;
    const text = flattenStrings(values).join(' ').trim();
    if (text) data[field] = text;
  }
  return data;
}

/** Values are strings, or SEQUENCEs of strings (parents, sometimes an empty spouse SEQUENCE); NULL means absent. */
function flattenStrings(values: Tlv[]): string[] {
  return values.flatMap((v) => {
    if (v.tag === TAG.SEQUENCE) return flattenStrings(readTlvList(v.value));
    if (v.tag === NULL) return [];
    return [derString(v, 'DG13 field')];
  });
}

const text = (s: string) => encodeTlv(TAG.UTF8, new TextEncoder().encode(s));
const field = (key: number, value: Uint8Array) => encodeTlv(TAG.SEQUENCE, concat(encodeTlv(TAG.INTEGER, Uint8Array.of(key)), value));

export function encodeDg13(data: Omit<CccdPersonalData, 'raw'>): Uint8Array {
  const fields: Uint8Array[] = [];
  for (const [key, name] of Object.entries(TEXT_FIELDS)) {
    const value = data[name];
    if (Number(key) === 14) fields.push(field(14, value ? text(value) : encodeTlv(TAG.SEQUENCE, new Uint8Array(0))));
    else if (value !== undefined) fields.push(field(Number(key), text(value)));
    if (Number(key) === 12 && (data.fatherName || data.motherName)) {
      fields.push(field(PARENTS, encodeTlv(TAG.SEQUENCE, concat(text(data.fatherName ?? ''), text(data.motherName ?? '')))));
    }
  }
  const body = concat(encodeTlv(TAG.INTEGER, Uint8Array.of(1)), encodeTlv(TAG.OID, DG13_OID), encodeTlv(TAG.SET, concat(...fields)));
  return encodeTlv(0x6d, encodeTlv(TAG.SEQUENCE, body));
}

