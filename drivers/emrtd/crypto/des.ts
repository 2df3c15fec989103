/**
 * Two-key triple DES as ICAO 9303-11 uses it: CBC encryption with a zero IV and the ISO/IEC 9797-1
 * MAC algorithm 3 ("retail MAC"). OpenSSL 3 dropped single DES, so single-DES steps run as des-ede3
 * with K‖K‖K, which is mathematically single DES.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { XacminhError } from '../../errors.ts';
import { concat, pad } from './bytes.ts';

const ZERO_IV = new Uint8Array(8);

function checkKey(key: Uint8Array): void {
  if (key.length !== 16) throw new XacminhError('INVALID_INPUT', `3DES key must be 16 bytes, got ${key.length}`);
}

function checkBlocks(data: Uint8Array): void {
  if (data.length % 8 !== 0) throw new XacminhError('SM_MALFORMED', `3DES data is not a multiple of 8 bytes (${data.length})`);
}

/** K1‖K2‖K1 for des-ede3, which takes a 24-byte key. */
function ede3Key(key: Uint8Array): Uint8Array {
  return concat(key, key.subarray(0, 8));
}

export function desEdeCbcEncrypt(key: Uint8Array, data: Uint8Array, iv: Uint8Array = ZERO_IV): Uint8Array {
  checkKey(key);
  checkBlocks(data);
  const c = createCipheriv('des-ede3-cbc', ede3Key(key), iv).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

export function desEdeCbcDecrypt(key: Uint8Array, data: Uint8Array, iv: Uint8Array = ZERO_IV): Uint8Array {
  checkKey(key);
  checkBlocks(data);
  const d = createDecipheriv('des-ede3-cbc', ede3Key(key), iv).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([d.update(data), d.final()]));
}

function singleDes(key8: Uint8Array, block: Uint8Array, decrypt: boolean): Uint8Array {
  const k = concat(key8, key8, key8);
  const c = decrypt ? createDecipheriv('des-ede3', k, null) : createCipheriv('des-ede3', k, null);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(block), c.final()]));
}

/**
 * ISO/IEC 9797-1 MAC algorithm 3 with padding method 2 (the caller passes unpadded data):
 * single-DES CBC with K1 over all blocks, then decrypt with K2 and encrypt with K1 on the last one.
 */
export function retailMac(key: Uint8Array, data: Uint8Array): Uint8Array {
  checkKey(key);
  const k1 = key.subarray(0, 8);
  const k2 = key.subarray(8, 16);
  const padded = pad(data, 8);
  let h: Uint8Array = new Uint8Array(8);
  for (let i = 0; i < padded.length; i += 8) {
    const x = padded.subarray(i, i + 8).map((v, j) => v ^ h[j]!);
    h = singleDes(k1, x, false);
  }
  return singleDes(k1, singleDes(k2, h, true), false);
}

/** Sets the low bit of each byte so that every byte has odd parity, as DES keys are published. */
export function adjustParity(key: Uint8Array): Uint8Array {
  return key.map((b) => {
    let ones = 0;
    for (let v = b >> 1; v; v >>= 1) ones += v & 1;
    return (b & 0xfe) | (ones % 2 === 0 ? 1 : 0);
  });
}
