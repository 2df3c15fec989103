/** DG15: the active-authentication public key as a SubjectPublicKeyInfo. */
import { createPublicKey } from 'node:crypto';
import { encodeTlv, readSingle } from '../tlv.ts';
import { malformed } from './der.ts';

export interface Dg15 {
  publicKeyInfo: Uint8Array;
  algorithm: 'RSA' | 'EC' | 'unknown';
}

export function parseDg15(bytes: Uint8Array): Dg15 {
  const spki = readSingle(bytes, 0x6f, 'DG15').value;
  readSingle(spki, 0x30, 'DG15 SubjectPublicKeyInfo');
  let type: string | undefined;
  try {
    type = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).asymmetricKeyType;
  } catch {
    // Explicit-parameter EC keys and unusual encodings node:crypto cannot load; the AA check decides later.
    type = undefined;
  }
  if (type === undefined && spki.length < 16) throw malformed('DG15', 'public key too short');
  return { publicKeyInfo: spki.slice(), algorithm: type === 'rsa' ? 'RSA' : type === 'ec' ? 'EC' : 'unknown' };
}

export function encodeDg15(spki: Uint8Array): Uint8Array {
  return encodeTlv(0x6f, spki);
}
