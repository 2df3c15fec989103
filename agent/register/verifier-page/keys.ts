/**
 * The device keys the inspector gives the page: PEM public keys or PEM certificates, pasted or chosen as
 * files, several for a terminal whose key rotated at certificate renewal. A certificate's key is taken from
 * its SubjectPublicKeyInfo by a minimal DER walk (the page stays small). Whether the key is the terminal's
 * is the inspector's call, from the authority's records — or, given the site's enrolment CA, whether the CA
 * issued each certificate (as `verify-export --ca`). Key ids as keyIdOf in agent/datadir.ts.
 */
import { buffer, fromBase64, sha256, toBase64Url, utf8, type CryptoKey } from './bytes.ts';
import { certificateParts, issuedBy, type CertificateParts } from './certificate.ts';

export interface DeviceKey {
  keyId: string;
  key: CryptoKey;
  from: 'certificate' | 'public-key';
  /** Present when the key came from a certificate. */
  certificate?: CertificateParts;
  /** Set by requireIssuedBy: the site CA issued this certificate. */
  issuedByCa?: boolean;
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
    if (label === 'CERTIFICATE') {
      const certificate = readCertificate(der, source);
      keys.push({ ...(await importSpki(certificate.spki, 'certificate', source)), certificate });
    } else keys.push(await importSpki(der, 'public-key', source));
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

function readCertificate(der: Uint8Array, source: string): CertificateParts {
  try {
    return certificateParts(der);
  } catch (error) {
    throw new KeyInputError(`${source}: chứng thư bị hỏng, không đọc được khóa công khai (the certificate cannot be read: ${(error as Error).message})`);
  }
}

/** The CA certificates of a PEM text (the site's enrolment CA file). */
export function parseCaCertificates(text: string, source: string): CertificateParts[] {
  const cas = [...text.matchAll(PEM)].filter(([, label]) => label === 'CERTIFICATE').map(([, , body]) => readCertificate(decodeBody(body!, source), source));
  if (cas.length === 0) throw new KeyInputError(`${source}: không thấy chứng thư CA nào (-----BEGIN CERTIFICATE-----) (no PEM certificate found)`);
  return cas;
}

/**
 * With the site CA given, every key must be a certificate one of its certificates issued (as `verify-export
 * --ca`): a bare key, or a certificate from elsewhere, is refused with the reason, never silently used.
 */
export async function requireIssuedBy(keys: DeviceKey[], cas: CertificateParts[]): Promise<DeviceKey[]> {
  for (const key of keys) {
    if (!key.certificate) {
      throw new KeyInputError(`Khóa ${key.keyId} là khóa trần: khi có chứng thư CA, hãy đưa chứng thư của thiết bị để kiểm tra nơi cấp (a bare key: with the CA, give the terminal's certificate)`);
    }
    let issued = false;
    for (const ca of cas) issued ||= await issuedBy(key.certificate, ca);
    if (!issued) {
      throw new KeyInputError(`Chứng thư của khóa ${key.keyId} không do CA đã cung cấp cấp: không phải thiết bị của điểm này, hoặc nhầm tệp CA (the certificate was not issued by the CA given)`);
    }
    key.issuedByCa = true;
  }
  return keys;
}
