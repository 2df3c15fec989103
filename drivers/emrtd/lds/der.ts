/** Small DER readers shared by the LDS parsers: INTEGER, OBJECT IDENTIFIER, strings. */
import { XacminhError } from '../../errors.ts';
import { encodeTlv, type Tlv } from '../tlv.ts';

export const TAG = { INTEGER: 0x02, OCTET_STRING: 0x04, OID: 0x06, UTF8: 0x0c, PRINTABLE: 0x13, IA5: 0x16, SEQUENCE: 0x30, SET: 0x31 } as const;

export function malformed(what: string, message: string): XacminhError {
  return new XacminhError('MALFORMED_DATA', `${what}: ${message}`);
}

export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv) throw malformed(what, `missing element (tag ${tag.toString(16)})`);
  if (tlv.tag !== tag) throw malformed(what, `expected tag ${tag.toString(16)}, found ${tlv.tag.toString(16)}`);
  return tlv;
}

export function derInteger(tlv: Tlv | undefined, what: string): number {
  const value = expectTag(tlv, TAG.INTEGER, what).value;
  if (value.length === 0 || value.length > 6) throw malformed(what, `INTEGER of ${value.length} bytes`);
  let n = value[0]! & 0x80 ? -1 : 0;
  for (const b of value) n = n * 256 + b;
  return n;
}

export function derOid(tlv: Tlv | undefined, what: string): string {
  const value = expectTag(tlv, TAG.OID, what).value;
  if (value.length === 0 || (value[value.length - 1]! & 0x80) !== 0) throw malformed(what, 'bad OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let n = 0;
  for (const b of value) {
    n = n * 128 + (b & 0x7f);
    if (n > Number.MAX_SAFE_INTEGER / 128) throw malformed(what, 'OBJECT IDENTIFIER arc too large');
    if ((b & 0x80) === 0) {
      arcs.push(n);
      n = 0;
    }
  }
  const first = arcs.shift()!;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}

/** A DER INTEGER (two's complement, minimal) for the encoders. */
export function encodeDerInteger(n: number): Uint8Array {
  if (!Number.isSafeInteger(n)) throw new XacminhError('INVALID_INPUT', `INTEGER out of range: ${n}`);
  const bytes: number[] = [];
  let v = BigInt(n);
  for (;;) {
    const b = Number(v & 0xffn);
    bytes.unshift(b);
    v >>= 8n;
    // Stop once the remaining value is pure sign extension of the byte just written.
    if ((v === 0n && (b & 0x80) === 0) || (v === -1n && (b & 0x80) !== 0)) break;
  }
  return encodeTlv(TAG.INTEGER, Uint8Array.from(bytes));
}

/** Bytes as one char each (MRZ, LDS version): no spread into String.fromCharCode, which overflows on large values. */
export function byteText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** UTF8String, PrintableString or IA5String as text. */
export function derString(tlv: Tlv | undefined, what: string): string {
  if (!tlv) throw malformed(what, 'missing string');
  if (tlv.tag !== TAG.UTF8 && tlv.tag !== TAG.PRINTABLE && tlv.tag !== TAG.IA5) throw malformed(what, `expected a string, found tag ${tlv.tag.toString(16)}`);
  try {
    return utf8.decode(tlv.value);
  } catch {
    throw malformed(what, 'text is not valid UTF-8');
  }
}
