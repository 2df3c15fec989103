/**
 * The X.509 pieces EST needs on both ends: fingerprints, the device identity URI, PKCS#7 certs-only
 * (RFC 7030's wire format for certificates), PEM, and P-256 keys moved between node:crypto and WebCrypto
 * (@peculiar/x509 signs with WebCrypto keys; the rest of the project holds KeyObjects).
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, createPrivateKey, createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import { XacminhError } from '../../drivers/errors.ts';
import { pemCertificates } from '../../drivers/emrtd/authenticity/pem.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** Site and device ids become MQTT topic levels and URN parts: the agent config's own pattern. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function sha256Hex(der: Uint8Array | ArrayBuffer): string {
  return createHash('sha256').update(new Uint8Array(der)).digest('hex');
}

/** "AB:CD:…" or "abcd…" → 64 lowercase hex digits; anything else is the technician's typo, said plainly. */
export function normaliseFingerprint(input: string): string {
  const hex = input.trim().replace(/[\s:]/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new XacminhError('INVALID_INPUT', `The CA fingerprint must be a SHA-256: 64 hex digits, colons allowed (got "${input}")`, { fingerprint: input });
  }
  return hex;
}

export function formatFingerprint(hex: string): string {
  return hex.toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

export function assertId(value: string, what: 'site' | 'device'): string {
  if (!ID_PATTERN.test(value)) throw new XacminhError('INVALID_INPUT', `The ${what} id "${value}" must be 1–64 letters, digits, "-" or "_" (it becomes part of MQTT topics)`, { [what]: value });
  return value;
}

export function deviceUri(siteId: string, deviceId: string): string {
  return `urn:xacminh:device:${assertId(siteId, 'site')}:${assertId(deviceId, 'device')}`;
}

export interface DeviceName {
  siteId: string;
  deviceId: string;
}

/**
 * Who a certificate or CSR names: CN = device id and one SAN URI urn:xacminh:device:<site>:<device>.
 * Returns a reason instead of a name when they are missing or disagree.
 */
export function deviceNameOf(subject: x509.Name | string, extensions: readonly x509.Extension[]): DeviceName | { problem: string } {
  const name = typeof subject === 'string' ? new x509.Name(subject) : subject;
  const cns = name.getField('CN');
  const san = extensions.find((e): e is x509.SubjectAlternativeNameExtension => e instanceof x509.SubjectAlternativeNameExtension);
  const uris = san ? san.names.items.filter((n) => n.type === 'url').map((n) => n.value) : [];
  if (cns.length !== 1) return { problem: 'the subject must have exactly one CN (the device id)' };
  if (uris.length !== 1) return { problem: 'the subjectAltName must have exactly one URI urn:xacminh:device:<site>:<device>' };
  const match = /^urn:xacminh:device:([A-Za-z0-9_-]{1,64}):([A-Za-z0-9_-]{1,64})$/.exec(uris[0] ?? '');
  if (!match) return { problem: `the SAN URI ${uris[0]} is not urn:xacminh:device:<site>:<device>` };
  const [, siteId = '', deviceId = ''] = match;
  if (cns[0] !== deviceId) return { problem: `the CN ${cns[0]} and the SAN device ${deviceId} disagree` };
  return { siteId, deviceId };
}

export function certsToPkcs7Base64(certs: readonly x509.X509Certificate[]): string {
  return new x509.X509Certificates([...certs]).export('base64');
}

/** RFC 7030 bodies are base64 (line breaks allowed) of a CMS SignedData holding only certificates. */
export function pkcs7Base64ToCerts(body: string, what: string): x509.X509Certificate[] {
  try {
    const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
    const certs = new x509.X509Certificates(der);
    if (certs.length === 0) throw new Error('no certificate in it');
    return [...certs];
  } catch (error) {
    throw new XacminhError('MALFORMED_DATA', `The enrolment service's ${what} answer is not a base64 PKCS#7 certs-only message: ${(error as Error).message}`, { what }, { cause: error });
  }
}

export function certsToPem(certs: readonly x509.X509Certificate[]): string {
  return certs.map((c) => c.toString('pem')).join('\n') + '\n';
}

export function pemToCerts(pem: string, what: string): x509.X509Certificate[] {
  const blocks = pemCertificates(pem);
  if (blocks.length === 0) throw new XacminhError('CONFIG_INVALID', `${what} holds no PEM certificate`, { what });
  return blocks.map((b) => new x509.X509Certificate(b));
}

export interface WebKeyPair {
  privateKey: webcrypto.CryptoKey;
  publicKey: webcrypto.CryptoKey;
}

export async function generateP256(): Promise<{ pair: WebKeyPair; pem: string }> {
  const pair = (await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as WebKeyPair;
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', pair.privateKey));
  return { pair, pem: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string };
}

export async function webKeysFromPem(pem: string, what: string): Promise<WebKeyPair> {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new XacminhError('CONFIG_INVALID', `Cannot read the ${what}: ${(error as Error).message}`, { what }, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new XacminhError('CONFIG_INVALID', `The ${what} must be a P-256 EC key`, { what });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', key.export({ type: 'pkcs8', format: 'der' }), EC_P256, true, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', createPublicKey(key).export({ type: 'spki', format: 'der' }), EC_P256, true, ['verify']);
  return { privateKey, publicKey };
}

/** Whether the certificate certifies this private key (a renewal cut short could leave them apart). */
export function certMatchesKey(cert: x509.X509Certificate, keyPem: string): boolean {
  const spki = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
  return Buffer.compare(Buffer.from(cert.publicKey.rawData), spki) === 0;
}
