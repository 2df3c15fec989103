import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
import { InProcessTransport } from '../../sim/in-process-transport.ts';
import { makeVirtualCccd } from '../../sim/make-card.ts';
import { mulberry32 } from '../../sim/portrait.ts';
import { generateTestPki } from '../../sim/test-pki.ts';
import type { VirtualCardBehaviour } from '../../sim/virtual-cccd.ts';
import { accessKeyFromIdNumber } from '../access-key.ts';
import { readDocument } from '../read-document.ts';
import { signChallenge } from './active-chip.ts';
import { verifyIso9796 } from './active.ts';
import { checkAuthenticity } from './verdict.ts';
import { TrustStore } from './trust-store.ts';

const pki = await generateTestPki();
const trust = new TrustStore();
trust.add(new X509Certificate(pki.cscaCertificate), 'test');

async function readWith(behaviour?: VirtualCardBehaviour) {
  const sim = await makeVirtualCccd({ seed: 21, pki, ...(behaviour ? { behaviour } : {}) });
  const doc = await readDocument(new InProcessTransport(sim.card), accessKeyFromIdNumber(sim.persona.idNumber));
  return { doc, authenticity: checkAuthenticity(doc, trust) };
}

test('a genuine card passes Active Authentication (RSA, ISO/IEC 9796-2) and is judged genuine', async () => {
  const { doc, authenticity } = await readWith();
  assert.equal(doc.activeAuthentication, { ok: true, algorithm: 'RSA-ISO9796-2' });
  assert.is(authenticity.verdict, 'genuine');
  assert.is(authenticity.active.status, 'passed');
});

test('a clone signing with another key: AA fails, not genuine, clone suspected', async () => {
  const { doc, authenticity } = await readWith({ activeAuthentication: 'wrong-key' });
  assert.is(doc.activeAuthentication!.ok, false);
  assert.is(authenticity.verdict, 'not-genuine');
  assert.match(authenticity.reasons.join(' '), /clone suspected/);
});

test('a chip with DG15 that refuses INTERNAL AUTHENTICATE: not genuine', async () => {
  const { authenticity } = await readWith({ activeAuthentication: 'absent' });
  assert.is(authenticity.verdict, 'not-genuine');
  assert.match(authenticity.reasons.join(' '), /refused INTERNAL AUTHENTICATE/);
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

test('10,000 random and mutated AA answers: false, never an exception', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const challenge = new Uint8Array(8);
  const good = signChallenge(privateKey, challenge);
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
  const random = mulberry32(seed);
  for (let i = 0; i < 10_000; i++) {
    const input = random() < 0.5 ? Uint8Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)) : good.slice();
    if (input.length > 0) input[Math.floor(random() * input.length)]! ^= 1 << Math.floor(random() * 8);
    assert.not.ok(verifyIso9796(publicKey, challenge, input), `seed ${seed}`);
  }
});

test.run();
