import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKeyPairSync } from 'node:crypto';
import { concat } from '../crypto/bytes.ts';
import { encodeTlv, readTlv } from '../tlv.ts';
import { encodeDg15, parseDg15 } from './dg15.ts';
import { assertThrowsCode, fromHex } from './test-util.ts';

const spkiOf = (key: ReturnType<typeof generateKeyPairSync>['publicKey']) => new Uint8Array(key.export({ type: 'spki', format: 'der' }));

test('DG15 classifies RSA and EC keys and returns the SPKI unchanged', () => {
  const rsa = spkiOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey);
  const ec = spkiOf(generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }).publicKey);
  assert.is(readTlv(encodeDg15(rsa)).tag, 0x6f);
  assert.equal(parseDg15(encodeDg15(rsa)), { publicKeyInfo: rsa, algorithm: 'RSA' });
  assert.equal(parseDg15(encodeDg15(ec)), { publicKeyInfo: ec, algorithm: 'EC' });
});

test('a key node:crypto knows but AA does not use, or one it cannot load, is unknown', () => {
  const ed = spkiOf(generateKeyPairSync('ed25519').publicKey);
  assert.is(parseDg15(encodeDg15(ed)).algorithm, 'unknown');
  // Well-formed DER, unknown algorithm OID: left to the AA check to judge.
  const odd = encodeTlv(0x30, concat(encodeTlv(0x30, fromHex('0603 2A0304')), encodeTlv(0x03, fromHex('00 0102030405060708090A'))));
  assert.is(parseDg15(encodeDg15(odd)).algorithm, 'unknown');
});

test('not a SubjectPublicKeyInfo, wrong tag or trailing bytes: MALFORMED_DATA', () => {
  assertThrowsCode(() => parseDg15(encodeDg15(fromHex('0401 00'))));
  assertThrowsCode(() => parseDg15(encodeDg15(fromHex('3000'))));
  assertThrowsCode(() => parseDg15(encodeTlv(0x6e, fromHex('3000'))));
  assertThrowsCode(() => parseDg15(concat(encodeDg15(fromHex('3000')), Uint8Array.of(0))));
});

test.run();
