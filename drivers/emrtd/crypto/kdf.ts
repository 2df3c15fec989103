/**
 * Key derivation of ICAO 9303-11 §9.7.1: KDF(K, c) = H(K ‖ c) with a 32-bit big-endian counter,
 * SHA-1 for 3DES and AES-128, SHA-256 for AES-192/256; 3DES keys get odd parity as published.
 */
import { createHash } from 'node:crypto';
import type { SmCipher } from '../secure-channel.ts';
import { adjustParity } from './des.ts';

export const KDF_ENC = 1;
export const KDF_MAC = 2;
export const KDF_PACE = 3;

export type KeyLength = 16 | 24 | 32;

export function sha1(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(data).digest());
}

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

export function deriveKey(secret: Uint8Array, cipher: SmCipher, keyLength: KeyLength, counter: number): Uint8Array {
  const input = new Uint8Array(secret.length + 4);
  input.set(secret, 0);
  new DataView(input.buffer).setUint32(secret.length, counter);
  if (cipher === '3DES') return adjustParity(sha1(input).slice(0, 16));
  const digest = keyLength === 16 ? sha1(input) : sha256(input);
  return digest.slice(0, keyLength);
}
