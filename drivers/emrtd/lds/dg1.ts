/** DG1: the MRZ as printed (TD1 on ID cards, TD3 on passports). */
import { isXacminhError, XacminhError } from '../../errors.ts';
import { parseMrz, type Mrz } from '../mrz.ts';
import { encodeTlv, readSingle } from '../tlv.ts';
import { byteText } from './der.ts';

export interface Dg1 {
  mrz: Mrz;
  /** On a CCCD the optional data starts with the full 12-digit ID number. */
  cccdIdNumber?: string;
}

export function parseDg1(bytes: Uint8Array): Dg1 {
  const inner = readSingle(readSingle(bytes, 0x61, 'DG1').value, 0x5f1f, 'DG1 MRZ');
  const text = byteText(inner.value);
  let mrz: Mrz;
  try {
    mrz = parseMrz(text);
  } catch (error) {
    if (isXacminhError(error)) throw new XacminhError('MALFORMED_DATA', `DG1: ${error.message}`, {}, { cause: error });
    throw error;
  }
  const id = mrz.issuingState === 'VNM' && mrz.format === 'TD1' ? /^(\d{12})/.exec(mrz.optionalData1)?.[1] : undefined;
  return id ? { mrz, cccdIdNumber: id } : { mrz };
}

export function encodeDg1(lines: string[]): Uint8Array {
  return encodeTlv(0x61, encodeTlv(0x5f1f, new TextEncoder().encode(lines.join(''))));
}
