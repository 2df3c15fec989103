/** Byte helpers shared by the protocol code: hex, concatenation, ISO/IEC 9797-1 padding method 2, big-endian ints. */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { XacminhError } from '../../errors.ts';

export type RandomSource = (n: number) => Uint8Array;

export const defaultRandom: RandomSource = (n) => new Uint8Array(randomBytes(n));

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new XacminhError('INVALID_INPUT', 'Invalid hex string');
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Constant-time comparison, so a MAC check does not leak how many leading bytes matched. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new XacminhError('INVALID_INPUT', 'xor of unequal lengths');
  return a.map((v, i) => v ^ b[i]!);
}

/** ISO/IEC 9797-1 padding method 2: 80 then zeros up to the next block boundary (always adds at least one byte). */
export function pad(data: Uint8Array, blockSize: number): Uint8Array {
  const out = new Uint8Array((Math.floor(data.length / blockSize) + 1) * blockSize);
  out.set(data, 0);
  out[data.length] = 0x80;
  return out;
}

/** Removes padding method 2; throws SM_MALFORMED when it is absent (a decryption with the wrong key looks like this). */
export function unpad(data: Uint8Array): Uint8Array {
  let i = data.length - 1;
  while (i >= 0 && data[i] === 0) i--;
  if (i < 0 || data[i] !== 0x80) throw new XacminhError('SM_MALFORMED', 'Missing ISO 9797-1 padding in decrypted data');
  return data.slice(0, i);
}

export function bigintFromBytes(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

/** Big-endian, left-padded with zeros to `length` bytes. */
export function bigintToBytes(value: bigint, length: number): Uint8Array {
  if (value < 0n) throw new XacminhError('INVALID_INPUT', 'negative integer');
  const h = value.toString(16);
  if (h.length > length * 2) throw new XacminhError('INVALID_INPUT', `integer does not fit in ${length} bytes`);
  return fromHex(h.padStart(length * 2, '0'));
}

/** Increments a big-endian counter in place (wrapping), as the SSC of §9.8.2. */
export function incrementCounter(counter: Uint8Array): void {
  for (let i = counter.length - 1; i >= 0; i--) {
    counter[i] = (counter[i]! + 1) & 0xff;
    if (counter[i] !== 0) return;
  }
}
