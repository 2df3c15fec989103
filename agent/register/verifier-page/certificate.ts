/**
 * The site CA check of `verify-export --ca`, in the page: a device certificate counts only when one of the CA
 * certificates issued it (its issuer name is the CA's subject, byte for byte, and the CA's key signed it).
 * A minimal DER walk and WebCrypto: ECDSA (P-256/384/521 with SHA-256/384/512, the enrolment CA's kind) and
 * RSA PKCS#1 v1.5 (what other EST CAs often use). Validity dates are not enforced, as in the CLI: a key
 * retired at renewal signed the older entries.
 */
import { buffer, concat, type CryptoKey } from './bytes.ts';

interface Tlv {
  tag: number;
  start: number;
  content: number;
  end: number;
}

export function readTlv(der: Uint8Array, at: number, limit: number): Tlv {
  const fail = (): never => {
    throw new Error(`DER is malformed at byte ${at}`);
  };
  if (at + 2 > limit) fail();
  const tag = der[at]!;
  let length = der[at + 1]!;
  let content = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || content + count > limit) fail();
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[content + i]!;
    content += count;
  }
  if (content + length > limit) fail();
  return { tag, start: at, content, end: content + length };
}

/** The parts of a certificate the checks need, each as its exact DER bytes. */
export interface CertificateParts {
  tbs: Uint8Array;
  issuer: Uint8Array;
  subject: Uint8Array;
  spki: Uint8Array;
  signatureAlgorithm: string;
  /** The BIT STRING's content without its unused-bits byte. */
  signature: Uint8Array;
}

function oid(bytes: Uint8Array): string {
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let value = 0;
  for (const b of bytes.subarray(1)) {
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** Certificate → tbsCertificate ([0] version, serial, signature, issuer, validity, subject, SPKI …), signatureAlgorithm, signatureValue. */
export function certificateParts(der: Uint8Array): CertificateParts {
  const certificate = readTlv(der, 0, der.length);
  if (certificate.tag !== 0x30) throw new Error('not a certificate');
  const tbs = readTlv(der, certificate.content, certificate.end);
  const algorithm = readTlv(der, tbs.end, certificate.end);
  const signature = readTlv(der, algorithm.end, certificate.end);
  const algorithmOid = readTlv(der, algorithm.content, algorithm.end);
  if (tbs.tag !== 0x30 || algorithm.tag !== 0x30 || algorithmOid.tag !== 0x06 || signature.tag !== 0x03) throw new Error('not a certificate');
  const fields: Tlv[] = [];
  for (let at = tbs.content; at < tbs.end; ) {
    const field = readTlv(der, at, tbs.end);
    fields.push(field);
    at = field.end;
  }
  const [issuer, , subject, spki] = fields.slice(fields[0]?.tag === 0xa0 ? 3 : 2);
  if (!issuer || !subject || !spki || spki.tag !== 0x30) throw new Error('no SubjectPublicKeyInfo');
  const bytes = (t: Tlv) => der.slice(t.start, t.end);
  return { tbs: bytes(tbs), issuer: bytes(issuer), subject: bytes(subject), spki: bytes(spki), signatureAlgorithm: oid(der.subarray(algorithmOid.content, algorithmOid.end)), signature: der.slice(signature.content + 1, signature.end) };
}

const ECDSA_HASHES: Record<string, string> = { '1.2.840.10045.4.3.2': 'SHA-256', '1.2.840.10045.4.3.3': 'SHA-384', '1.2.840.10045.4.3.4': 'SHA-512' };
const RSA_HASHES: Record<string, string> = { '1.2.840.113549.1.1.11': 'SHA-256', '1.2.840.113549.1.1.12': 'SHA-384', '1.2.840.113549.1.1.13': 'SHA-512' };
const CURVES = [
  ['P-256', 32],
  ['P-384', 48],
  ['P-521', 66],
] as const;

/** ECDSA-Sig-Value (DER SEQUENCE of two INTEGERs) → r || s, each `size` bytes, as WebCrypto wants. */
function p1363(signature: Uint8Array, size: number): Uint8Array {
  const sequence = readTlv(signature, 0, signature.length);
  const r = readTlv(signature, sequence.content, sequence.end);
  const s = readTlv(signature, r.end, sequence.end);
  const fixed = (t: Tlv) => {
    let value = signature.subarray(t.content, t.end);
    while (value.length > size && value[0] === 0) value = value.subarray(1);
    if (value.length > size) throw new Error('signature integer too long');
    return concat(new Uint8Array(size - value.length), value);
  };
  return concat(fixed(r), fixed(s));
}

/** Whether `ca` issued `certificate`: names chained and the signature made by the CA's key. Unknown algorithms are not trusted. */
export async function issuedBy(certificate: CertificateParts, ca: CertificateParts): Promise<boolean> {
  if (!sameBytes(certificate.issuer, ca.subject)) return false;
  const ecHash = ECDSA_HASHES[certificate.signatureAlgorithm];
  const rsaHash = RSA_HASHES[certificate.signatureAlgorithm];
  try {
    if (rsaHash) {
      const key = await crypto.subtle.importKey('spki', buffer(ca.spki), { name: 'RSASSA-PKCS1-v1_5', hash: rsaHash }, false, ['verify']);
      return await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, buffer(certificate.signature), buffer(certificate.tbs));
    }
    if (!ecHash) return false;
    for (const [namedCurve, size] of CURVES) {
      let key: CryptoKey;
      try {
        key = await crypto.subtle.importKey('spki', buffer(ca.spki), { name: 'ECDSA', namedCurve }, false, ['verify']);
      } catch {
        continue; // not this curve
      }
      return await crypto.subtle.verify({ name: 'ECDSA', hash: ecHash }, key, buffer(p1363(certificate.signature, size)), buffer(certificate.tbs));
    }
    return false;
  } catch {
    return false;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
