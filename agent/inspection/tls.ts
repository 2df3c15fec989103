/**
 * The inspection page's TLS identity. An enrolled terminal serves its device certificate (issued by the
 * site CA, so an inspector's laptop that trusts that CA sees a valid certificate). Before enrolment (and in
 * the demo) a self-signed P-256 certificate is made once and kept in the data dir; the browser warns about
 * it, so the terminal prints its SHA-256 fingerprint for the inspector to compare with the browser's.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate, createHash, createPrivateKey, webcrypto } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../../drivers/atomic-file.ts';
import { XacminhError } from '../../drivers/errors.ts';
import type { DataDirPaths } from '../datadir.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface InspectionTls {
  cert: string;
  key: string;
  /** SHA-256 of the leaf certificate's DER, "AB:CD:…". */
  fingerprint: string;
  source: 'device-certificate' | 'self-signed';
}

export function selfSignedPaths(paths: DataDirPaths): { cert: string; key: string } {
  return { cert: join(paths.root, 'inspection', 'tls-cert.pem'), key: join(paths.root, 'inspection', 'tls-key.pem') };
}

export function fingerprintOf(pem: string): string {
  const der = new X509Certificate(pem).raw;
  return createHash('sha256').update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

/** The device certificate when enrolled, else the self-signed one (created on first use). */
export async function loadInspectionTls(paths: DataDirPaths, options: { now?: () => Date } = {}): Promise<InspectionTls> {
  if (existsSync(paths.deviceCert) && existsSync(paths.deviceKey)) {
    const leaf = readPem(paths.deviceCert);
    const chain = existsSync(paths.caChain) ? readPem(paths.caChain) : '';
    return { cert: `${leaf.trim()}\n${chain}`, key: readPem(paths.deviceKey), fingerprint: fingerprintOf(leaf), source: 'device-certificate' };
  }
  const own = selfSignedPaths(paths);
  if (!existsSync(own.cert) || !existsSync(own.key)) await createSelfSigned(own, options.now?.() ?? new Date());
  const cert = readPem(own.cert);
  return { cert, key: readPem(own.key), fingerprint: fingerprintOf(cert), source: 'self-signed' };
}

async function createSelfSigned(target: { cert: string; key: string }, now: Date): Promise<void> {
  const keys = (await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as { privateKey: webcrypto.CryptoKey; publicKey: webcrypto.CryptoKey };
  // The names the inspector may type: this machine's name and its addresses when the certificate is made.
  const addresses = Object.values(networkInterfaces()).flatMap((list) => list ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^[89a-f]/, '1'),
    name: `CN=xacminh inspection ${hostname().replace(/[,=+<>#;"\\]/g, '-')}`,
    notBefore: new Date(now.getTime() - 24 * 3600_000),
    notAfter: new Date(now.getTime() + 10 * 365 * 24 * 3600_000),
    signingAlgorithm: EC_P256,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'dns', value: hostname() },
        ...[...new Set(['127.0.0.1', ...addresses])].map((value) => ({ type: 'ip' as const, value })),
      ]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string;
  // The key first: a certificate without its key would be kept and fail every start.
  writeFileAtomicSync(target.key, keyPem, 0o600, { keepMode: false });
  writeFileAtomicSync(target.cert, certificate.toString('pem'), 0o644);
}

function readPem(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new XacminhError('CONFIG_INVALID', `Không đọc được tệp chứng thư/khóa TLS của trang kiểm tra ${path}. Cannot read the inspection page's TLS file: ${(error as Error).message}`, { path }, { cause: error });
  }
}
