import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertThrowsCode } from './lds/test-util.ts';
import { formatTd1, formatTd3, mrzCheckDigit, parseMrz, type MrzFields } from './mrz.ts';

// ICAO 9303 Part 5 (TD1), Part 6 (TD2) and Part 4 (TD3) specimens.
const TD1 = ['I<UTOD231458907<<<<<<<<<<<<<<<', '7408122F1204159UTO<<<<<<<<<<<6', 'ERIKSSON<<ANNA<MARIA<<<<<<<<<<'];
const TD2 = ['I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<', 'D231458907UTO7408122F1204159<<<<<<<6'];
const TD3 = ['P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<', 'L898902C36UTO7408122F1204159ZE184226B<<<<<10'];

// The ICAO 9303-5 TD1 specimen's holder, also the base of the TD3 specimen.
const ERIKSSON: MrzFields = {
  documentCode: 'I',
  issuingState: 'UTO',
  documentNumber: 'D23145890',
  dateOfBirth: '740812',
  sex: 'F',
  dateOfExpiry: '120415',
  nationality: 'UTO',
  optionalData1: '',
  optionalData2: '',
  primaryIdentifier: 'ERIKSSON',
  secondaryIdentifier: 'ANNA MARIA',
};

test('check digits of the ICAO specimens (weights 7-3-1, < counts 0, A=10)', () => {
  assert.is(mrzCheckDigit('D23145890'), '7');
  assert.is(mrzCheckDigit('740812'), '2');
  assert.is(mrzCheckDigit('120415'), '9');
  assert.is(mrzCheckDigit('L898902C3'), '6');
  assert.is(mrzCheckDigit('ZE184226B<<<<<'), '1');
  // TD1 composite: line 1 from position 6, line 2 positions 1–7, 9–15 and 19–29.
  assert.is(mrzCheckDigit(`D231458907${'<'.repeat(15)}74081221204159${'<'.repeat(11)}`), '6');
  assert.is(mrzCheckDigit(''), '0');
  assertThrowsCode(() => mrzCheckDigit('ab1'), 'INVALID_INPUT');
});

test('TD1 specimen: every field, every check digit', () => {
  const m = parseMrz(TD1.join('\n'));
  assert.equal(
    {
      format: m.format,
      documentCode: m.documentCode,
      issuingState: m.issuingState,
      documentNumber: m.documentNumber,
      dateOfBirth: m.dateOfBirth,
      sex: m.sex,
      dateOfExpiry: m.dateOfExpiry,
      nationality: m.nationality,
      primaryIdentifier: m.primaryIdentifier,
      secondaryIdentifier: m.secondaryIdentifier,
      optionalData1: m.optionalData1,
      optionalData2: m.optionalData2,
    },
    { format: 'TD1', ...ERIKSSON },
  );
  assert.equal(m.lines, TD1);
  assert.ok(m.checkDigitsValid, m.problems.join());
});

test('TD2 and TD3 specimens', () => {
  const td2 = parseMrz(TD2.join('\n'));
  assert.is(td2.format, 'TD2');
  assert.is(td2.documentNumber, 'D23145890');
  assert.is(td2.dateOfExpiry, '120415');
  assert.ok(td2.checkDigitsValid, td2.problems.join());
  const td3 = parseMrz(TD3.join('\n'));
  assert.is(td3.format, 'TD3');
  assert.is(td3.documentCode, 'P');
  assert.is(td3.documentNumber, 'L898902C3');
  assert.is(td3.nationality, 'UTO');
  assert.is(td3.optionalData1, 'ZE184226B');
  assert.is(td3.secondaryIdentifier, 'ANNA MARIA');
  assert.ok(td3.checkDigitsValid, td3.problems.join());
});

test('accepted with or without line breaks, CRLF, spaces and lower case', () => {
  const expected = parseMrz(TD1.join('\n'));
  for (const text of [TD1.join(''), TD1.join('\r\n'), `  ${TD1.join('\n').toLowerCase()}\n`, TD1.map((l) => l.replace(/</g, '< ')).join('\n')]) {
    const m = parseMrz(text);
    assert.equal(m.lines, expected.lines);
    assert.ok(m.checkDigitsValid);
  }
  assert.is(parseMrz(TD3.join('')).format, 'TD3');
});

test('a wrong check digit is named in the problems', () => {
  const bad = parseMrz([TD3[0], TD3[1]!.replace('7408122', '7408132')].join('\n'));
  assert.not.ok(bad.checkDigitsValid);
  assert.ok(bad.problems.includes('date of birth check digit'));
  assert.ok(bad.problems.includes('composite check digit'));
  const doc = parseMrz([TD1[0]!.replace('D231458907', 'D231458908'), TD1[1], TD1[2]].join(''));
  assert.ok(doc.problems.includes('document number check digit'));
});

test('wrong sizes, foreign characters and mis-split lines are INVALID_INPUT', () => {
  assertThrowsCode(() => parseMrz(TD1.join('').slice(1)), 'INVALID_INPUT');
  assertThrowsCode(() => parseMrz(''), 'INVALID_INPUT');
  assertThrowsCode(() => parseMrz(TD1.join('').replace('ERIKSSON', 'ÉRIKSSON')), 'INVALID_INPUT');
  // 90 characters in all, but one character moved from line 1 to line 2: fields would shift silently.
  assertThrowsCode(() => parseMrz([TD1[0]!.slice(0, 29), TD1[0]!.slice(29) + TD1[1], TD1[2]].join('\n')), 'INVALID_INPUT');
  assertThrowsCode(() => parseMrz([TD1[0] + TD1[1]!, TD1[2]].join('\n')), 'INVALID_INPUT');
});

test('TD1 long document number: < in the check position, the rest in the optional data (9303-5 §4.2.2)', () => {
  const line1 = 'I<UTOD23145890<7349<<<<<<<<<<<';
  const m = parseMrz([line1, TD1[1], TD1[2]].join('\n'));
  assert.is(m.documentNumber, 'D23145890734');
  assert.is(m.optionalData1, '');
  assert.not.ok(m.problems.includes('document number check digit'), m.problems.join());
  // Its check digit may also be the last character of the optional data.
  const fields = { ...ERIKSSON, documentNumber: 'D2314589073412' };
  const lines = formatTd1({ ...fields, optionalData1: '' });
  assert.is(lines[0], `I<UTOD23145890<73412${mrzCheckDigit('D2314589073412')}<<<<<<<<<`);
  const full = formatTd1({ ...fields, documentNumber: 'D23145890ABCDEFGHIJKLM' });
  const back = parseMrz(full.join(''));
  assert.is(back.documentNumber, 'D23145890ABCDEFGHIJKLM');
  assert.ok(back.checkDigitsValid, back.problems.join());
  // A wrong check digit after the continuation is still caught.
  const broken = parseMrz(['I<UTOD23145890<7348<<<<<<<<<<<', TD1[1], TD1[2]].join('\n'));
  assert.ok(broken.problems.includes('document number check digit'));
});

test('formatTd1 and formatTd3 reproduce the ICAO specimens character for character', () => {
  assert.equal(formatTd1(ERIKSSON), TD1);
  assert.equal(formatTd3({ ...ERIKSSON, documentCode: 'P', documentNumber: 'L898902C3', optionalData1: 'ZE184226B' }), TD3);
});

test('a CCCD-shaped TD1: 9-digit document number, the 12-digit ID at the start of the optional data', () => {
  const id = '079203001234';
  const lines = formatTd1({
    ...ERIKSSON,
    documentCode: 'ID',
    issuingState: 'VNM',
    nationality: 'VNM',
    documentNumber: id.slice(3),
    optionalData1: `${id}<<${mrzCheckDigit(id)}`,
    sex: 'M',
    primaryIdentifier: 'NGUYEN',
    secondaryIdentifier: 'VAN AN',
  });
  assert.match(lines[0]!, /^IDVNM\d{9}\d\d{12}<<\d$/);
  const m = parseMrz(lines.join('\n'));
  assert.is(m.documentNumber, '203001234');
  assert.ok(m.optionalData1.startsWith(id));
  assert.is(m.primaryIdentifier, 'NGUYEN');
  assert.is(m.secondaryIdentifier, 'VAN AN');
  assert.ok(m.checkDigitsValid, m.problems.join());
});

test.run();
