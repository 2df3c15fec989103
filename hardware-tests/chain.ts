/** PEM bundles (the device certificate, the CA chain) as single certificates, and as the x5c of a JWS. */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

export function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** The device certificate first, then the CA chain (RFC 7515 x5c: base64 DER, not base64url). */
export function certificateChainX5c(deviceCert: string, caChain: string): string[] {
  if (!existsSync(deviceCert)) return [];
  const pems = [...splitPem(readFileSync(deviceCert, 'utf8')), ...(existsSync(caChain) ? splitPem(readFileSync(caChain, 'utf8')) : [])];
  const seen = new Set<string>();
  return pems
    .map((pem) => new X509Certificate(pem).raw.toString('base64'))
    .filter((der) => !seen.has(der) && seen.add(der));
}
