import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, generateKeyPairSync, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { generateTestPki } from '../../sim/test-pki.ts';
import { concat } from '../crypto/bytes.ts';
import { OID } from '../oids.ts';
import { encodeTlv, readTlv, readTlvList, type Tlv } from '../tlv.ts';
import { derOid } from './der.ts';
import { encodeSod, parseSod } from './sod.ts';
import { assertThrowsCode, fromHex, toHex } from './test-util.ts';

const pki = await generateTestPki();
const hashesOf = (algorithm: string, dgs: number[]) => new Map(dgs.map((dg) => [dg, new Uint8Array(createHash(algorithm).update(`DG${dg} bytes`).digest())]));

/** Takes the CMS apart by plain TLV walking, independent of the ASN.1 library the encoder uses. */
function dissect(sod: Uint8Array) {
  const contentInfo = readTlvList(readTlv(readTlv(sod).value).value);
  const signedData = readTlvList(readTlv(contentInfo[1]!.value).value);
  const encap = readTlvList(signedData[2]!.value);
  const lso = readTlv(encap[1]!.value).value;
  const signerInfo = readTlvList(readTlv(signedData[signedData.length - 1]!.value).value);
  const signedAttrs = signerInfo.find((t) => t.tag === 0xa0)!;
  const signature = signerInfo[signerInfo.length - 1]!;
  const attr = (oid: string) => readTlvList(signedAttrs.value).map((a) => readTlvList(a.value)).find(([type]) => derOid(type, 'attr') === oid)!;
  return {
    contentType: derOid(contentInfo[0], 'contentType'),
    eContentType: derOid(encap[0], 'eContentType'),
    lso,
    // The signature covers the signed attributes re-tagged as a SET (RFC 5652 §5.4).
    signedBytes: concat(Uint8Array.of(0x31), signedAttrs.raw.subarray(1)),
    signature: signature.value,
    messageDigest: readTlv(attr('1.2.840.113549.1.9.4')[1]!.value).value,
    attrContentType: derOid(readTlv(attr('1.2.840.113549.1.9.3')[1]!.value), 'attr'),
  };
}

function assertGenuine(sod: Uint8Array, algorithm: string, publicKey: KeyObject): void {
  const parts = dissect(sod);
  assert.is(parts.contentType, '1.2.840.113549.1.7.2');
  assert.is(parts.eContentType, OID['id-icao-mrtd-security-ldsSecurityObject']);
  assert.is(parts.attrContentType, OID['id-icao-mrtd-security-ldsSecurityObject']);
  assert.is(toHex(parts.messageDigest), toHex(new Uint8Array(createHash(algorithm).update(parts.lso).digest())));
  assert.ok(verify(algorithm, parts.signedBytes, { key: publicKey, dsaEncoding: 'der' }, parts.signature), 'signature over the signed attributes');
}

test('EC-signed SOD: hashes and algorithm come back, and the CMS signature verifies on its own', () => {
  const hashes = hashesOf('sha256', [1, 2, 13, 14, 15]);
  const sod = encodeSod({ digestAlgorithm: 'sha256', dataGroups: hashes, signerKey: pki.documentSignerKey, signerCertificateDer: pki.documentSignerCertificate });
  assert.is(readTlv(sod).tag, 0x77);
  const parsed = parseSod(sod);
  assert.is(parsed.digestAlgorithm, 'sha256');
  assert.equal(parsed.dataGroupHashes, hashes);
  assert.is(parsed.ldsVersion, undefined);
  assert.is(parsed.raw, sod);
  assert.is(parsed.signedData.signerInfos.length, 1);
  assert.is(parsed.signedData.certificates?.length, 1);
  assertGenuine(sod, 'sha256', new X509Certificate(pki.documentSignerCertificate).publicKey);
});

test('RSA-signed SOD with SHA-512 and an LDS 1.8 version', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const hashes = hashesOf('sha512', [1, 2]);
  const sod = encodeSod({ digestAlgorithm: 'sha512', dataGroups: hashes, signerKey: privateKey, signerCertificateDer: pki.documentSignerCertificate, ldsVersion: { lds: '0108', unicode: '040000' } });
  const parsed = parseSod(sod);
  assert.is(parsed.digestAlgorithm, 'sha512');
  assert.is(parsed.ldsVersion, '0108');
  assert.equal(parsed.dataGroupHashes.get(2), hashes.get(2));
  assertGenuine(sod, 'sha512', publicKey);
});

test('encodeSod refuses keys it would mislabel', () => {
  const pss = generateKeyPairSync('rsa-pss', { modulusLength: 1024 }).privateKey;
  assertThrowsCode(() => encodeSod({ digestAlgorithm: 'sha256', dataGroups: new Map(), signerKey: pss, signerCertificateDer: pki.documentSignerCertificate }), 'INVALID_INPUT');
  const pub = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  assertThrowsCode(() => encodeSod({ digestAlgorithm: 'sha256', dataGroups: new Map(), signerKey: pub, signerCertificateDer: pki.documentSignerCertificate }), 'INVALID_INPUT');
});

/** Replaces the LDS security object inside a valid SOD (the signature no longer matters: parsing only). */
function withLso(sod: Uint8Array, lso: Uint8Array): Uint8Array {
  const swap = (tlv: Tlv, path: number[]): Uint8Array => {
    if (path.length === 0) return encodeTlv(tlv.tag, lso);
    const children = tlv.tag === 0x04 ? [readTlv(tlv.value)] : readTlvList(tlv.value);
    const [index, ...rest] = path as [number, ...number[]];
    return encodeTlv(tlv.tag, concat(...children.map((c, i) => (i === index ? swap(c, rest) : c.raw))));
  };
  // 77 > ContentInfo > [0] > SignedData > encapContentInfo > [0] > OCTET STRING
  return swap(readTlv(sod), [0, 1, 0, 2, 1, 0]);
}

test('a bad LDS security object or CMS wrapper is MALFORMED_DATA', () => {
  const sod = encodeSod({ digestAlgorithm: 'sha256', dataGroups: hashesOf('sha256', [1]), signerKey: pki.documentSignerKey, signerCertificateDer: pki.documentSignerCertificate });
  const lso = (...parts: string[]) => {
    const body = parts.join('').replace(/\s/g, '');
    return fromHex(`30${(body.length / 2).toString(16).padStart(2, '0')}${body}`);
  };
  const algo = '300B 0609608648016503040201'; // sha256
  const entry = (dg: string) => `3009 0201${dg} 0404 01020304`;
  // A sane object parses (proves withLso itself works)…
  assert.equal([...parseSod(withLso(sod, lso('020100', algo, `300B${entry('01')}`))).dataGroupHashes.keys()], [1]);
  // …and each fault is refused.
  assertThrowsCode(() => parseSod(withLso(sod, lso('020100', algo, `3016${entry('01')}${entry('01')}`)))); // repeated DG
  assertThrowsCode(() => parseSod(withLso(sod, lso('020100', algo, `300B${entry('11')}`)))); // DG17
  assertThrowsCode(() => parseSod(withLso(sod, lso('020100', '300B06092A864886F70D010101', `300B${entry('01')}`)))); // not a hash OID
  assertThrowsCode(() => parseSod(withLso(sod, lso('020100', algo)))); // no hashes
  assertThrowsCode(() => parseSod(withLso(sod, fromHex('0401AA'))));
  assertThrowsCode(() => parseSod(encodeTlv(0x77, fromHex('3003020101'))));
  assertThrowsCode(() => parseSod(encodeTlv(0x77, encodeTlv(0x30, concat(fromHex('06092A864886F70D010701'), encodeTlv(0xa0, fromHex('0400')))))));
  assertThrowsCode(() => parseSod(concat(Uint8Array.of(0x76), sod.subarray(1))));
});

test.run();
