/**
 * The two secure-messaging cipher strategies (ICAO 9303-11 §9.8.6/§9.8.7): 3DES with zero IV and
 * retail MAC over 8-byte blocks; AES with IV = E(KSenc, SSC) and CMAC over 16-byte blocks, cut to 8 bytes.
 */
import type { SmCipher } from '../secure-channel.ts';
import { aesCbcDecrypt, aesCbcEncrypt, aesCmac, aesEcbEncrypt } from './aes.ts';
import { pad } from './bytes.ts';
import { desEdeCbcDecrypt, desEdeCbcEncrypt, retailMac } from './des.ts';

export interface CipherSuite {
  readonly cipher: SmCipher;
  readonly blockSize: 8 | 16;
  /** Encrypts block-aligned data for secure messaging under the given send-sequence counter. */
  encrypt(kEnc: Uint8Array, ssc: Uint8Array, data: Uint8Array): Uint8Array;
  decrypt(kEnc: Uint8Array, ssc: Uint8Array, data: Uint8Array): Uint8Array;
  /** 8-byte MAC over `data` after ISO 9797-1 padding method 2 to the block size. */
  mac(kMac: Uint8Array, data: Uint8Array): Uint8Array;
  /** CBC with a zero IV: PACE nonce decryption and BAC cryptograms. */
  encryptZeroIv(key: Uint8Array, data: Uint8Array): Uint8Array;
  decryptZeroIv(key: Uint8Array, data: Uint8Array): Uint8Array;
}

export const TDES: CipherSuite = {
  cipher: '3DES',
  blockSize: 8,
  encrypt: (kEnc, _ssc, data) => desEdeCbcEncrypt(kEnc, data),
  decrypt: (kEnc, _ssc, data) => desEdeCbcDecrypt(kEnc, data),
  mac: (kMac, data) => retailMac(kMac, data), // retailMac pads itself
  encryptZeroIv: (key, data) => desEdeCbcEncrypt(key, data),
  decryptZeroIv: (key, data) => desEdeCbcDecrypt(key, data),
};

const AES_ZERO_IV = new Uint8Array(16);

export const AES: CipherSuite = {
  cipher: 'AES',
  blockSize: 16,
  encrypt: (kEnc, ssc, data) => aesCbcEncrypt(kEnc, aesEcbEncrypt(kEnc, ssc), data),
  decrypt: (kEnc, ssc, data) => aesCbcDecrypt(kEnc, aesEcbEncrypt(kEnc, ssc), data),
  mac: (kMac, data) => aesCmac(kMac, pad(data, 16)).slice(0, 8),
  encryptZeroIv: (key, data) => aesCbcEncrypt(key, AES_ZERO_IV, data),
  decryptZeroIv: (key, data) => aesCbcDecrypt(key, AES_ZERO_IV, data),
};

export function cipherSuite(cipher: SmCipher): CipherSuite {
  return cipher === 'AES' ? AES : TDES;
}
