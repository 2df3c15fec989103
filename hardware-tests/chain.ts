/** PEM bundles (the device certificate, the CA chain) as single certificates, and as the x5c of a JWS. */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { pemCertificates } from '../drivers/emrtd/authenticity/pem.ts';

/** The device certificate first, then the CA chain (RFC 7515 x5c: base64 DER, not base64url). */
export function certificateChainX5c(deviceCert: string, caChain: string): string[] {
  if (!existsSync(deviceCert)) return [];
  const ders = [...pemCertificates(readFileSync(deviceCert, 'utf8')), ...(existsSync(caChain) ? pemCertificates(readFileSync(caChain, 'utf8')) : [])];
  const seen = new Set<string>();
  return ders
    .map((der) => new X509Certificate(der).raw.toString('base64'))
    .filter((der) => !seen.has(der) && seen.add(der));
}
