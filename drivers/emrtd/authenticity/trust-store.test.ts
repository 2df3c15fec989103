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
import { findSigner, parseSignedData } from './cms.ts';
import { readExplicitEcKey, verifyEcdsaExplicit } from './ec-explicit.ts';
import { buildTestMasterList } from './test-sod.ts';
import { TrustStore } from './trust-store.ts';

const masterListBytes = new Uint8Array(readFileSync(sharedDataPath('trust', 'icao-masterlist-2025-08-19.ml')));
const vnDer = new Uint8Array(readFileSync(sharedDataPath('trust', 'csca-vn-2022.der')));
const sha256 = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');

/** The CSCA that issued the real list's signer, found by signature among the CMS certificates: what a site pins. */
function realListSignerIssuer(): { sha256: string; subject: string } {
  const parts = parseSignedData(masterListBytes, 'icao.ml');
  const signer = findSigner(parts)!;
  const issuer = parts.certificates.find((c) => c !== signer && isSignedBy(signer, c));
  assert.ok(issuer, 'the ICAO list carries the CSCA that issued its signer');
  return issuer;
}

test('the ICAO master list, its signer’s CSCA pinned: CMS signature verified, 520 CSCAs, Vietnam’s among them', () => {
  const pin = realListSignerIssuer();
  const store = new TrustStore({ masterListSigners: [pin.sha256.toUpperCase().replace(/(..)(?!$)/g, '$1:')] });
  const report = store.importMasterList(masterListBytes, 'icao.ml');
  console.log(`    ICAO master list: ${report.certificates} certificates, signer ${report.signer.subject}, anchored by ${report.anchor.subject}`);
  assert.is(report.signatureValid, true);
  assert.equal(report.anchor, { subject: pin.subject, sha256: pin.sha256 });
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

test('the ICAO master list with no pin: refused, none of its CSCAs trusted, the fingerprints to pin named', () => {
  const store = new TrustStore();
  const signer = findSigner(parseSignedData(masterListBytes, 'icao.ml'))!;
  assert.throws(
    () => store.importMasterList(masterListBytes, 'icao.ml'),
    (e: unknown) => isXacminhError(e, 'CONFIG_INVALID') && e.message.includes(signer.sha256) && e.message.includes(realListSignerIssuer().sha256) && /pin the master list signer/.test(e.message),
  );
  assert.is(store.size, 0);
});

test('a master list whose content was altered is refused with a typed error', () => {
  const bytes = masterListBytes.slice();
  bytes[bytes.length - 40_000]! ^= 0x01;
  const pinned = new TrustStore({ masterListSigners: [realListSignerIssuer().sha256] });
  assert.throws(() => pinned.importMasterList(bytes), (e: unknown) => isXacminhError(e, 'MALFORMED_DATA') && /signature invalid/.test(e.message));
  assert.is(pinned.size, 0);
});

// A master list authority (its root and the signer it issued) and a country whose CSCA the list carries.
const authority = generatePkiVariant({ country: 'UN' });
const country = generatePkiVariant({ country: 'AA' });
const authorityRoot = sha256(authority.cscaCertificate);

function masterList(by: typeof authority, certificates: Uint8Array[]): Uint8Array {
  return buildTestMasterList({ certificates, signer: by.ds, signerCertificate: by.documentSignerCertificate });
}

test('a test master list whose signer chains to the pinned root, or is pinned itself: imported', () => {
  const store = new TrustStore({ masterListSigners: [authorityRoot] });
  const report = store.importMasterList(masterList(authority, [country.cscaCertificate, authority.cscaCertificate]), 'un.ml');
  assert.equal(report.anchor.sha256, authorityRoot);
  assert.is(report.added, 2);
  assert.is(store.findIssuers(country.documentSignerCertificate).length, 1);
  // The signer's own fingerprint pinned: no chain needed, and the list need not carry the root.
  const direct = new TrustStore({ masterListSigners: [sha256(authority.documentSignerCertificate)] });
  assert.is(direct.importMasterList(masterList(authority, [country.cscaCertificate])).anchor.sha256, sha256(authority.documentSignerCertificate));
  assert.is(direct.size, 1);
});

test('a self-made master list (its signer chains only to a CSCA in the list, under the pinned root’s very name): refused', () => {
  const forger = generatePkiVariant({ country: 'UN' }); // same names as the authority, its own keys
  const store = new TrustStore({ masterListSigners: [authorityRoot] });
  for (const certificates of [[country.cscaCertificate, forger.cscaCertificate], [country.cscaCertificate, forger.cscaCertificate, authority.cscaCertificate]]) {
    assert.throws(
      () => store.importMasterList(masterList(forger, certificates), 'forged.ml'),
      (e: unknown) => isXacminhError(e, 'CONFIG_INVALID') && e.message.includes(sha256(forger.documentSignerCertificate)) && /none of the list's CSCAs are trusted/.test(e.message),
    );
  }
  assert.is(store.size, 0);
  assert.equal(store.findIssuers(country.documentSignerCertificate), []);
  // With no pin at all, even the genuine authority's list is refused.
  assert.throws(() => new TrustStore().importMasterList(masterList(authority, [country.cscaCertificate, authority.cscaCertificate])), (e: unknown) => isXacminhError(e, 'CONFIG_INVALID'));
});

test('a pinned test master list altered after signing: refused', () => {
  const bytes = masterList(authority, [country.cscaCertificate, authority.cscaCertificate]);
  const at = Buffer.from(bytes).indexOf(Buffer.from(country.cscaCertificate)) + 60;
  bytes[at]! ^= 0x01;
  const store = new TrustStore({ masterListSigners: [authorityRoot] });
  assert.throws(() => store.importMasterList(bytes), (e: unknown) => isXacminhError(e, 'MALFORMED_DATA') && /signature invalid/.test(e.message));
  assert.is(store.size, 0);
});

test('a master list whose signer does not chain to a CSCA in it: imported when pinned, and reported', () => {
  const listed = generatePkiVariant({ country: 'AB' });
  const outsider = generatePkiVariant({ country: 'ZZ' });
  const pins = { masterListSigners: [sha256(outsider.cscaCertificate)] };
  const ml = buildTestMasterList({ certificates: [listed.cscaCertificate], signer: outsider.ds, signerCertificate: outsider.documentSignerCertificate });
  assert.throws(() => new TrustStore(pins).importMasterList(ml), (e: unknown) => isXacminhError(e, 'CONFIG_INVALID'), 'the pinned root is nowhere to be found');
  const store = new TrustStore(pins);
  store.add(outsider.cscaCertificate, 'installed');
  const report = store.importMasterList(ml);
  assert.is(report.signerChainsToListedCsca, false);
  assert.is(report.certificates, 1);
  const chained = buildTestMasterList({ certificates: [listed.cscaCertificate, outsider.cscaCertificate], signer: outsider.ds, signerCertificate: outsider.documentSignerCertificate });
  assert.is(new TrustStore(pins).importMasterList(chained).signerChainsToListedCsca, true);
});

test('a folder: an unpinned master list is reported by file name with the fingerprint to pin; pinned, it loads', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'xacminh-trust-'));
  await writeFile(join(folder, 'un.ml'), masterList(authority, [country.cscaCertificate]));
  // The pinned root installed as a file: the list chains to it although it does not carry it.
  await writeFile(join(folder, 'un-root.der'), authority.cscaCertificate);
  const unpinned = await TrustStore.fromFolder(folder);
  assert.equal(unpinned.problems.map((p) => p.file), ['un.ml']);
  assert.ok(isXacminhError(unpinned.problems[0]!.error, 'CONFIG_INVALID'));
  assert.match(unpinned.problems[0]!.message, `Trust store file un.ml`);
  assert.not.match(unpinned.problems[0]!.message, 'un.ml: un.ml', 'the file is named once');
  assert.match(unpinned.problems[0]!.message, `pin the master list signer's fingerprint (${sha256(authority.documentSignerCertificate)})`);
  assert.equal(unpinned.findIssuers(country.documentSignerCertificate), []);
  const pinned = await TrustStore.fromFolder(folder, { masterListSigners: [authorityRoot] });
  assert.equal(pinned.problems, []);
  assert.is(pinned.findIssuers(country.documentSignerCertificate).length, 1);
});

test('a folder: a master list named like anything (not .ml) still waits for the pinned CSCA in a later-named file', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'xacminh-trust-order-'));
  await writeFile(join(folder, 'a-list.bin'), masterList(authority, [country.cscaCertificate]));
  await writeFile(join(folder, 'z-root.der'), authority.cscaCertificate);
  const store = await TrustStore.fromFolder(folder, { masterListSigners: [authorityRoot] });
  assert.equal(store.problems, []);
  assert.equal(store.masterLists.map((list) => list.added), [1]);
  assert.is(store.findIssuers(country.documentSignerCertificate).length, 1);
});

test('a folder: CRLs signed by anchors given to fromFolder (the demo CSCA) are applied, not refused', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'xacminh-trust-anchor-'));
  await writeFile(join(folder, 'demo.crl'), country.crl(['0123456789']));
  const store = await TrustStore.fromFolder(folder, { anchors: [{ certificate: country.cscaCertificate, source: 'demo' }] });
  assert.equal(store.problems, []);
  assert.equal(store.crls.map((crl) => crl.source), ['demo.crl']);
  assert.equal(store.describe().map((entry) => entry.source), ['demo']);
});

test('pins that are not SHA-256 fingerprints: INVALID_INPUT', () => {
  assert.throws(() => new TrustStore({ masterListSigners: ['abc'] }), (e: unknown) => isXacminhError(e, 'INVALID_INPUT'));
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
  const store = await TrustStore.fromFolder(folder, { masterListSigners: [sha256(pki.cscaCertificate)] });
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
