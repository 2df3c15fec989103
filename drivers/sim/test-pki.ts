/**
 * A throw-away country signing CA and document signer for the virtual card, generated at run time so
 * no key is ever committed. Later misbehaviours (expired DS, unknown CSCA) are variations of this.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { KeyObject, webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface TestPki {
  cscaCertificate: Uint8Array;
  documentSignerCertificate: Uint8Array;
  documentSignerKey: KeyObject;
}

const SIGNING = { name: 'ECDSA', hash: 'SHA-256', namedCurve: 'P-256' } as const;

export async function generateTestPki(options: { country?: string; now?: Date } = {}): Promise<TestPki> {
  const country = options.country ?? 'VN';
  const now = options.now ?? new Date();
  const years = (n: number) => new Date(now.getTime() + n * 365 * 24 * 3600 * 1000);
  const cscaKeys = await webcrypto.subtle.generateKey(SIGNING, true, ['sign', 'verify']);
  const csca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `C=${country}, O=xacminh test, CN=TEST CSCA ${country}`,
    notBefore: years(-1),
    notAfter: years(10),
    signingAlgorithm: SIGNING,
    keys: cscaKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(cscaKeys.publicKey),
    ],
  });
  const dsKeys = await webcrypto.subtle.generateKey(SIGNING, true, ['sign', 'verify']);
  const ds = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `C=${country}, O=xacminh test, CN=TEST Document Signer ${country}`,
    issuer: csca.subject,
    notBefore: years(-1),
    notAfter: years(5),
    signingAlgorithm: SIGNING,
    publicKey: dsKeys.publicKey,
    signingKey: cscaKeys.privateKey,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.AuthorityKeyIdentifierExtension.create(cscaKeys.publicKey),
    ],
  });
  return {
    cscaCertificate: new Uint8Array(csca.rawData),
    documentSignerCertificate: new Uint8Array(ds.rawData),
    documentSignerKey: KeyObject.from(dsKeys.privateKey),
  };
}

function randomSerial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^[89a-f]/, '1');
}
