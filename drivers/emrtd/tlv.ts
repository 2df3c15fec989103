/**
 * Strict BER-TLV (ISO/IEC 7816-4, as the LDS uses it). Every structural problem — truncation, an
 * indefinite or overlong length, a length running past the data — is a MALFORMED_DATA error, never a
 * RangeError, because these bytes come from a card we do not trust yet.
 */
import { XacminhError, type ErrorCode } from '../errors.ts';

export interface Tlv {
  tag: number;
  value: Uint8Array;
  headerLength: number;
  totalLength: number;
  /** The whole encoded object (tag, length, value), as MAC inputs need it. */
  raw: Uint8Array;
}

const MAX_TAG_BYTES = 3;
const MAX_LENGTH_BYTES = 4;

function malformed(message: string, offset: number, code: ErrorCode = 'MALFORMED_DATA'): XacminhError {
  return new XacminhError(code, `TLV: ${message} at offset ${offset}`, { offset });
}

/** Reads tag and length; undefined when `bytes` ends before the header does. */
function readHeader(bytes: Uint8Array, offset: number, code?: ErrorCode): { tag: number; headerLength: number; valueLength: number } | undefined {
  // A negative or fractional offset would read `undefined` bytes and silently decode garbage.
  if (!Number.isSafeInteger(offset) || offset < 0) throw malformed('invalid offset', offset, code);
  let p = offset;
  if (p >= bytes.length) return undefined;
  let tag = bytes[p++]!;
  if (tag === 0x00 || tag === 0xff) throw malformed(`invalid tag byte ${tag.toString(16)}`, offset, code);
  if ((tag & 0x1f) === 0x1f) {
    let count = 1;
    for (;;) {
      if (p >= bytes.length) return undefined;
      const b = bytes[p++]!;
      tag = (tag << 8) | b;
      if (++count > MAX_TAG_BYTES) throw malformed('tag longer than 3 bytes', offset, code);
      if ((b & 0x80) === 0) break;
    }
  }
  if (p >= bytes.length) return undefined;
  const first = bytes[p++]!;
  let valueLength: number;
  if (first < 0x80) valueLength = first;
  else {
    const n = first & 0x7f;
    if (n === 0) throw malformed('indefinite length', offset, code);
    if (n > MAX_LENGTH_BYTES) throw malformed(`${n}-byte length field`, offset, code);
    if (p + n > bytes.length) return undefined;
    valueLength = 0;
    for (let i = 0; i < n; i++) valueLength = valueLength * 256 + bytes[p++]!;
  }
  return { tag, headerLength: p - offset, valueLength };
}

/** `code` lets secure messaging report SM_MALFORMED where LDS parsers report MALFORMED_DATA. */
export function readTlv(bytes: Uint8Array, offset = 0, code?: ErrorCode): Tlv {
  const header = readHeader(bytes, offset, code);
  if (!header) throw malformed('truncated header', offset, code);
  const start = offset + header.headerLength;
  const end = start + header.valueLength;
  if (end > bytes.length) throw malformed(`length ${header.valueLength} runs past the data (${bytes.length - start} bytes left)`, offset, code);
  return {
    tag: header.tag,
    value: bytes.subarray(start, end),
    headerLength: header.headerLength,
    totalLength: header.headerLength + header.valueLength,
    raw: bytes.subarray(offset, end),
  };
}

/** All TLVs filling `bytes` exactly. */
export function readTlvList(bytes: Uint8Array, code?: ErrorCode): Tlv[] {
  const out: Tlv[] = [];
  for (let offset = 0; offset < bytes.length; ) {
    const tlv = readTlv(bytes, offset, code);
    out.push(tlv);
    offset += tlv.totalLength;
  }
  return out;
}

export function findTlv(bytes: Uint8Array, tag: number): Tlv | undefined {
  return readTlvList(bytes).find((t) => t.tag === tag);
}

/** Like findTlv, but the object must be there. */
export function requireTlv(bytes: Uint8Array, tag: number, what: string): Tlv {
  const tlv = findTlv(bytes, tag);
  if (!tlv) throw new XacminhError('MALFORMED_DATA', `${what}: missing tag ${tag.toString(16).toUpperCase()}`);
  return tlv;
}

/** Reads exactly one TLV with the expected tag covering all of `bytes`. */
export function readSingle(bytes: Uint8Array, tag: number, what: string): Tlv {
  const tlv = readTlv(bytes);
  if (tlv.tag !== tag) throw new XacminhError('MALFORMED_DATA', `${what}: expected tag ${tag.toString(16).toUpperCase()}, found ${tlv.tag.toString(16).toUpperCase()}`);
  if (tlv.totalLength !== bytes.length) throw new XacminhError('MALFORMED_DATA', `${what}: ${bytes.length - tlv.totalLength} bytes after the end`);
  return tlv;
}

/** From the first bytes of a file: its header and value length, or undefined if more bytes are needed. */
export function peekTlvLength(prefix: Uint8Array): { headerLength: number; valueLength: number } | undefined {
  const header = readHeader(prefix, 0);
  return header && { headerLength: header.headerLength, valueLength: header.valueLength };
}

export function encodeLength(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new XacminhError('INVALID_INPUT', `TLV length out of range: ${n}`);
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.from([0x80 | bytes.length, ...bytes]);
}

export function encodeTag(tag: number): Uint8Array {
  const bytes: number[] = [];
  for (let v = tag; v > 0; v >>>= 8) bytes.unshift(v & 0xff);
  return Uint8Array.from(bytes.length ? bytes : [0]);
}

export function encodeTlv(tag: number, value: Uint8Array): Uint8Array {
  const t = encodeTag(tag);
  const l = encodeLength(value.length);
  const out = new Uint8Array(t.length + l.length + value.length);
  out.set(t, 0);
  out.set(l, t.length);
  out.set(value, t.length + l.length);
  return out;
}
