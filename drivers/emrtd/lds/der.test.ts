import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readTlv } from '../tlv.ts';
import { byteText, derInteger, derOid, derString, encodeDerInteger } from './der.ts';
import { assertThrowsCode, fromHex, toHex } from './test-util.ts';

test('INTEGER: two’s complement both ways, minimal encoding', () => {
  const cases: [number, string][] = [
    [0, '020100'],
    [1, '020101'],
    [127, '02017F'],
    [128, '02020080'],
    [256, '02020100'],
    [-1, '0201FF'],
    [-128, '020180'],
    [-129, '0202FF7F'],
    [2 ** 40, '0206010000000000'],
  ];
  for (const [n, hex] of cases) {
    assert.is(toHex(encodeDerInteger(n)), hex, String(n));
    assert.is(derInteger(readTlv(fromHex(hex)), 'x'), n);
  }
  assertThrowsCode(() => derInteger(readTlv(fromHex('0200')), 'x'));
  assertThrowsCode(() => derInteger(readTlv(fromHex('0207 01000000000000')), 'x'));
  assertThrowsCode(() => derInteger(readTlv(fromHex('0401 01')), 'x'));
  assertThrowsCode(() => derInteger(undefined, 'x'));
  assertThrowsCode(() => encodeDerInteger(0.5), 'INVALID_INPUT');
});

test('OBJECT IDENTIFIER: first-arc packing and multi-byte arcs', () => {
  assert.is(derOid(readTlv(fromHex('0608 04007F0007020202')), 'x'), '0.4.0.127.0.7.2.2.2');
  assert.is(derOid(readTlv(fromHex('0609 2A864886F70D010907')), 'x'), '1.2.840.113549.1.9.7');
  assert.is(derOid(readTlv(fromHex('0603 883703')), 'x'), '2.999.3');
  assertThrowsCode(() => derOid(readTlv(fromHex('0600')), 'x'));
  assertThrowsCode(() => derOid(readTlv(fromHex('0602 2A86')), 'x')); // last byte still has its continuation bit
  assertThrowsCode(() => derOid(readTlv(fromHex('060B 2AFFFFFFFFFFFFFFFFFF01')), 'x'));
});

test('strings: UTF8String, PrintableString and IA5String; invalid UTF-8 refused', () => {
  assert.is(derString(readTlv(fromHex('0C0A 4E677579E1BB856E2041')), 'x'), 'Nguyễn A');
  assert.is(derString(readTlv(fromHex('1303 414243')), 'x'), 'ABC');
  assert.is(derString(readTlv(fromHex('1601 41')), 'x'), 'A');
  assertThrowsCode(() => derString(readTlv(fromHex('0C02 C328')), 'x'));
  assertThrowsCode(() => derString(readTlv(fromHex('0401 41')), 'x'));
});

test('byteText maps each byte to one character, even for very long values', () => {
  assert.is(byteText(fromHex('4142E9')), 'ABé');
  assert.is(byteText(new Uint8Array(300_000).fill(0x3c)).length, 300_000);
});

test.run();
