/**
 * The reference service's CA: a P-256 key (0600) and self-signed certificate made on first use in the
 * service's folder; it issues device certificates from CSRs and the HTTPS server's certificate.
 */
import { createPrivateKey, webcrypto, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../../../drivers/atomic-file.ts';
import { EC_P256, generateP256, sha256Hex, webKeysFromPem, x509, type WebKeyPair } from '../pki.ts';

const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

export class ServiceCa {
  private constructor(
    readonly cert: x509.X509Certificate,
    private readonly keys: WebKeyPair,
    readonly keyObject: KeyObject,
  ) {}

  get fingerprint(): string {
    return sha256Hex(this.cert.rawData);
  }

  get certPem(): string {
    return this.cert.toString('pem');
  }

  static async open(dir: string, now: Date): Promise<ServiceCa> {
    const keyPath = join(dir, 'ca-key.pem');
    const certPath = join(dir, 'ca-cert.pem');
    if (!existsSync(keyPath) || !existsSync(certPath)) {
      const { pair, pem } = await generateP256();
      const cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: randomSerial(),
        name: 'O=xacminh, CN=xacminh enrolment CA',
        notBefore: new Date(now.getTime() - 3600_000),
        notAfter: new Date(now.getTime() + 10 * 365 * 86_400_000),
        signingAlgorithm: SIGNING,
        keys: pair,
        extensions: [
          new x509.BasicConstraintsExtension(true, 0, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
          await x509.SubjectKeyIdentifierExtension.create(pair.publicKey),
        ],
      });
      writeFileAtomicSync(keyPath, pem, 0o600, { keepMode: false });
      writeFileAtomicSync(certPath, cert.toString('pem'), 0o644);
    }
    const keyPem = readFileSync(keyPath, 'utf8');
    return new ServiceCa(new x509.X509Certificate(readFileSync(certPath, 'utf8')), await webKeysFromPem(keyPem, 'enrolment CA key'), createPrivateKey(keyPem));
  }

  /** A device certificate for a CSR whose identity the caller has checked. */
  async issueDevice(csr: x509.Pkcs10CertificateRequest, san: string, now: Date, lifetimeMs: number): Promise<x509.X509Certificate> {
    const publicKey = await csr.publicKey.export(EC_P256, ['verify'], webcrypto as unknown as Parameters<typeof csr.publicKey.export>[2]);
    return x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: csr.subjectName,
      issuer: this.cert.subjectName,
      notBefore: now,
      notAfter: new Date(now.getTime() + lifetimeMs),
      signingAlgorithm: SIGNING,
      publicKey,
      signingKey: this.keys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: san }]),
        await x509.AuthorityKeyIdentifierExtension.create(this.keys.publicKey),
        await x509.SubjectKeyIdentifierExtension.create(publicKey),
      ],
    });
  }

  /** The HTTPS server's certificate for the names and addresses clients use to reach it. */
  async issueServer(hosts: readonly string[], now: Date): Promise<{ certPem: string; keyPem: string }> {
    const { pair, pem } = await generateP256();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: `CN=${hosts[0] ?? 'localhost'}`,
      issuer: this.cert.subjectName,
      notBefore: new Date(now.getTime() - 3600_000),
      notAfter: new Date(now.getTime() + 365 * 86_400_000),
      signingAlgorithm: SIGNING,
      publicKey: pair.publicKey,
      signingKey: this.keys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(hosts.map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }))),
        await x509.AuthorityKeyIdentifierExtension.create(this.keys.publicKey),
      ],
    });
    return { certPem: cert.toString('pem'), keyPem: pem };
  }
}

function randomSerial(): string {
  // Positive, 16 bytes: RFC 5280 wants unpredictable serials of at most 20 octets.
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
}
