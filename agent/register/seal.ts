/**
 * Sealing of the register's personal data (FORMAT.md "Sealing"): AES-256-GCM under per-entry keys derived
 * from the data key with HKDF, so an export can hand an inspector the keys of exactly the entries it holds;
 * and the blind search terms (HMAC under a key derived from the data key), so the index never holds a name or
 * an ID number in clear.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { XacminhError } from '../../drivers/errors.ts';

export type SealPart = 'sealed' | 'frame';

export const DATA_KEY_BYTES = 32;
const NONCE = 12;
const TAG = 16;

export function assertDataKey(key: Uint8Array): void {
  if (key.length !== DATA_KEY_BYTES) throw new XacminhError('CONFIG_INVALID', `Khóa dữ liệu sổ đăng ký phải dài ${DATA_KEY_BYTES} byte (có ${key.length}). The register data key must be ${DATA_KEY_BYTES} bytes`, { length: key.length });
}

/** HKDF-SHA256(data key, salt empty, info "xacminh-register-seal/1\n" + id + "\n" + part): the key of one part of one entry. */
export function entryKey(dataKey: Uint8Array, entryId: string, part: SealPart): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', dataKey, new Uint8Array(0), `xacminh-register-seal/1\n${entryId}\n${part}`, 32));
}

/** nonce (12) || ciphertext || tag (16); AAD binds the blob to its entry and part, so blobs cannot be swapped. */
export function sealWithKey(key: Uint8Array, entryId: string, part: SealPart, plaintext: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(`${entryId}\n${part}`, 'utf8'));
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return new Uint8Array(Buffer.concat([nonce, body, final, cipher.getAuthTag()]));
}

/** Opens a blob with its per-entry key; null when the tag fails (a wrong key, or a changed blob). */
export function openWithKey(key: Uint8Array, entryId: string, part: SealPart, blob: Uint8Array): Uint8Array | null {
  if (blob.length < NONCE + TAG) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, NONCE));
    decipher.setAAD(Buffer.from(`${entryId}\n${part}`, 'utf8'));
    decipher.setAuthTag(blob.subarray(blob.length - TAG));
    return new Uint8Array(Buffer.concat([decipher.update(blob.subarray(NONCE, blob.length - TAG)), decipher.final()]));
  } catch {
    return null;
  }
}

export function seal(dataKey: Uint8Array, entryId: string, part: SealPart, plaintext: Uint8Array): Uint8Array {
  return sealWithKey(entryKey(dataKey, entryId, part), entryId, part, plaintext);
}

export function unseal(dataKey: Uint8Array, entryId: string, part: SealPart, blob: Uint8Array): Uint8Array | null {
  return openWithKey(entryKey(dataKey, entryId, part), entryId, part, blob);
}

/** Search key: HKDF-SHA256(data key, salt empty, info "xacminh-register-search/1"). */
export function searchKey(dataKey: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', dataKey, new Uint8Array(0), 'xacminh-register-search/1', 32));
}

/** Term = first 16 bytes of HMAC-SHA256(search key, field ":" value). */
export function term(key: Uint8Array, field: 'id' | 'doc' | 'name', value: string): Buffer {
  return createHmac('sha256', key).update(`${field}:${value}`, 'utf8').digest().subarray(0, 16);
}

/** A name's words as indexed: NFD, combining marks removed, đ/Đ → d, lower case ("Nguyễn Văn Đức" → nguyen, van, duc). */
export function nameWords(name: string): string[] {
  const folded = name.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase();
  return [...new Set(folded.split(/[^\p{L}\p{N}]+/u).filter((word) => word.length > 0))];
}

export const idDigits = (value: string): string => value.replace(/\D/g, '');
export const docNumber = (value: string): string => value.replace(/\s/g, '').toUpperCase();

/** The terms of one identity: its ID number, document number and every name word. */
export function identityTerms(key: Uint8Array, identity: { idNumber?: unknown; documentNumber?: unknown; fullName?: unknown }): Buffer[] {
  const terms: Buffer[] = [];
  if (typeof identity.idNumber === 'string' && idDigits(identity.idNumber)) terms.push(term(key, 'id', idDigits(identity.idNumber)));
  if (typeof identity.documentNumber === 'string' && docNumber(identity.documentNumber)) terms.push(term(key, 'doc', docNumber(identity.documentNumber)));
  if (typeof identity.fullName === 'string') for (const word of nameWords(identity.fullName)) terms.push(term(key, 'name', word));
  return terms;
}
