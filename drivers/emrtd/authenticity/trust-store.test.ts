import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isXacminhError } from '../../errors.ts';
import { sharedDataPath } from '../../sim/shared-data.ts';
import { generatePkiVariant } from '../../sim/test-pki-variants.ts';
import { isSignedBy, parseCertificate } from './certificate.ts';
import { readExplicitEcKey, verifyEcdsaExplicit } from './ec-explicit.ts';
import { buildTestMasterList } from './test-sod.ts';
import { TrustStore } from './trust-store.ts';

const masterListBytes = new Uint8Array(readFileSync(sharedDataPath('trust', 'icao-masterlist-2025-08-19.ml')));
const vnDer = new Uint8Array(readFileSync(sharedDataPath('trust', 'csca-vn-2022.der')));

test('the ICAO master list: CMS signature verified, signer chains to a listed CSCA, 520 CSCAs, Vietnam’s among them', () => {
  const store = new TrustStore();
  const report = store.importMasterList(masterListBytes, 'icao.ml');
  console.log(`    ICAO master list: ${report.certificates} certificates, signer ${report.signer.subject}, issued by ${report.signerIssuer ?? '?'}`);
  assert.is(report.signatureValid, true);
  assert.ok(report.signerChainsToListedCsca);
  assert.match(report.signer.subject, /Master List Signer/);
  assert.is(report.certificates, 520);
  assert.equal(report.skipped, []);
  assert.is(store.size, report.added);
  const entries = store.describe();
  const vnSha = createHash('sha256').update(vnDer).digest('hex');
  const vn = entries.find((e) => e.sha256 === vnSha);
  assert.ok(vn, 'csca-vn-2022.der is in the master list');
  assert.is(vn.country, 'VN');
  assert.match(vn.subject, /CSCA ePassport Vietnam/);
  assert.is(vn.signatureAlgorithm, 'ecdsa-with-SHA512');
  assert.is(vn.keyType, 'EC');
  assert.is(vn.selfSigned, true);
  assert.is(vn.notAfter.toISOString(), '2037-10-01T01:37:06.000Z');
  // Every entry is described; RSA and EC both present, countries read from C=.
  assert.ok(entries.every((e) => /^[A-Z]{2}$|^\?\?$/.test(e.country) && e.sha256.length === 64));
  assert.ok(entries.some((e) => e.keyType === 'RSA' && (e.keyBits ?? 0) >= 2048));
});

test('Vietnam’s CSCA (explicit 512-bit curve, ecdsa-with-SHA512): self-signature verifies through node:crypto and through noble', () => {
  const vn = parseCertificate(vnDer, 'csca-vn-2022.der');
  assert.ok(isSignedBy(vn, vn), 'node:crypto path');
  const key = readExplicitEcKey(vn.spki);
  assert.ok(key, 'the key carries explicit domain parameters');
  assert.is(key.p.toString(2).length, 512);
  const digest = createHash('sha512').update(vn.tbs).digest();
  assert.ok(verifyEcdsaExplicit(key, digest, vn.signature), 'noble path with p, a, b, G, n from the certificate');
  digest[5]! ^= 1;
  assert.not.ok(verifyEcdsaExplicit(key, digest, vn.signature), 'noble path rejects another digest');
});

test('a master list whose content was altered is refused with a typed error', () => {
  const bytes = masterListBytes.slice();
  bytes[bytes.length - 40_000]! ^= 0x01;
  assert.throws(() => new TrustStore().importMasterList(bytes), (e: unknown) => isXacminhError(e, 'MALFORMED_DATA') && /signature invalid/.test(e.message));
});

test('a master list whose signer does not chain to a CSCA in it: imported, and reported', () => {
  const listed = generatePkiVariant({ country: 'AA' });
  const outsider = generatePkiVariant({ country: 'ZZ' });
  const ml = buildTestMasterList({ certificates: [listed.cscaCertificate], signer: outsider.ds, signerCertificate: outsider.documentSignerCertificate });
  const store = new TrustStore();
  const report = store.importMasterList(ml);
  assert.is(report.signerChainsToListedCsca, false);
  assert.is(report.certificates, 1);
  const chained = buildTestMasterList({ certificates: [listed.cscaCertificate, outsider.cscaCertificate], signer: outsider.ds, signerCertificate: outsider.documentSignerCertificate });
  assert.is(new TrustStore().importMasterList(chained).signerChainsToListedCsca, true);
});

test('a folder: DER, PEM and a master list load; a corrupt and an unknown file are reported by name, the rest still load', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'xacminh-trust-'));
  const pki = generatePkiVariant({ country: 'BB' });
  const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(pki.cscaCertificate).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
  await copyFile(sharedDataPath('trust', 'csca-vn-2022.der'), join(folder, 'vn.der'));
  await writeFile(join(folder, 'bb.pem'), pem);
  await writeFile(join(folder, 'small.ml'), buildTestMasterList({ certificates: [generatePkiVariant({ country: 'CC' }).cscaCertificate], signer: pki.ds, signerCertificate: pki.documentSignerCertificate }));
  await writeFile(join(folder, 'broken.der'), pki.cscaCertificate.subarray(0, 100));
  await writeFile(join(folder, 'README.txt'), 'not a certificate');
  const store = await TrustStore.fromFolder(folder);
  assert.is(store.size, 3);
  assert.equal(store.problems.map((p) => p.file), ['README.txt', 'broken.der']);
  for (const problem of store.problems) {
    assert.ok(isXacminhError(problem.error, 'MALFORMED_DATA'));
    assert.is(problem.error.evidence.file, problem.file);
    assert.match(problem.message, problem.file);
  }
  assert.equal(store.describe().map((e) => e.country).sort(), ['BB', 'CC', 'VN']);
  assert.is(store.masterLists.length, 1);
});

test('findIssuers: by issuer name, narrowed by AKI/SKI when both are present', () => {
  const a = generatePkiVariant({ country: 'DD' });
  const renewed = generatePkiVariant({ country: 'DD' }); // same names, new keys (a CSCA key rollover)
  const store = new TrustStore();
  store.add(a.cscaCertificate, 'a');
  store.add(renewed.cscaCertificate, 'renewed');
  const ds = parseCertificate(a.documentSignerCertificate);
  assert.equal(store.findIssuers(ds).map((c) => c.sha256), [parseCertificate(a.cscaCertificate).sha256]);
  assert.is(store.byName(ds).length, 2);
  const noAki = parseCertificate(generatePkiVariant({ country: 'DD', omitAuthorityKeyId: true }).documentSignerCertificate);
  assert.is(store.findIssuers(noAki).length, 2);
  assert.equal(store.findIssuers(generatePkiVariant({ country: 'EE' }).documentSignerCertificate), []);
});

test.run();
