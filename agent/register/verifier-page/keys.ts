/**
 * The device keys the inspector gives the page: PEM public keys or PEM certificates, pasted or chosen as
 * files, several for a terminal whose key rotated at certificate renewal. A certificate's key is taken from
 * its SubjectPublicKeyInfo by a minimal DER walk (the page stays small; whether the certificate is the
 * terminal's is the inspector's call, from the authority's records). Key ids as keyIdOf in agent/datadir.ts.
 */
import { buffer, fromBase64, sha256, toBase64Url, utf8, type CryptoKey } from './bytes.ts';

export interface DeviceKey {
  keyId: string;
  key: CryptoKey;
  from: 'certificate' | 'public-key';
}

/** A key the page cannot use, with the reason in Vietnamese first (shown to the inspector as is). */
export class KeyInputError extends Error {
  override name = 'KeyInputError';
}

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Every key in a text holding PEM blocks; a text with none, or a block that is not a P-256 public key or certificate, is a KeyInputError. */
export async function parseDeviceKeys(text: string, source: string): Promise<DeviceKey[]> {
  const keys: DeviceKey[] = [];
  for (const [, label, body] of text.matchAll(PEM)) {
    if (/PRIVATE KEY/.test(label!)) {
      throw new KeyInputError(`${source}: đây là khóa BÍ MẬT, không được đưa ra khỏi thiết bị; hãy dùng khóa công khai hoặc chứng thư (this is a PRIVATE key: give the public key or the certificate)`);
    }
    if (label !== 'PUBLIC KEY' && label !== 'CERTIFICATE') {
      throw new KeyInputError(`${source}: khối PEM "${label}" không phải khóa công khai hay chứng thư (a "${label}" block is neither a public key nor a certificate)`);
    }
    const der = decodeBody(body!, source);
    const spki = label === 'CERTIFICATE' ? certificateSpki(der, source) : der;
    keys.push(await importSpki(spki, label === 'CERTIFICATE' ? 'certificate' : 'public-key', source));
  }
  if (keys.length === 0) {
    throw new KeyInputError(`${source}: không thấy khóa công khai (-----BEGIN PUBLIC KEY-----) hay chứng thư (-----BEGIN CERTIFICATE-----) nào (no PEM public key or certificate found)`);
  }
  return keys;
}

/** keyIdOf: base64url SHA-256 of the JSON {crv,kty,x,y} of the key's JWK, in that order. */
export async function keyIdOfCryptoKey(key: CryptoKey): Promise<string> {
  const jwk = await crypto.subtle.exportKey('jwk', key);
  return toBase64Url(await sha256(utf8(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))));
}

function decodeBody(body: string, source: string): Uint8Array {
  const text = body.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new KeyInputError(`${source}: nội dung PEM bị hỏng (the PEM body is not base64)`);
  return fromBase64(text);
}

async function importSpki(spki: Uint8Array, from: DeviceKey['from'], source: string): Promise<DeviceKey> {
  let key: CryptoKey;
  try {
    // extractable: the key id is computed from its JWK. A public key holds nothing secret.
    key = await crypto.subtle.importKey('spki', buffer(spki), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
  } catch (error) {
    throw new KeyInputError(`${source}: không phải khóa công khai ECDSA P-256 của thiết bị (not an ECDSA P-256 public key: ${(error as Error).message})`);
  }
  return { keyId: await keyIdOfCryptoKey(key), key, from };
}

interface Tlv {
  tag: number;
  /** Offset of the first content byte, and the end of the element. */
  content: number;
  end: number;
  start: number;
}

function readTlv(der: Uint8Array, at: number, limit: number): Tlv {
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

/** Certificate → tbsCertificate → [version], serial, signature, issuer, validity, subject, subjectPublicKeyInfo. */
export function certificateSpki(der: Uint8Array, source = 'chứng thư'): Uint8Array {
  try {
    const certificate = readTlv(der, 0, der.length);
    const tbs = readTlv(der, certificate.content, certificate.end);
    if (certificate.tag !== 0x30 || tbs.tag !== 0x30) throw new Error('not a certificate');
    let element = readTlv(der, tbs.content, tbs.end);
    if (element.tag === 0xa0) element = readTlv(der, element.end, tbs.end);
    for (let skip = 0; skip < 5; skip++) element = readTlv(der, element.end, tbs.end);
    if (element.tag !== 0x30) throw new Error('no SubjectPublicKeyInfo');
    return der.slice(element.start, element.end);
  } catch (error) {
    throw new KeyInputError(`${source}: chứng thư bị hỏng, không đọc được khóa công khai (the certificate cannot be read: ${(error as Error).message})`);
  }
}
