/**
 * The keys an inspector checks an export with: the terminal's public keys or certificates (PEM files), and
 * optionally the site's enrolment CA, which must have issued each certificate. The enrolment CA issues
 * device certificates directly, so "issued" means signed by one of the CA file's certificates. Validity
 * dates are shown, not enforced: a key retired at renewal signed the older entries and its certificate may
 * have expired since.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { XacminhError } from '../../drivers/errors.ts';
import { keyIdOf } from '../datadir.ts';
import { pemCertificates } from '../../drivers/emrtd/authenticity/pem.ts';

export interface TrustedKey {
  path: string;
  keyId: string;
  key: KeyObject;
  /** Present when the file was a certificate. */
  certificate?: { subject: string; issuer: string; validFrom: string; validTo: string; fingerprint256: string };
}

function read(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new XacminhError('INVALID_INPUT', `--${field} ${path} cannot be read: ${(cause as Error).message}`, { field, path }, { cause });
  }
}

/**
 * Reads each --public-key file (a PEM public key, or a certificate whose key is used). With `caPath`, every
 * one must be a certificate issued by a certificate in that file. INVALID_INPUT otherwise: the export cannot be judged with that key.
 */
export function loadTrustedKeys(paths: string[], caPath?: string): TrustedKey[] {
  const cas = caPath === undefined ? null : readCas(caPath);
  return paths.map((path) => {
    const pem = read(path, 'public-key');
    const certDer = pemCertificates(pem)[0];
    let trusted: TrustedKey;
    try {
      if (certDer) {
        const cert = new X509Certificate(certDer);
        trusted = {
          path,
          keyId: keyIdOf(cert.publicKey),
          key: cert.publicKey,
          certificate: { subject: cert.subject, issuer: cert.issuer, validFrom: new Date(cert.validFrom).toISOString(), validTo: new Date(cert.validTo).toISOString(), fingerprint256: cert.fingerprint256 },
        };
        if (cas && !cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
          throw new XacminhError('INVALID_INPUT', `The certificate ${path} (${cert.subject.replace(/\n/g, ', ')}) was not issued by the CA in ${caPath}: it is not this site's terminal, or the wrong CA file was given`, { field: 'ca', path, caPath });
        }
        return trusted;
      }
      const key = createPublicKey(pem);
      trusted = { path, keyId: keyIdOf(key), key };
    } catch (cause) {
      if (cause instanceof XacminhError) throw cause;
      throw new XacminhError('INVALID_INPUT', `--public-key ${path} is not a readable PEM public key (or certificate): ${(cause as Error).message}`, { field: 'public-key', path }, { cause });
    }
    if (cas) throw new XacminhError('INVALID_INPUT', `--public-key ${path} is a bare key: with --ca, give the terminal's certificate so its issuer can be checked`, { field: 'public-key', path });
    return trusted;
  });
}

function readCas(caPath: string): X509Certificate[] {
  const blocks = pemCertificates(read(caPath, 'ca'));
  if (blocks.length === 0) throw new XacminhError('INVALID_INPUT', `--ca ${caPath} holds no PEM certificate`, { field: 'ca', path: caPath });
  try {
    return blocks.map((block) => new X509Certificate(block));
  } catch (cause) {
    throw new XacminhError('INVALID_INPUT', `--ca ${caPath} holds a damaged certificate: ${(cause as Error).message}`, { field: 'ca', path: caPath }, { cause });
  }
}
