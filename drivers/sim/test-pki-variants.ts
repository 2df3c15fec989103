/**
 * Variations of the test PKI (test-pki.ts) for Passive Authentication tests: RSA, RSA-PSS and brainpool
 * keys (also with explicit curve parameters, as Vietnam's CSCA has), expired or not-yet-valid document
 * signers, a DS without digitalSignature, and CRLs. Built with asn1-x509 and signed with node:crypto,
 * because WebCrypto (and so @peculiar/x509) knows neither brainpool curves nor explicit parameters.
 * Keys are generated at run time; nothing is committed.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, constants, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  CertificateList,
  Extension,
  Extensions,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  RevokedCertificate,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertList,
  TBSCertificate,
  Time,
  Validity,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import type { TestPki } from './test-pki.ts';

export type Hash = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

export type KeySpec =
  | { type: 'ec'; curve: 'P-256' | 'P-384' | 'P-521' | 'brainpoolP256r1' | 'brainpoolP384r1' | 'brainpoolP512r1'; explicit?: boolean; hash?: Hash }
  | { type: 'rsa'; bits?: number; pss?: boolean; hash?: Hash };

export interface PkiVariantOptions {
  country?: string;
  now?: Date;
  csca?: KeySpec;
  ds?: KeySpec;
  /** DS validity; default one year ago to five years ahead. */
  dsNotBefore?: Date;
  dsNotAfter?: Date;
  cscaNotBefore?: Date;
  cscaNotAfter?: Date;
  /** DS key usage bits; default digitalSignature. */
  dsKeyUsage?: number;
  /** Leave out the DS's authorityKeyIdentifier (matching by issuer name only). */
  omitAuthorityKeyId?: boolean;
}

export interface Signer {
  key: KeyObject;
  spec: KeySpec;
}

export interface TestPkiVariant extends TestPki {
  cscaKey: KeyObject;
  ds: Signer;
  csca: Signer;
  /** DS certificate serial, upper-case hex. */
  documentSignerSerial: string;
  /** A CRL signed by the CSCA revoking the given serials (hex); by default issued just now, next update in ~5 weeks. */
  crl(revokedSerials: string[], options?: { signedBy?: KeyObject; thisUpdate?: Date; nextUpdate?: Date }): Uint8Array;
}

const DIGEST_OID: Record<Hash, string> = {
  sha1: '1.3.14.3.2.26',
  sha224: '2.16.840.1.101.3.4.2.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};
const ECDSA_OID: Record<Hash, string> = {
  sha1: '1.2.840.10045.4.1',
  sha224: '1.2.840.10045.4.3.1',
  sha256: '1.2.840.10045.4.3.2',
  sha384: '1.2.840.10045.4.3.3',
  sha512: '1.2.840.10045.4.3.4',
};
const RSA_OID: Record<Hash, string> = {
  sha1: '1.2.840.113549.1.1.5',
  sha224: '1.2.840.113549.1.1.14',
  sha256: '1.2.840.113549.1.1.11',
  sha384: '1.2.840.113549.1.1.12',
  sha512: '1.2.840.113549.1.1.13',
};
const NODE_CURVE = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' } as Record<string, string>;
const SALT: Record<Hash, number> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };
const NULL = Uint8Array.of(0x05, 0x00).buffer;

export function hashOf(spec: KeySpec): Hash {
  return spec.hash ?? 'sha256';
}

/** A key pair for `spec`, with the SPKI as the certificate will carry it (explicit curve when asked). */
export function generateKey(spec: KeySpec): { privateKey: KeyObject; spki: Uint8Array } {
  if (spec.type === 'rsa') {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: spec.bits ?? 2048 });
    return { privateKey, spki: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })) };
  }
  const pair = generateKeyPairSync('ec', {
    namedCurve: NODE_CURVE[spec.curve] ?? spec.curve,
    paramEncoding: spec.explicit ? 'explicit' : 'named',
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  });
  return { privateKey: createPrivateKey({ key: pair.privateKey, format: 'der', type: 'pkcs8' }), spki: new Uint8Array(pair.publicKey) };
}

/** The AlgorithmIdentifier a signature by `spec` carries. */
export function signatureAlgorithm(spec: KeySpec): AlgorithmIdentifier {
  const hash = hashOf(spec);
  if (spec.type === 'ec') return new AlgorithmIdentifier({ algorithm: ECDSA_OID[hash] });
  if (!spec.pss) return new AlgorithmIdentifier({ algorithm: RSA_OID[hash], parameters: NULL });
  const hashId = new AlgorithmIdentifier({ algorithm: DIGEST_OID[hash], parameters: NULL });
  const params = new RsaSaPssParams({
    hashAlgorithm: hashId,
    maskGenAlgorithm: new AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.8', parameters: AsnConvert.serialize(hashId) }),
    saltLength: SALT[hash],
  });
  return new AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.10', parameters: AsnConvert.serialize(params) });
}

/** Signs `data` as `signatureAlgorithm(spec)` says. */
export function signWith(signer: Signer, data: Uint8Array): Uint8Array {
  const hash = hashOf(signer.spec);
  if (signer.spec.type === 'ec') return new Uint8Array(sign(hash, data, { key: signer.key, dsaEncoding: 'der' }));
  if (signer.spec.pss) return new Uint8Array(sign(hash, data, { key: signer.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: SALT[hash] }));
  return new Uint8Array(sign(hash, data, signer.key));
}

function name(country: string, commonName: string): Name {
  const rdn = (type: string, value: AttributeValue) => new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value })]);
  return new Name([
    rdn('2.5.4.6', new AttributeValue({ printableString: country })),
    rdn('2.5.4.10', new AttributeValue({ utf8String: 'xacminh test' })),
    rdn('2.5.4.3', new AttributeValue({ utf8String: commonName })),
  ]);
}

function keyId(spki: Uint8Array): Uint8Array {
  const info = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  return new Uint8Array(createHash('sha1').update(new Uint8Array(info.subjectPublicKey)).digest());
}

function serial(): Uint8Array {
  const bytes = new Uint8Array(randomBytes(8));
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return bytes;
}

interface CertInput {
  subject: Name;
  issuer: Name;
  spki: Uint8Array;
  issuerSpki: Uint8Array;
  signer: Signer;
  notBefore: Date;
  notAfter: Date;
  extensions: Extension[];
  serial: Uint8Array;
}

function certificate(input: CertInput): Uint8Array {
  const algorithm = signatureAlgorithm(input.signer.spec);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: input.serial.slice().buffer,
    signature: algorithm,
    issuer: input.issuer,
    validity: new Validity({ notBefore: input.notBefore, notAfter: input.notAfter }),
    subject: input.subject,
    subjectPublicKeyInfo: AsnConvert.parse(input.spki, SubjectPublicKeyInfo),
    extensions: new Extensions(input.extensions),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = signWith(input.signer, tbsDer);
  return new Uint8Array(AsnConvert.serialize(new Certificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: signature.slice().buffer })));
}

function extension(extnID: string, critical: boolean, value: object): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

export function generatePkiVariant(options: PkiVariantOptions = {}): TestPkiVariant {
  const country = options.country ?? 'VN';
  const now = options.now ?? new Date();
  const years = (n: number) => new Date(now.getTime() + n * 365 * 24 * 3600 * 1000);
  const cscaSpec = options.csca ?? { type: 'ec', curve: 'P-256' };
  const dsSpec = options.ds ?? cscaSpec;
  const cscaPair = generateKey(cscaSpec);
  const dsPair = generateKey(dsSpec);
  const csca: Signer = { key: cscaPair.privateKey, spec: cscaSpec };
  const ds: Signer = { key: dsPair.privateKey, spec: dsSpec };
  const cscaName = name(country, `TEST CSCA ${country}`);
  const cscaKeyId = keyId(cscaPair.spki);
  const cscaCertificate = certificate({
    subject: cscaName,
    issuer: cscaName,
    spki: cscaPair.spki,
    issuerSpki: cscaPair.spki,
    signer: csca,
    notBefore: options.cscaNotBefore ?? years(-1),
    notAfter: options.cscaNotAfter ?? years(10),
    serial: serial(),
    extensions: [
      extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true, pathLenConstraint: 0 })),
      extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)),
      extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(cscaKeyId)),
    ],
  });
  const dsSerial = serial();
  const dsExtensions = [extension(id_ce_keyUsage, true, new KeyUsage(options.dsKeyUsage ?? KeyUsageFlags.digitalSignature))];
  if (!options.omitAuthorityKeyId) {
    dsExtensions.push(extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(cscaKeyId) })));
  }
  const documentSignerCertificate = certificate({
    subject: name(country, `TEST Document Signer ${country}`),
    issuer: cscaName,
    spki: dsPair.spki,
    issuerSpki: cscaPair.spki,
    signer: csca,
    notBefore: options.dsNotBefore ?? years(-1),
    notAfter: options.dsNotAfter ?? years(5),
    serial: dsSerial,
    extensions: dsExtensions,
  });
  return {
    cscaCertificate,
    documentSignerCertificate,
    documentSignerKey: dsPair.privateKey,
    cscaKey: cscaPair.privateKey,
    csca,
    ds,
    documentSignerSerial: Buffer.from(dsSerial).toString('hex').toUpperCase(),
    crl(revokedSerials, crlOptions = {}) {
      const signer = crlOptions.signedBy ? { key: crlOptions.signedBy, spec: cscaSpec } : csca;
      const algorithm = signatureAlgorithm(cscaSpec);
      const tbs = new TBSCertList({
        version: Version.v2,
        signature: algorithm,
        issuer: cscaName,
        thisUpdate: new Time(crlOptions.thisUpdate ?? years(-0.01)),
        nextUpdate: new Time(crlOptions.nextUpdate ?? years(0.1)),
        revokedCertificates: revokedSerials.map((s) => new RevokedCertificate({ userCertificate: new Uint8Array(Buffer.from(s, 'hex')).buffer, revocationDate: new Time(years(-0.01)) })),
      });
      if (revokedSerials.length === 0) delete tbs.revokedCertificates;
      const signature = signWith(signer, new Uint8Array(AsnConvert.serialize(tbs)));
      return new Uint8Array(AsnConvert.serialize(new CertificateList({ tbsCertList: tbs, signatureAlgorithm: algorithm, signature: signature.slice().buffer })));
    },
  };
}

/** The public key of a generated key, for checks in tests. */
export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}
