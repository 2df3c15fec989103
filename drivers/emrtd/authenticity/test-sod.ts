/**
 * Test-only EF.SOD builder for what lds/sod.ts's encodeSod does not cover: RSA-PSS and brainpool/explicit
 * signers (any test-pki-variants Signer), and a SignerInfo without signed attributes. Plain ECDSA/RSA
 * SODs in the tests come from encodeSod itself.
 */
import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { concat } from '../crypto/bytes.ts';
import { OID_BY_DIGEST } from '../crypto/digests.ts';
import { oidToBytes } from '../oids.ts';
import { encodeTlv } from '../tlv.ts';
import { hashOf, signatureAlgorithm, signWith, type Signer } from '../../sim/test-pki-variants.ts';

const ID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const ID_LDS_SECURITY_OBJECT = '2.23.136.1.1.1';

export interface TestSodInput {
  dataGroups: ReadonlyMap<number, Uint8Array>;
  /** Hash of the data groups (LDSSecurityObject) and of the CMS digest; default the signer's hash. */
  digest?: 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
  signer: Signer;
  signerCertificate: Uint8Array;
  /** Sign eContent directly, without signed attributes (RFC 5652 allows it; few issuers do it). */
  withoutSignedAttributes?: boolean;
}

const oid = (value: string) => encodeTlv(0x06, oidToBytes(value));
const seq = (...parts: Uint8Array[]) => encodeTlv(0x30, concat(...parts));
const int = (n: number) => encodeTlv(0x02, Uint8Array.of(n));

export function buildTestSod(input: TestSodInput): Uint8Array {
  const digest = input.digest ?? hashOf(input.signer.spec);
  const hashes = [...input.dataGroups]
    .sort(([a], [b]) => a - b)
    .map(([dg, bytes]) => seq(int(dg), encodeTlv(0x04, createHash(digest).update(bytes).digest())));
  const lso = seq(int(0), digestId(digest), seq(...hashes));
  return encodeTlv(0x77, buildSignedData({ ...input, digest, contentType: ID_LDS_SECURITY_OBJECT, content: lso }));
}

/** An ICAO CSCA master list: CscaMasterList { version 0, certList SET OF Certificate }, signed by `signer`. */
export function buildTestMasterList(input: { certificates: Uint8Array[]; signer: Signer; signerCertificate: Uint8Array }): Uint8Array {
  const content = seq(int(0), encodeTlv(0x31, concat(...input.certificates)));
  return buildSignedData({ ...input, digest: hashOf(input.signer.spec), contentType: '2.23.136.1.1.2', content });
}

function digestId(digest: string): Uint8Array {
  return seq(oid(OID_BY_DIGEST[digest]!), Uint8Array.of(0x05, 0x00));
}

interface SignedDataInput {
  contentType: string;
  content: Uint8Array;
  digest: string;
  signer: Signer;
  signerCertificate: Uint8Array;
  withoutSignedAttributes?: boolean;
}

/** ContentInfo { signedData, SignedData { ..., one certificate, one SignerInfo by issuer and serial } }. */
function buildSignedData(input: SignedDataInput): Uint8Array {
  const certificate = AsnConvert.parse(input.signerCertificate, Certificate).tbsCertificate;
  const sid = seq(new Uint8Array(AsnConvert.serialize(certificate.issuer)), encodeTlv(0x02, new Uint8Array(certificate.serialNumber)));
  let signed: Uint8Array = input.content;
  let attributes: Uint8Array = new Uint8Array(0);
  if (!input.withoutSignedAttributes) {
    const set = concat(
      seq(oid('1.2.840.113549.1.9.3'), encodeTlv(0x31, oid(input.contentType))),
      seq(oid('1.2.840.113549.1.9.4'), encodeTlv(0x31, encodeTlv(0x04, createHash(input.digest).update(input.content).digest()))),
    );
    signed = encodeTlv(0x31, set);
    attributes = encodeTlv(0xa0, set);
  }
  const signature = signWith(input.signer, signed);
  const algorithm = new Uint8Array(AsnConvert.serialize(signatureAlgorithm(input.signer.spec)));
  const signerInfo = seq(int(1), sid, digestId(input.digest), attributes, algorithm, encodeTlv(0x04, signature));
  const signedData = seq(
    int(3),
    encodeTlv(0x31, digestId(input.digest)),
    seq(oid(input.contentType), encodeTlv(0xa0, encodeTlv(0x04, input.content))),
    encodeTlv(0xa0, input.signerCertificate),
    encodeTlv(0x31, signerInfo),
  );
  return seq(oid(ID_SIGNED_DATA), encodeTlv(0xa0, signedData));
}
