/** AES-CBC without padding and AES-CMAC (NIST SP 800-38B / RFC 4493) over node:crypto's aes-ecb. */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { XacminhError } from '../../errors.ts';

function algorithm(key: Uint8Array, mode: 'cbc' | 'ecb'): string {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new XacminhError('INVALID_INPUT', `AES key must be 16, 24 or 32 bytes, got ${key.length}`);
  }
  return `aes-${key.length * 8}-${mode}`;
}

function checkBlocks(data: Uint8Array): void {
  if (data.length % 16 !== 0) throw new XacminhError('SM_MALFORMED', `AES data is not a multiple of 16 bytes (${data.length})`);
}

export function aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  checkBlocks(data);
  const c = createCipheriv(algorithm(key, 'cbc'), key, iv).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

export function aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  checkBlocks(data);
  const d = createDecipheriv(algorithm(key, 'cbc'), key, iv).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([d.update(data), d.final()]));
}

export function aesEcbEncrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  checkBlocks(data);
  const c = createCipheriv(algorithm(key, 'ecb'), key, null).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

/** Doubling in GF(2^128) for the CMAC subkeys. */
function dbl(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = ((block[i]! << 1) | (i < 15 ? block[i + 1]! >> 7 : 0)) & 0xff;
  if (block[0]! & 0x80) out[15]! ^= 0x87;
  return out;
}

/** Full 16-byte AES-CMAC; ICAO truncates it to 8 bytes (see cipher-suite.ts). */
export function aesCmac(key: Uint8Array, message: Uint8Array): Uint8Array {
  const l = aesEcbEncrypt(key, new Uint8Array(16));
  const k1 = dbl(l);
  const k2 = dbl(k1);
  const n = Math.max(1, Math.ceil(message.length / 16));
  const complete = message.length > 0 && message.length % 16 === 0;
  const last = new Uint8Array(16);
  last.set(message.subarray((n - 1) * 16));
  if (!complete) last[message.length - (n - 1) * 16] = 0x80;
  const subkey = complete ? k1 : k2;
  for (let i = 0; i < 16; i++) last[i]! ^= subkey[i]!;
  let x: Uint8Array = new Uint8Array(16);
  for (let b = 0; b < n - 1; b++) {
    const y = message.subarray(b * 16, b * 16 + 16).map((v, i) => v ^ x[i]!);
    x = aesEcbEncrypt(key, y);
  }
  return aesEcbEncrypt(key, last.map((v, i) => v ^ x[i]!));
}
