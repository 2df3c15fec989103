import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, writeFile, copyFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isXacminhError } from '../../errors.ts';
import { buildCardFiles } from '../../sim/card-files.ts';
import { generatePersona } from '../../sim/persona.ts';
import { drawnPortrait, mulberry32 } from '../../sim/portrait.ts';
import { sharedDataPath } from '../../sim/shared-data.ts';
import { generateTestPki, type TestPki } from '../../sim/test-pki.ts';
import { verifyPassive } from './passive.ts';
import { TrustStore } from './trust-store.ts';

const persona = generatePersona(5);
const photo = drawnPortrait(5);
const pki = await generateTestPki();

function trusting(...pkis: TestPki[]): TrustStore {
  const store = new TrustStore();
  for (const p of pkis) store.add(new X509Certificate(p.cscaCertificate), 'test');
  return store;
}

function card(signing: TestPki = pki) {
  const { files } = buildCardFiles(persona, photo, signing);
  const dataGroups = new Map([1, 2, 13, 14, 15].map((dg) => [dg, files.get(`DG${dg}`)!]));
  return { sod: files.get('EF.SOD')!, dataGroups };
}

test('a genuine card passes: every data group hash, the signature, the chain to the CSCA', () => {
  const { sod, dataGroups } = card();
  const result = verifyPassive(sod, dataGroups, trusting(pki));
  assert.equal(result.reasons, []);
  assert.ok(result.ok);
  assert.equal(result.dataGroups.map((d) => d.ok), [true, true, true, true, true]);
  assert.match(result.csca!, /TEST CSCA VN/);
});

test('a data group altered after signing: DG_HASH_MISMATCH naming it', () => {
  const { sod, dataGroups } = card();
  const dg13 = dataGroups.get(13)!.slice();
  dg13[dg13.length - 3]! ^= 0x20; // one letter of the last field
  dataGroups.set(13, dg13);
  const result = verifyPassive(sod, dataGroups, trusting(pki));
  assert.not.ok(result.ok);
  assert.equal(result.reasons.map((r) => r.code), ['DG_HASH_MISMATCH']);
  assert.match(result.reasons[0]!.message, /DG13/);
});

test('signed by a CSCA the terminal does not trust: SIGNER_NOT_TRUSTED', async () => {
  const { sod, dataGroups } = card(await generateTestPki({ country: 'XX' }));
  const result = verifyPassive(sod, dataGroups, trusting(pki));
  assert.equal(result.reasons.map((r) => r.code), ['SIGNER_NOT_TRUSTED']);
});

test('a DS certificate that claims our CSCA but was signed by another key: DS_CHAIN_INVALID', async () => {
  const impostor = await generateTestPki(); // same subject names, other keys
  const { sod, dataGroups } = card(impostor);
  const result = verifyPassive(sod, dataGroups, trusting(pki));
  assert.equal(result.reasons.map((r) => r.code), ['DS_CHAIN_INVALID']);
});

test('an expired document signer: DS_EXPIRED', async () => {
  const old = await generateTestPki({ now: new Date(Date.now() - 7 * 365 * 24 * 3600 * 1000) });
  const { sod, dataGroups } = card(old);
  const result = verifyPassive(sod, dataGroups, trusting(old));
  assert.equal(result.reasons.map((r) => r.code), ['DS_EXPIRED']);
});

test('a SOD signed with a key that is not the certificate’s: SOD_SIGNATURE_INVALID', async () => {
  const other = await generateTestPki();
  const forged = card({ ...pki, documentSignerKey: other.documentSignerKey });
  const result = verifyPassive(forged.sod, forged.dataGroups, trusting(pki));
  assert.equal(result.reasons.map((r) => r.code), ['SOD_SIGNATURE_INVALID']);
});

test('the ICAO master list: signature verified, 520 CSCAs, Vietnam’s CSCA among them and self-consistent', () => {
  const store = new TrustStore();
  const report = store.importMasterList(new Uint8Array(readFileSync(sharedDataPath('trust', 'icao-masterlist-2025-08-19.ml'))));
  assert.ok(report.signatureValid);
  assert.ok(report.signerChainsToListedCsca);
  assert.is(report.certificates, 520);
  const vn = new X509Certificate(readFileSync(sharedDataPath('trust', 'csca-vn-2022.der')));
  const listed = store.describe().filter((e) => e.country === 'VN');
  assert.ok(listed.some((e) => e.fingerprint256 === vn.fingerprint256));
  assert.is(listed.find((e) => e.fingerprint256 === vn.fingerprint256)!.keyType, 'EC brainpoolP512r1');
  // ecdsa-with-SHA512 on an explicit-parameter 512-bit curve: its self-signature verifies.
  assert.ok(vn.verify(vn.publicKey));
});

test('a tampered master list is refused; a folder with a corrupt file loads the rest and reports it', async () => {
  const bytes = new Uint8Array(readFileSync(sharedDataPath('trust', 'icao-masterlist-2025-08-19.ml')));
  bytes[bytes.length - 40_000]! ^= 0x01;
  assert.throws(() => new TrustStore().importMasterList(bytes), (e: unknown) => isXacminhError(e));
  const folder = await mkdtemp(join(tmpdir(), 'xacminh-trust-'));
  await copyFile(sharedDataPath('trust', 'csca-vn-2022.der'), join(folder, 'vn.der'));
  await writeFile(join(folder, 'broken.der'), 'not a certificate');
  const store = await TrustStore.fromFolder(folder);
  assert.is(store.size, 1);
  assert.equal(store.problems.map((p) => p.file), ['broken.der']);
});

test('10,000 mutated SODs: a verdict or a typed error, never a crash', () => {
  const { sod, dataGroups } = card();
  const trust = trusting(pki);
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
  const random = mulberry32(seed);
  let rejected = 0;
  for (let i = 0; i < 10_000; i++) {
    const input = sod.slice(0, random() < 0.2 ? Math.floor(random() * sod.length) : sod.length);
    for (let k = 0; k < 1 + Math.floor(random() * 3); k++) input[Math.floor(random() * input.length)]! ^= 1 << Math.floor(random() * 8);
    try {
      if (!verifyPassive(input, dataGroups, trust).ok) rejected++;
    } catch (error) {
      assert.ok(isXacminhError(error), `seed ${seed}: ${String(error)}`);
      rejected++;
    }
  }
  assert.ok(rejected > 9_000, `only ${rejected} of 10,000 mutated SODs rejected (seed ${seed})`);
});

test.run();
