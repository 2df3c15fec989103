/** The JWS `x5t#S256` of the enrolled device certificate: SHA-256 of its DER, base64url. */
import { X509Certificate, createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

export function certificateThumbprint(certPath: string): string | undefined {
  if (!existsSync(certPath)) return undefined;
  return createHash('sha256').update(new X509Certificate(readFileSync(certPath)).raw).digest('base64url');
}
