import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concat } from '../crypto/bytes.ts';
import { encodeTlv, readTlv, readTlvList } from '../tlv.ts';
import { encodeDg13, parseDg13, type CccdPersonalData } from './dg13.ts';
import { assertThrowsCode, fromHex, toHex } from './test-util.ts';

const utf8 = (s: string) => encodeTlv(0x0c, new TextEncoder().encode(s));
const printable = (s: string) => encodeTlv(0x13, new TextEncoder().encode(s));
const field = (key: number, ...values: Uint8Array[]) => encodeTlv(0x30, concat(encodeTlv(0x02, Uint8Array.of(key)), ...values));
/** 6D { 30 { 02 01 01, 06 06 28D316010008, 31 { fields } } } as the CCCD carries it. */
const dg13Of = (...fields: Uint8Array[]) =>
  encodeTlv(0x6d, encodeTlv(0x30, concat(fromHex('020101 0606 28D316010008'), encodeTlv(0x31, concat(...fields)))));

const PERSON: Omit<CccdPersonalData, 'raw'> = {
  idNumber: '001090000001',
  fullName: 'Nguyễn Thị Ánh Tuyết',
  dateOfBirth: '01/02/1990',
  sex: 'Nữ',
  nationality: 'Việt Nam',
  ethnicity: 'Kinh',
  religion: 'Không',
  placeOfOrigin: 'Xã Đông Hưng, Huyện Tiên Lữ, Hưng Yên',
  placeOfResidence: '12 Phố Huế, Phường Hàng Bài, Hoàn Kiếm, Hà Nội',
  identifyingFeatures: 'Nốt ruồi C:1cm trên sau mép phải',
  dateOfIssue: '10/10/2021',
  dateOfExpiry: 'Không thời hạn',
  fatherName: 'Nguyễn Văn Bình',
  motherName: 'Lê Thị Cúc',
  oldIdNumber: '013456789',
};

test('encodeDg13 writes the CCCD layout: version 1, the OID, a SET of keyed fields', () => {
  const bytes = encodeDg13(PERSON);
  const outer = readTlv(bytes);
  assert.is(outer.tag, 0x6d);
  const [version, oid, set] = readTlvList(readTlv(outer.value).value);
  assert.is(toHex(version!.raw), '020101');
  assert.is(toHex(oid!.raw), '060628D316010008');
  const keys = readTlvList(set!.value).map((f) => readTlvList(f.value)[0]!.value[0]);
  assert.equal(keys, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
});

test('round trip with Vietnamese text, a text expiry and an absent spouse', () => {
  const parsed = parseDg13(encodeDg13(PERSON));
  const { raw, ...fields } = parsed;
  assert.equal(fields, PERSON);
  assert.is(parsed.spouseName, undefined);
  // The spouse is there as an empty SEQUENCE, kept raw like every field.
  assert.is(toHex(raw.get(14)!), '3000');
  assert.equal(new TextDecoder().decode(readTlv(raw.get(2)!).value), PERSON.fullName);
  assert.is(raw.size, 15);
});

test('found by key, not position: out of order, missing fields, PrintableString, unknown keys kept raw', () => {
  const parsed = parseDg13(dg13Of(field(16, utf8('xyz')), field(3, printable('01/02/1990')), field(1, utf8('001090000001')), field(42, fromHex('0401FF'))));
  assert.is(parsed.dateOfBirth, '01/02/1990');
  assert.is(parsed.idNumber, '001090000001');
  assert.is(parsed.fullName, undefined);
  assert.is(toHex(parsed.raw.get(16)!), '0C0378797A');
  assert.is(toHex(parsed.raw.get(42)!), '0401FF');
  assert.equal([...parsed.raw.keys()], [16, 3, 1, 42]);
});

test('parents as a SEQUENCE of two strings, or as two strings after the key; a spouse as a string', () => {
  const inSequence = parseDg13(dg13Of(field(13, encodeTlv(0x30, concat(utf8('Trần Văn A'), utf8('Phạm Thị B'))))));
  assert.equal([inSequence.fatherName, inSequence.motherName], ['Trần Văn A', 'Phạm Thị B']);
  const bare = parseDg13(dg13Of(field(13, utf8('Trần Văn A'), printable('PHAM THI B'))));
  assert.equal([bare.fatherName, bare.motherName], ['Trần Văn A', 'PHAM THI B']);
  const motherOnly = parseDg13(dg13Of(field(13, encodeTlv(0x30, concat(utf8(''), utf8('Phạm Thị B'))))));
  assert.equal([motherOnly.fatherName, motherOnly.motherName], [undefined, 'Phạm Thị B']);
  const spouse = parseDg13(dg13Of(field(14, utf8('Lê Văn C')), field(14 + 1, fromHex('0500'))));
  assert.is(spouse.spouseName, 'Lê Văn C');
  assert.is(spouse.oldIdNumber, undefined);
  const spouseSequence = parseDg13(dg13Of(field(14, encodeTlv(0x30, utf8('Lê Văn C')))));
  assert.is(spouseSequence.spouseName, 'Lê Văn C');
});

test('an empty SET is an empty record, not an error', () => {
  const parsed = parseDg13(dg13Of());
  assert.is(parsed.raw.size, 0);
  assert.is(parsed.idNumber, undefined);
});

test('structural faults are MALFORMED_DATA', () => {
  assertThrowsCode(() => parseDg13(dg13Of(encodeTlv(0x30, utf8('no key')))));
  assertThrowsCode(() => parseDg13(dg13Of(encodeTlv(0x30, new Uint8Array(0)))));
  assertThrowsCode(() => parseDg13(dg13Of(field(2, fromHex('0C02 C328'))))); // not UTF-8
  assertThrowsCode(() => parseDg13(dg13Of(field(2, fromHex('0401 41'))))); // a name that is no string
  assertThrowsCode(() => parseDg13(encodeTlv(0x6d, encodeTlv(0x30, fromHex('020101'))))); // no SET
  assertThrowsCode(() => parseDg13(encodeTlv(0x6e, encodeTlv(0x30, new Uint8Array(0)))));
  assertThrowsCode(() => parseDg13(concat(dg13Of(), Uint8Array.of(0))));
});

test.run();
