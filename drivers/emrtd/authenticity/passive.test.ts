import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { KeyUsageFlags } from '@peculiar/asn1-x509';
import { buildCardFiles } from '../../sim/card-files.ts';
import { generatePersona } from '../../sim/persona.ts';
import { drawnPortrait } from '../../sim/portrait.ts';
import { generateTestPki, type TestPki } from '../../sim/test-pki.ts';
import { generatePkiVariant, type PkiVariantOptions, type TestPkiVariant } from '../../sim/test-pki-variants.ts';
import { encodeSod } from '../lds/sod.ts';
import { verifyPassive } from './passive.ts';
import { buildTestSod } from './test-sod.ts';
import { TrustStore } from './trust-store.ts';

const persona = generatePersona(5);
const photo = drawnPortrait(5);
const pki = await generateTestPki();
const DAY = 24 * 3600 * 1000;

function trusting(...pkis: { cscaCertificate: Uint8Array }[]): TrustStore {
  const store = new TrustStore();
  for (const p of pkis) store.add(p.cscaCertificate, 'test');
  return store;
}

/** The virtual card's files, its SOD made by lds/sod.ts's encodeSod (ECDSA or RSA PKCS#1). */
function card(signing: TestPki = pki) {
  const { files } = buildCardFiles(persona, photo, signing);
  const dataGroups = new Map([1, 2, 13, 14, 15].map((dg) => [dg, files.get(`DG${dg}`)!]));
  return { sod: files.get('EF.SOD')!, dataGroups };
}

const codes = (result: { reasons: { code: string }[] }) => result.reasons.map((r) => r.code);

function variantCard(options: PkiVariantOptions, sod: { withoutSignedAttributes?: boolean } = {}) {
  const variant = generatePkiVariant(options);
  const { dataGroups } = card();
  return { variant, dataGroups, sod: buildTestSod({ dataGroups, signer: variant.ds, signerCertificate: variant.documentSignerCertificate, ...sod }) };
}

test('a genuine card passes: every data group hash, the signature, the chain to the CSCA', () => {
  const { sod, dataGroups } = card();
  const result = verifyPassive(sod, dataGroups, trusting(pki));
  assert.equal(result.reasons, []);
  assert.ok(result.ok);
  assert.equal(result.dataGroupResults.map((d) => [d.dg, d.ok]), [[1, true], [2, true], [13, true], [14, true], [15, true]]);
  for (const d of result.dataGroupResults) assert.is(d.expected, d.actual);
  assert.match(result.signer!.subject, /TEST Document Signer VN/);
  assert.match(result.signer!.issuer, /TEST CSCA VN/);
  assert.match(result.csca!, /TEST CSCA VN/);
});

test('a data group altered after signing: DG_HASH_MISMATCH naming it, with both hashes', () => {
  const { sod, dataGroups } = card();
  const dg13 = dataGroups.get(13)!.slice();
  dg13[dg13.length - 3]! ^= 0x20;
  dataGroups.set(13, dg13);
  const result = verifyPassive(sod, dataGroups, trusting(pki));
  assert.not.ok(result.ok);
  assert.equal(codes(result), ['DG_HASH_MISMATCH']);
  assert.is(result.reasons[0]!.dg, 13);
  assert.match(result.reasons[0]!.message, /DG13/);
  const row = result.dataGroupResults.find((d) => d.dg === 13)!;
  assert.not.ok(row.ok);
  assert.is.not(row.expected, row.actual);
});

test('a data group the SOD does not cover: DG_MISSING_FROM_SOD', () => {
  const { sod, dataGroups } = card();
  dataGroups.set(11, Uint8Array.of(0x6b, 0x00));
  const result = verifyPassive(sod, dataGroups, trusting(pki));
  assert.equal(codes(result), ['DG_MISSING_FROM_SOD']);
  assert.is(result.dataGroupResults.find((d) => d.dg === 11)!.expected, null);
});

test('signed under a CSCA the terminal does not trust: SIGNER_NOT_TRUSTED', async () => {
  const { sod, dataGroups } = card(await generateTestPki({ country: 'XX' }));
  assert.equal(codes(verifyPassive(sod, dataGroups, trusting(pki))), ['SIGNER_NOT_TRUSTED']);
  // Same CSCA name, another key (AKI points elsewhere): still not our CSCA.
  const impostor = card(await generateTestPki());
  const result = verifyPassive(impostor.sod, impostor.dataGroups, trusting(pki));
  assert.equal(codes(result), ['SIGNER_NOT_TRUSTED']);
  assert.match(result.reasons[0]!.message, /not the key/);
});

test('a DS certificate whose CSCA signature fails: DS_CHAIN_INVALID', () => {
  const { sod, dataGroups } = card();
  // The certificate sits outside the signed attributes: flip a bit of its signature (the last bytes of the cert).
  const cert = pki.documentSignerCertificate;
  const at = indexOf(sod, cert) + cert.length - 5;
  const forged = sod.slice();
  forged[at]! ^= 0x01;
  assert.equal(codes(verifyPassive(forged, dataGroups, trusting(pki))), ['DS_CHAIN_INVALID']);
  // Without AKI, a DS claiming our CSCA's name but signed by another key is caught the same way.
  const impostor = generatePkiVariant({ omitAuthorityKeyId: true });
  const genuine = generatePkiVariant();
  const claimed = buildTestSod({ dataGroups, signer: impostor.ds, signerCertificate: impostor.documentSignerCertificate });
  assert.equal(codes(verifyPassive(claimed, dataGroups, trusting(genuine))), ['DS_CHAIN_INVALID']);
});

test('validity: expired DS → DS_EXPIRED, future DS → DS_NOT_YET_VALID, expired CSCA → CSCA_EXPIRED', async () => {
  const old = await generateTestPki({ now: new Date(Date.now() - 7 * 365 * DAY) });
  const expired = card(old);
  assert.equal(codes(verifyPassive(expired.sod, expired.dataGroups, trusting(old))), ['DS_EXPIRED']);
  const future = variantCard({ dsNotBefore: new Date(Date.now() + 30 * DAY), dsNotAfter: new Date(Date.now() + 400 * DAY) });
  assert.equal(codes(verifyPassive(future.sod, future.dataGroups, trusting(future.variant))), ['DS_NOT_YET_VALID']);
  const cscaGone = variantCard({ cscaNotBefore: new Date(Date.now() - 900 * DAY), cscaNotAfter: new Date(Date.now() - DAY) });
  assert.equal(codes(verifyPassive(cscaGone.sod, cscaGone.dataGroups, trusting(cscaGone.variant))), ['CSCA_EXPIRED']);
  // The same card checked "as of" a date inside every validity period passes.
  assert.ok(verifyPassive(expired.sod, expired.dataGroups, trusting(old), { now: new Date(Date.now() - 6 * 365 * DAY) }).ok);
});

test('a SOD signed with a key that is not the certificate’s: SOD_SIGNATURE_INVALID', async () => {
  const other = await generateTestPki();
  const forged = card({ ...pki, documentSignerKey: other.documentSignerKey });
  assert.equal(codes(verifyPassive(forged.sod, forged.dataGroups, trusting(pki))), ['SOD_SIGNATURE_INVALID']);
  // A flipped bit in the signature value itself.
  const { sod, dataGroups } = card();
  const tampered = sod.slice();
  tampered[tampered.length - 3]! ^= 0x04;
  assert.equal(codes(verifyPassive(tampered, dataGroups, trusting(pki))), ['SOD_SIGNATURE_INVALID']);
});

test('a DS certificate without digitalSignature in its key usage: DS_KEY_USAGE', () => {
  const { variant, sod, dataGroups } = variantCard({ dsKeyUsage: KeyUsageFlags.keyEncipherment });
  assert.equal(codes(verifyPassive(sod, dataGroups, trusting(variant))), ['DS_KEY_USAGE']);
});

test('CRLs: a CSCA-signed CRL listing the DS → DS_REVOKED; one not listing it passes; a forged one → CRL_INVALID; others are ignored', () => {
  const { variant, sod, dataGroups } = variantCard({});
  const trust = trusting(variant);
  const elsewhere = generatePkiVariant({ country: 'QQ' });
  assert.equal(codes(verifyPassive(sod, dataGroups, trust, { crls: [variant.crl([variant.documentSignerSerial])] })), ['DS_REVOKED']);
  assert.ok(verifyPassive(sod, dataGroups, trust, { crls: [variant.crl(['0123456789']), elsewhere.crl([variant.documentSignerSerial])] }).ok);
  const forged = variant.crl([], { signedBy: elsewhere.cscaKey });
  assert.equal(codes(verifyPassive(sod, dataGroups, trust, { crls: [forged] })), ['CRL_INVALID']);
  assert.equal(codes(verifyPassive(sod, dataGroups, trust, { crls: [Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00)] })), ['CRL_INVALID']);
});

const SIGNERS: [string, PkiVariantOptions][] = [
  ['RSA PKCS#1 v1.5 (SHA-256)', { csca: { type: 'rsa', bits: 3072 }, ds: { type: 'rsa' } }],
  ['RSA-PSS (SHA-256, salt 32) under an RSA-PSS CSCA', { csca: { type: 'rsa', pss: true, hash: 'sha256' }, ds: { type: 'rsa', pss: true, hash: 'sha256' } }],
  ['RSA-PSS (SHA-512)', { csca: { type: 'rsa', bits: 3072, hash: 'sha512' }, ds: { type: 'rsa', pss: true, hash: 'sha512' } }],
  ['brainpoolP256r1 DS under a brainpoolP384r1 CSCA', { csca: { type: 'ec', curve: 'brainpoolP384r1', hash: 'sha384' }, ds: { type: 'ec', curve: 'brainpoolP256r1' } }],
  ['brainpoolP512r1 CSCA with explicit parameters and ecdsa-with-SHA512 (as Vietnam’s)', { csca: { type: 'ec', curve: 'brainpoolP512r1', explicit: true, hash: 'sha512' }, ds: { type: 'ec', curve: 'brainpoolP256r1', explicit: true } }],
  ['ECDSA P-384 with SHA-384, P-521 CSCA', { csca: { type: 'ec', curve: 'P-521', hash: 'sha512' }, ds: { type: 'ec', curve: 'P-384', hash: 'sha384' } }],
];

for (const [label, options] of SIGNERS) {
  test(`signer ${label}: passes, and the same SOD with a changed DG fails`, () => {
    const { variant, sod, dataGroups } = variantCard(options);
    const result = verifyPassive(sod, dataGroups, trusting(variant));
    assert.equal(result.reasons, []);
    assert.ok(result.ok);
    const bad = new Map(dataGroups);
    bad.set(1, bad.get(1)!.map((b, i) => (i === 10 ? b ^ 1 : b)));
    assert.equal(codes(verifyPassive(sod, bad, trusting(variant))), ['DG_HASH_MISMATCH']);
    assertSignatureMatters(variant, dataGroups);
  });
}

/** The signature is really checked for this algorithm: a SOD signed by another key of the same kind fails. */
function assertSignatureMatters(variant: TestPkiVariant, dataGroups: Map<number, Uint8Array>): void {
  const other = generatePkiVariant({ ds: variant.ds.spec });
  const sod = buildTestSod({ dataGroups, signer: other.ds, signerCertificate: variant.documentSignerCertificate });
  assert.equal(codes(verifyPassive(sod, dataGroups, trusting(variant))), ['SOD_SIGNATURE_INVALID']);
}

test('a SignerInfo without signed attributes: the signature covers the LDS security object itself', () => {
  const { variant, sod, dataGroups } = variantCard({}, { withoutSignedAttributes: true });
  assert.ok(verifyPassive(sod, dataGroups, trusting(variant)).ok);
});

test('an RSA SOD from encodeSod (lds/sod.ts) verifies too', () => {
  const variant = generatePkiVariant({ csca: { type: 'rsa' }, ds: { type: 'rsa' } });
  const { dataGroups } = card();
  const hashes = new Map([...dataGroups].map(([dg, bytes]) => [dg, new Uint8Array(sha256(bytes))]));
  const sod = encodeSod({ digestAlgorithm: 'sha256', dataGroups: hashes, signerKey: variant.documentSignerKey, signerCertificateDer: variant.documentSignerCertificate });
  assert.ok(verifyPassive(sod, dataGroups, trusting(variant)).ok);
});

test('not an EF.SOD at all: SOD_MALFORMED, no exception', () => {
  for (const bytes of [new Uint8Array(0), Uint8Array.of(0x77, 0x00), Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00), card().sod.subarray(0, 200)]) {
    const result = verifyPassive(bytes, new Map(), trusting(pki));
    assert.not.ok(result.ok);
    assert.equal(codes(result), ['SOD_MALFORMED']);
  }
});

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  const at = Buffer.from(haystack).indexOf(Buffer.from(needle));
  if (at < 0) throw new Error('certificate not found in SOD');
  return at;
}

test.run();
