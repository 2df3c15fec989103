import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeTlv } from '../tlv.ts';
import { encodeCom, parseCom } from './com.ts';
import { assertThrowsCode, fromHex, toHex } from './test-util.ts';

// LDS 1.7, Unicode 4.0.0, DG1 DG2 DG3 DG4 — laid out by hand from ICAO 9303-10 §4.6.1.
const HAND_BUILT = '60 16 5F01 04 30313037 5F36 06 303430303030 5C 04 61756376';

test('EF.COM: versions and the data-group list', () => {
  assert.equal(parseCom(fromHex(HAND_BUILT)), { ldsVersion: '0107', unicodeVersion: '040000', dataGroups: [1, 2, 3, 4] });
  assert.is(toHex(encodeCom([1, 2, 3, 4])), HAND_BUILT.replace(/\s/g, ''));
});

test('a CCCD EF.COM round-trips', () => {
  const dgs = [1, 2, 3, 13, 14, 15];
  const com = parseCom(encodeCom(dgs, { lds: '0108', unicode: '040000' }));
  assert.equal(com.dataGroups, dgs);
  assert.is(com.ldsVersion, '0108');
});

test('versions are optional, the tag list is not', () => {
  assert.equal(parseCom(encodeTlv(0x60, encodeTlv(0x5c, Uint8Array.of(0x61, 0x6f)))), { dataGroups: [1, 15] });
  assertThrowsCode(() => parseCom(encodeTlv(0x60, encodeTlv(0x5f01, fromHex('30313037')))));
});

test('unknown data-group tags, wrong outer tag and trailing bytes are MALFORMED_DATA', () => {
  assertThrowsCode(() => parseCom(encodeTlv(0x60, encodeTlv(0x5c, Uint8Array.of(0x61, 0x99)))));
  assertThrowsCode(() => parseCom(encodeTlv(0x60, encodeTlv(0x5c, Uint8Array.of(0x77))))); // EF.SOD is no data group
  assertThrowsCode(() => parseCom(fromHex(HAND_BUILT.replace('60 16', '61 16'))));
  assertThrowsCode(() => parseCom(fromHex(`${HAND_BUILT} 00`)));
  assertThrowsCode(() => encodeCom([17]), 'INVALID_INPUT');
});

test.run();
