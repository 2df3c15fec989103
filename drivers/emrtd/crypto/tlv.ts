/**
 * The small BER-TLV subset secure messaging and PACE need: one- or two-byte tags, definite lengths up
 * to 3 length bytes. Every malformed input throws a typed XacminhError with the code the caller picks.
 */
import { XacminhError, type ErrorCode } from '../../errors.ts';

export interface Tlv {
  tag: number;
  value: Uint8Array;
  /** The whole encoded object (tag, length and value), as MAC inputs need it. */
  raw: Uint8Array;
}

export function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  if (length <= 0xff) return Uint8Array.of(0x81, length);
  if (length <= 0xffff) return Uint8Array.of(0x82, length >> 8, length & 0xff);
  return Uint8Array.of(0x83, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff);
}

export function encodeTlv(tag: number, value: Uint8Array): Uint8Array {
  const tagBytes = tag > 0xff ? Uint8Array.of(tag >> 8, tag & 0xff) : Uint8Array.of(tag);
  const len = encodeLength(value.length);
  const out = new Uint8Array(tagBytes.length + len.length + value.length);
  out.set(tagBytes, 0);
  out.set(len, tagBytes.length);
  out.set(value, tagBytes.length + len.length);
  return out;
}

/** Parses a sequence of TLV objects filling `data` exactly. */
export function parseTlvs(data: Uint8Array, code: ErrorCode = 'MALFORMED_DATA'): Tlv[] {
  const out: Tlv[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new XacminhError(code, `Malformed TLV: ${why}`, { offset: i });
  };
  while (i < data.length) {
    const start = i;
    let tag = data[i++]!;
    if ((tag & 0x1f) === 0x1f) {
      if (i >= data.length) fail('truncated tag');
      const second = data[i++]!;
      if (second & 0x80) fail('tags longer than two bytes are not expected here');
      tag = (tag << 8) | second;
    }
    if (i >= data.length) fail('missing length');
    let length = data[i++]!;
    if (length & 0x80) {
      const n = length & 0x7f;
      if (n === 0 || n > 3) fail(`unsupported length form 0x${length.toString(16)}`);
      if (i + n > data.length) fail('truncated length');
      length = 0;
      for (let k = 0; k < n; k++) length = length * 256 + data[i++]!;
    }
    if (i + length > data.length) fail(`value of tag ${tag.toString(16)} overruns the data`);
    out.push({ tag, value: data.slice(i, i + length), raw: data.slice(start, i + length) });
    i += length;
  }
  return out;
}

/** Parses exactly one TLV with the expected tag and returns its value. */
export function expectSingleTlv(data: Uint8Array, tag: number, code: ErrorCode = 'MALFORMED_DATA'): Uint8Array {
  const objects = parseTlvs(data, code);
  if (objects.length !== 1 || objects[0]!.tag !== tag) {
    throw new XacminhError(code, `Expected a single TLV with tag ${tag.toString(16).toUpperCase()}`);
  }
  return objects[0]!.value;
}
