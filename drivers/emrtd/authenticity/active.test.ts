import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KeyObject, X509Certificate, constants, createHash, generateKeyPairSync, privateEncrypt, randomBytes } from 'node:crypto';
import { InProcessTransport } from '../../sim/in-process-transport.ts';
import { generateCardKeys } from '../../sim/card-files.ts';
import { makeVirtualCccd, type CardKeyOptions } from '../../sim/make-card.ts';
import { mulberry32 } from '../../prng.ts';
import { fuzzSeed, mutateBytes } from '../../mutate.ts';
import { generateTestPki } from '../../sim/test-pki.ts';
import type { VirtualCardBehaviour } from '../../sim/virtual-cccd.ts';
import type { ApduTransport } from '../../apdu.ts';
import { XacminhError } from '../../errors.ts';
import { accessKeyFromIdNumber } from '../access-key.ts';
import { CardSession } from '../card-session.ts';
import { concat } from '../crypto/bytes.ts';
import { encodeDg15 } from '../lds/dg15.ts';
import { readDocument } from '../read-document.ts';
import { signChallenge } from './active-chip.ts';
import { performActiveAuthentication, readAaPublicKey, verifyAaSignature, verifyIso9796 } from './active.ts';
import { checkAuthenticity } from './verdict.ts';
import { TrustStore } from './trust-store.ts';
import { ecCurveConstants } from '../pace/domain-parameters.ts';
import { explicitEcSpki, openChipSession, SECP256K1 } from './test-chip-session.ts';
import { assertRejectsCode } from '../../test-assert.ts';

const pki = await generateTestPki();
const trust = new TrustStore();
trust.add(new X509Certificate(pki.cscaCertificate), 'test');

async function readWith(options: { behaviour?: VirtualCardBehaviour } & CardKeyOptions = {}) {
  const sim = await makeVirtualCccd({ seed: 21, pki, ...options });
  const doc = await readDocument(new InProcessTransport(sim.card), accessKeyFromIdNumber(sim.persona.idNumber));
  return { doc, authenticity: checkAuthenticity(doc, trust) };
}

const withAaKey = (activeAuthentication: ReturnType<typeof generateKeyPairSync>) => ({ keys: { ...generateCardKeys(), activeAuthentication } });

test('a genuine card passes Active Authentication (RSA, ISO/IEC 9796-2) and is judged genuine', async () => {
  const { doc, authenticity } = await readWith();
  assert.equal(doc.activeAuthentication, { ok: true, algorithm: 'RSA-ISO9796-2' });
  assert.is(authenticity.verdict, 'genuine');
  assert.is(authenticity.active.status, 'passed');
});

test('RSA-2048 signing with SHA-256 (trailer 34 CC) and SHA-1 with the explicit trailer 33 CC', async () => {
  for (const sign of [{ hash: 'sha256' as const }, { hash: 'sha1' as const, explicitTrailer: true }, { hash: 'sha512' as const }]) {
    const { doc } = await readWith({ ...withAaKey(generateKeyPairSync('rsa', { modulusLength: 2048 })), activeAuthenticationSign: sign });
    assert.equal(doc.activeAuthentication, { ok: true, algorithm: 'RSA-ISO9796-2' }, JSON.stringify(sign));
  }
});

test('ECDSA AA on brainpoolP256r1 and P-256 (SHA-256), P-384 (SHA-384 named in DG14): passes', async () => {
  const cases = [
    { curve: 'brainpoolP256r1', hash: 'sha256', oid: '0.4.0.127.0.7.1.1.4.1.3' },
    { curve: 'prime256v1', hash: 'sha256', oid: '0.4.0.127.0.7.1.1.4.1.3' },
    { curve: 'secp384r1', hash: 'sha384', oid: '0.4.0.127.0.7.1.1.4.1.4' },
  ] as const;
  for (const c of cases) {
    const { doc, authenticity } = await readWith({
      ...withAaKey(generateKeyPairSync('ec', { namedCurve: c.curve })),
      activeAuthenticationSign: { hash: c.hash },
      activeAuthenticationSignatureAlgorithm: c.oid,
    });
    assert.equal(doc.activeAuthentication, { ok: true, algorithm: 'ECDSA' }, c.curve);
    assert.is(authenticity.verdict, 'genuine', c.curve);
  }
});

test('ECDSA: the hash DG14 names is the one checked (chip signs SHA-1, DG14 says SHA-256): fails', async () => {
  const { doc } = await readWith({ ...withAaKey(generateKeyPairSync('ec', { namedCurve: 'prime256v1' })), activeAuthenticationSign: { hash: 'sha1' } });
  assert.is(doc.activeAuthentication!.ok, false);
});

test('ECDSA AA with an explicit-parameter DG15 key (brainpoolP256r1 spelled out, as real chips carry it)', async () => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' });
  const sim = await makeVirtualCccd({ seed: 23, pki, ...withAaKey(pair) });
  const { session, dg14 } = await openChipSession(new InProcessTransport(sim.card), sim.persona.idNumber);
  const named = new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' }));
  const explicit = explicitEcSpki(ecCurveConstants(13)!.constants, named.subarray(named.length - 65));
  assert.ok(readAaPublicKey(explicit).key instanceof KeyObject, 'a table curve spelled out is read as the named curve');
  assert.equal(await performActiveAuthentication(session, encodeDg15(explicit), { dg14 }), { ok: true, algorithm: 'ECDSA' });
  const other = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }).publicKey.export({ type: 'spki', format: 'der' }));
  const wrong = explicitEcSpki(ecCurveConstants(13)!.constants, other.subarray(other.length - 65));
  assert.is((await performActiveAuthentication(session, wrong, { dg14 })).ok, false);
});

test('ECDSA AA on a curve outside the table, explicit parameters (secp256k1): verified with the key’s own parameters', () => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  const named = new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' }));
  const key = readAaPublicKey(explicitEcSpki(SECP256K1, named.subarray(named.length - 65)));
  assert.not.ok(key.key instanceof KeyObject);
  const challenge = new Uint8Array(randomBytes(8));
  const signature = signChallenge(pair.privateKey, challenge, { hash: 'sha256' });
  assert.ok(verifyAaSignature(key, challenge, signature, { ecdsaHash: 'sha256' }));
  assert.not.ok(verifyAaSignature(key, challenge, signature, { ecdsaHash: 'sha384' }));
  assert.not.ok(verifyAaSignature(key, new Uint8Array(8), signature));
});

test('a clone signing with another key: AA fails, not genuine, clone suspected (RSA and ECDSA)', async () => {
  for (const key of [undefined, generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' })]) {
    const { doc, authenticity } = await readWith({ behaviour: { activeAuthentication: 'wrong-key' }, ...(key ? withAaKey(key) : {}) });
    assert.is(doc.activeAuthentication!.ok, false);
    assert.is(authenticity.verdict, 'not-genuine');
    assert.match(authenticity.reasons.join(' '), /clone suspected/);
  }
});

test('a chip with DG15 that refuses INTERNAL AUTHENTICATE (6D00): not genuine', async () => {
  const { doc, authenticity } = await readWith({ behaviour: { activeAuthentication: 'absent' } });
  assert.match(doc.activeAuthentication!.reason!, /6D00/);
  assert.is(authenticity.verdict, 'not-genuine');
});

test('AA with the raw DG15 file or the bare SPKI, on an open session', async () => {
  const sim = await makeVirtualCccd({ seed: 22, pki });
  const { session, dg14, dg15 } = await openChipSession(new InProcessTransport(sim.card), sim.persona.idNumber);
  assert.equal(await performActiveAuthentication(session, dg15, { dg14 }), { ok: true, algorithm: 'RSA-ISO9796-2' });
  const spki = new Uint8Array(sim.built.keys.activeAuthentication.publicKey.export({ type: 'spki', format: 'der' }));
  assert.ok((await performActiveAuthentication(session, spki)).ok);
});

test('ISO 9796-2 recovery: right challenge passes; another challenge, a flipped bit, another key fail', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const challenge = new Uint8Array(randomBytes(8));
  const signature = signChallenge(privateKey, challenge);
  assert.ok(verifyIso9796(publicKey, challenge, signature));
  assert.not.ok(verifyIso9796(publicKey, new Uint8Array(8), signature));
  const flipped = signature.slice();
  flipped[100]! ^= 1;
  assert.not.ok(verifyIso9796(publicKey, challenge, flipped));
  assert.not.ok(verifyIso9796(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, challenge, signature));
});

test('ISO 9796-2: the padded form 6B BB … BA ‖ M1 is accepted; full recovery and a bad header are not', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const challenge = new Uint8Array(randomBytes(8));
  const build = (header: number[], m1: Uint8Array) => {
    const digest = createHash('sha1').update(m1).update(challenge).digest();
    const f = Buffer.concat([Buffer.from(header), m1, digest, Buffer.of(0xbc)]);
    return new Uint8Array(privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, f));
  };
  const m1 = new Uint8Array(randomBytes(128 - 3 - 20 - 1));
  assert.ok(verifyIso9796(publicKey, challenge, build([0x6b, 0xbb, 0xba], m1)));
  assert.not.ok(verifyIso9796(publicKey, challenge, build([0x4b, 0xbb, 0xba], m1)), 'full recovery: the challenge is not in the signature');
  assert.not.ok(verifyIso9796(publicKey, challenge, build([0x6b, 0xbc, 0xba], m1)), 'broken padding');
  assert.not.ok(verifyIso9796(publicKey, challenge, build([0x2b, 0xbb, 0xba], m1)), 'header not 01');
});

function fixedTransport(answer: Uint8Array): ApduTransport {
  return { transmit: async () => concat(answer, Uint8Array.of(0x90, 0x00)) };
}


test('malformed INTERNAL AUTHENTICATE answers and DG15 files: MALFORMED_DATA / UNSUPPORTED, never a crash', async () => {
  const rsa = new Uint8Array(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }));
  const ec = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' }));
  await assertRejectsCode(() => performActiveAuthentication(new CardSession(fixedTransport(new Uint8Array(0))), rsa), 'MALFORMED_DATA');
  await assertRejectsCode(() => performActiveAuthentication(new CardSession(fixedTransport(new Uint8Array(129))), rsa), 'MALFORMED_DATA');
  await assertRejectsCode(() => performActiveAuthentication(new CardSession(fixedTransport(new Uint8Array(63))), ec), 'MALFORMED_DATA');
  assert.equal(await performActiveAuthentication(new CardSession(fixedTransport(new Uint8Array(64).fill(7))), ec), {
    ok: false,
    algorithm: 'ECDSA',
    reason: 'The chip’s answer does not match the key in DG15: clone suspected',
  });
  await assertRejectsCode(() => performActiveAuthentication(new CardSession(fixedTransport(new Uint8Array(0))), encodeDg15(Uint8Array.of(0x30, 0x00))), 'MALFORMED_DATA');
  const dsa = new Uint8Array(generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }));
  await assertRejectsCode(() => performActiveAuthentication(new CardSession(fixedTransport(new Uint8Array(0))), dsa), 'UNSUPPORTED');
  const unknownHash = [{ type: 'ActiveAuthenticationInfo' as const, oid: '2.23.136.1.1.5', version: 1, signatureAlgorithm: '1.2.3.4' }];
  await assertRejectsCode(() => performActiveAuthentication(new CardSession(fixedTransport(new Uint8Array(64))), ec, { dg14: unknownHash }), 'UNSUPPORTED');
});

test('fuzz: 10,000 mutated DG15 files and AA answers (RSA and ECDSA) — never accepted, never an untyped error', () => {
  const seed = fuzzSeed();
  const random = mulberry32(seed);
  const challenge = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  const pairs = [generateKeyPairSync('rsa', { modulusLength: 1024 }), generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' })];
  const samples = pairs.map((p) => ({
    dg15: encodeDg15(new Uint8Array(p.publicKey.export({ type: 'spki', format: 'der' }))),
    key: readAaPublicKey(encodeDg15(new Uint8Array(p.publicKey.export({ type: 'spki', format: 'der' })))),
    signature: signChallenge(p.privateKey, challenge),
  }));
  const bp = pairs[1]!.publicKey.export({ type: 'spki', format: 'der' });
  const explicit = explicitEcSpki(ecCurveConstants(13)!.constants, new Uint8Array(bp.subarray(bp.length - 65)));
  samples.push({ dg15: encodeDg15(explicit), key: readAaPublicKey(explicit), signature: samples[1]!.signature });
  for (const s of samples) assert.ok(verifyAaSignature(s.key, challenge, s.signature), 'the unmutated signatures verify');
  // Every mutant differs from its original, so a verifying one is always a bug, never the dice.
  const mutate = (bytes: Uint8Array): Uint8Array => mutateBytes(bytes, random);
  let typedErrors = 0;
  for (let i = 0; i < 10_000; i++) {
    const sample = samples[i % samples.length]!;
    try {
      if (i % 4 < 2) {
        readAaPublicKey(mutate(sample.dg15));
      } else {
        assert.not.ok(verifyAaSignature(sample.key, challenge, mutate(sample.signature)), `seed ${seed} input ${i}: a mutated signature verified`);
      }
    } catch (error) {
      if (!(error instanceof XacminhError)) throw new Error(`seed ${seed} input ${i}: ${String(error)}`);
      typedErrors++;
    }
  }
  assert.ok(typedErrors > 0, `seed ${seed}: truncations must be reported as typed errors`);
});

test.run();
