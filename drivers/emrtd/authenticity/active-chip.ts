/** The chip side of Active Authentication, for the virtual card: signs INTERNAL AUTHENTICATE challenges. */
import { constants, createHash, privateEncrypt, randomBytes, sign, type KeyObject } from 'node:crypto';

/** ISO/IEC 9796-2 scheme 1 with SHA-1 (trailer BC), as most ePassports and CCCDs with RSA keys do. */
export function signChallenge(key: KeyObject, challenge: Uint8Array): Uint8Array {
  if (key.asymmetricKeyType !== 'rsa') return new Uint8Array(sign('sha256', challenge, { key, dsaEncoding: 'ieee-p1363' }));
  const k = (key.asymmetricKeyDetails?.modulusLength ?? 1024) / 8;
  const m1 = randomBytes(k - 2 - 20);
  const digest = createHash('sha1').update(m1).update(challenge).digest();
  const f = Buffer.concat([Buffer.of(0x6a), m1, digest, Buffer.of(0xbc)]);
  return new Uint8Array(privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, f));
}
