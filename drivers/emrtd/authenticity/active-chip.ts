/**
 * Active Authentication, chip side, for the virtual card: signs INTERNAL AUTHENTICATE challenges with the
 * DG15 key (RSA: ISO/IEC 9796-2 scheme 1, partial recovery; EC: plain ECDSA r || s), or misbehaves as
 * tests need: no AA at all, or a clone signing with a key that does not match DG15.
 */
import { constants, createHash, generateKeyPairSync, privateEncrypt, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { ResponseApdu } from '../../apdu.ts';

export type AaHash = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

/** ISO/IEC 10118-3 hash identifiers for the two-byte trailer (xx CC). */
export const TRAILER_HASH_IDS: Readonly<Record<AaHash, number>> = { sha1: 0x33, sha256: 0x34, sha512: 0x35, sha384: 0x36, sha224: 0x38 };
export const HASH_LENGTHS: Readonly<Record<AaHash, number>> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

export interface AaSignOptions {
  /** Default: SHA-1 with trailer BC for RSA (what most chips do), SHA-256 for ECDSA. */
  hash?: AaHash;
  /** RSA only: use the explicit xx CC trailer even for SHA-1. */
  explicitTrailer?: boolean;
}

export function signChallenge(key: KeyObject, challenge: Uint8Array, options: AaSignOptions = {}): Uint8Array {
  if (key.asymmetricKeyType !== 'rsa') return new Uint8Array(sign(options.hash ?? 'sha256', challenge, { key, dsaEncoding: 'ieee-p1363' }));
  const hash = options.hash ?? 'sha1';
  const k = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 1024) / 8);
  const trailer = hash === 'sha1' && !options.explicitTrailer ? Uint8Array.of(0xbc) : Uint8Array.of(TRAILER_HASH_IDS[hash], 0xcc);
  // F = 6A || M1 || H(M1 || challenge) || trailer, with M1 filling the rest; the top bit stays clear so F < n.
  const m1 = randomBytes(k - 1 - HASH_LENGTHS[hash] - trailer.length);
  const digest = createHash(hash).update(m1).update(challenge).digest();
  const f = Buffer.concat([Buffer.of(0x6a), m1, digest, trailer]);
  return new Uint8Array(privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, f));
}

export type AaBehaviour = 'genuine' | 'absent' | 'wrong-key';

export interface AaChipOptions {
  key?: KeyObject;
  behaviour?: AaBehaviour;
  sign?: AaSignOptions;
}

/** A key of the same kind and size as `key`, which DG15 does not vouch for. */
function cloneKeyLike(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType === 'rsa') return generateKeyPairSync('rsa', { modulusLength: key.asymmetricKeyDetails?.modulusLength ?? 1024 }).privateKey;
  return generateKeyPairSync('ec', { namedCurve: key.asymmetricKeyDetails?.namedCurve ?? 'prime256v1' }).privateKey;
}

export class ActiveAuthenticationChip {
  #clone: KeyObject | undefined;

  constructor(private readonly options: AaChipOptions) {}

  get available(): boolean {
    return this.options.key !== undefined && this.options.behaviour !== 'absent';
  }

  /** INTERNAL AUTHENTICATE data → response; the card checks access rights before calling. */
  handle(challenge: Uint8Array): ResponseApdu {
    const key = this.options.key;
    if (!key || this.options.behaviour === 'absent') return { data: new Uint8Array(0), sw: 0x6d00 };
    if (challenge.length !== 8) return { data: new Uint8Array(0), sw: 0x6700 };
    const signer = this.options.behaviour === 'wrong-key' ? (this.#clone ??= cloneKeyLike(key)) : key;
    return { data: signChallenge(signer, challenge, this.options.sign), sw: 0x9000 };
  }
}
