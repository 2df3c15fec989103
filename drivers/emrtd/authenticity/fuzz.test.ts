import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { isXacminhError } from '../../errors.ts';
import { mulberry32 } from '../../prng.ts';
import { ensureDiffers, fuzzSeed } from '../../mutate.ts';
import { sharedDataPath } from '../../sim/shared-data.ts';
import { generatePkiVariant } from '../../sim/test-pki-variants.ts';
import { parseCertificate } from './certificate.ts';
import { parseCrl } from './crl.ts';
import { findSigner, parseSignedData } from './cms.ts';
import { readSingle } from '../tlv.ts';
import { verifyPassive } from './passive.ts';
import { buildTestMasterList, buildTestSod } from './test-sod.ts';
import { TrustStore } from './trust-store.ts';

const seed = fuzzSeed();
const random = mulberry32(seed);
console.log(`    fuzz seed ${seed} (FUZZ_SEED=${seed} to replay)`);
const pick = (n: number) => Math.floor(random() * n);

/** A mutation that really changed something (a no-op would count as an "accepted mutant"). */
const mutate = (bytes: Uint8Array): Uint8Array => ensureDiffers(bytes, mutateOnce(bytes), random);

/** Bit flips, a truncation, a byte run overwritten, or a length byte changed. */
function mutateOnce(bytes: Uint8Array): Uint8Array {
  let out = bytes.slice(0, random() < 0.15 ? pick(bytes.length) : bytes.length);
  const kind = pick(3);
  if (out.length === 0) return out;
  if (kind === 0) for (let k = 0; k <= pick(3); k++) out[pick(out.length)]! ^= 1 << pick(8);
  if (kind === 1) {
    const start = pick(out.length);
    out.fill(pick(256), start, start + 1 + pick(16));
  }
  if (kind === 2) {
    // Length bytes sit right after tags: hit the second byte of a random TLV-looking position.
    const at = pick(out.length - 1) + 1;
    out[at] = [0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff][pick(7)]!;
  }
  if (random() < 0.05) out = new Uint8Array([...out, ...out.subarray(0, pick(out.length))]);
  return out;
}

/** Runs `fn` on every input; only XacminhError may escape, and no single call may take over a second. */
function survive(label: string, inputs: number, make: () => Uint8Array, fn: (bytes: Uint8Array) => unknown): number {
  let typed = 0;
  let slowest = 0;
  for (let i = 0; i < inputs; i++) {
    const input = make();
    const started = performance.now();
    try {
      fn(input);
    } catch (error) {
      assert.ok(isXacminhError(error), `${label} #${i} (seed ${seed}): ${String(error)}\n${(error as Error).stack ?? ''}`);
      typed++;
    }
    slowest = Math.max(slowest, performance.now() - started);
  }
  assert.ok(slowest < 1000, `${label}: one input took ${slowest.toFixed(0)} ms (seed ${seed})`);
  return typed;
}

const pki = generatePkiVariant({ ds: { type: 'ec', curve: 'brainpoolP256r1' } });
const trust = new TrustStore();
trust.add(pki.cscaCertificate);
const dataGroups = new Map([1, 2, 11].map((dg) => [dg, Uint8Array.from({ length: 40 + dg }, (_, i) => (i * dg) & 0xff)]));
const sod = buildTestSod({ dataGroups, signer: pki.ds, signerCertificate: pki.documentSignerCertificate });

test('10,000 mutated SODs through verifyPassive: a verdict every time, never an exception', () => {
  assert.ok(verifyPassive(sod, dataGroups, trust).ok, 'the unmutated SOD passes');
  const original = signedParts(sod);
  let rejected = 0;
  survive('SOD', 10_000, () => mutate(sod), (bytes) => {
    if (!verifyPassive(bytes, dataGroups, trust).ok) return rejected++;
    // A mutant may pass only by changing bytes no signature covers (sid spelling, unsigned header fields).
    assert.equal(signedParts(bytes), original, `an accepted mutant changed signed bytes (seed ${seed})`);
  });
  console.log(`    ${rejected} of 10,000 mutated SODs rejected; the rest differ only in unsigned bytes`);
  assert.ok(rejected > 9_000, `only ${rejected} of 10,000 mutated SODs rejected (seed ${seed})`);
});

test('10,000 mutated master lists, certificates and CRLs into their parsers: only XacminhError', () => {
  const ml = buildTestMasterList({ certificates: [pki.cscaCertificate, generatePkiVariant({ csca: { type: 'rsa' } }).cscaCertificate], signer: pki.ds, signerCertificate: pki.documentSignerCertificate });
  // Pinned, so a mutant is refused for what it breaks, not for want of a pin.
  const pinned = () => new TrustStore({ masterListSigners: [parseCertificate(pki.cscaCertificate).sha256] });
  assert.is(pinned().importMasterList(ml).certificates, 2);
  const typed = survive('master list', 6_000, () => mutate(ml), (bytes) => pinned().importMasterList(bytes));
  assert.ok(typed > 5_000, `only ${typed} of 6,000 mutated master lists refused (seed ${seed})`);
  survive('certificate', 2_000, () => mutate(pki.documentSignerCertificate), (bytes) => trust.findIssuers(parseCertificate(bytes)));
  survive('CRL', 2_000, () => mutate(pki.crl([pki.documentSignerSerial])), (bytes) => parseCrl(bytes));
});

test('slices of the real ICAO master list (786 KB): refused with a typed error, quickly', () => {
  const real = new Uint8Array(readFileSync(sharedDataPath('trust', 'icao-masterlist-2025-08-19.ml')));
  const pins = { masterListSigners: [findSigner(parseSignedData(real, 'icao.ml'))!.sha256] };
  assert.ok(new TrustStore(pins).importMasterList(real).added > 500, 'the whole list, pinned, loads');
  const typed = survive('ICAO slice', 300, () => {
    const start = random() < 0.5 ? 0 : pick(real.length);
    return mutate(real.subarray(start, start + 1 + pick(real.length - start)));
  }, (bytes) => new TrustStore(pins).importMasterList(bytes));
  assert.ok(typed >= 299, `${300 - typed} slices were accepted (seed ${seed})`);
});

/** What the signature and the CSCA chain protect: eContent, signed attributes, signature, DS certificate. */
function signedParts(bytes: Uint8Array): string[] {
  const parts = parseSignedData(readSingle(bytes, 0x77, 'EF.SOD').value, 'EF.SOD');
  return [parts.content, parts.signerInfo.signedAttributes!, parts.signerInfo.signature, parts.certificates[0]!.der].map((b) => Buffer.from(b).toString('hex'));
}

test.run();
