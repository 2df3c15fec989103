import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeTlv } from '../tlv.ts';
import { mrzCheckDigit } from '../mrz.ts';
import { encodeDg1, parseDg1 } from './dg1.ts';
import { assertThrowsCode, toHex } from './test-util.ts';

const CCCD = ['IDVNM2030012345079203001234<<1', '9002011M3002013VNM<<<<<<<<<<<0', 'NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<'];
const TD3 = ['P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<', 'L898902C36UTO7408122F1204159ZE184226B<<<<<10'];

test('DG1 layout: 61 { 5F1F <MRZ as one string> }', () => {
  const bytes = encodeDg1(CCCD);
  assert.is(toHex(bytes.subarray(0, 5)), '615D5F1F5A');
  assert.is(bytes.length, 95);
});

test('a CCCD DG1 gives the MRZ and the 12-digit ID number', () => {
  assert.is(mrzCheckDigit('203001234'), '5');
  const dg1 = parseDg1(encodeDg1(CCCD));
  assert.is(dg1.cccdIdNumber, '079203001234');
  assert.is(dg1.mrz.documentNumber, '203001234');
  assert.is(dg1.mrz.issuingState, 'VNM');
  assert.is(dg1.mrz.dateOfBirth, '900201');
  assert.is(dg1.mrz.primaryIdentifier, 'NGUYEN');
  assert.is(dg1.mrz.format, 'TD1');
});

test('a passport DG1 has no CCCD ID number', () => {
  const dg1 = parseDg1(encodeDg1(TD3));
  assert.is(dg1.mrz.format, 'TD3');
  assert.ok(dg1.mrz.checkDigitsValid);
  assert.is(dg1.cccdIdNumber, undefined);
  assert.not.ok('cccdIdNumber' in dg1);
});

test('a broken MRZ inside DG1 is card data, so MALFORMED_DATA (not operator INVALID_INPUT)', () => {
  assertThrowsCode(() => parseDg1(encodeDg1([CCCD[0]!, CCCD[1]!])));
  assertThrowsCode(() => parseDg1(encodeDg1([CCCD[0]!.toLowerCase().replace('idvnm', 'IDVNé'), CCCD[1]!, CCCD[2]!])));
  assertThrowsCode(() => parseDg1(encodeTlv(0x61, encodeTlv(0x5f02, new TextEncoder().encode(CCCD.join(''))))));
  // A huge, well-formed value must not overflow the stack on its way to text.
  assertThrowsCode(() => parseDg1(encodeTlv(0x61, encodeTlv(0x5f1f, new Uint8Array(300_000).fill(0x3c)))));
});

test('wrong check digits still parse, and are reported', () => {
  const dg1 = parseDg1(encodeDg1([CCCD[0]!.replace('2030012345', '2030012346'), CCCD[1]!, CCCD[2]!]));
  assert.not.ok(dg1.mrz.checkDigitsValid);
  assert.ok(dg1.mrz.problems.includes('document number check digit'));
});

test.run();
