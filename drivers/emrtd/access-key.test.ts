import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError, type XacminhError } from '../errors.ts';
import { accessKeyFromDocumentFields, accessKeyFromIdNumber, accessKeyFromMrz, accessKeyFromQr, toMrzDate } from './access-key.ts';
import { formatTd1 } from './mrz.ts';
import { SAMPLE_TD1 } from './mrz-fixtures.ts';

function invalid(fn: () => unknown, field: string): void {
  try {
    fn();
  } catch (error) {
    assert.ok(isXacminhError(error, 'INVALID_INPUT'), String(error));
    assert.is((error as XacminhError).evidence.field, field);
    return;
  }
  assert.unreachable('expected INVALID_INPUT');
}

test('the 12-digit ID number gives the CAN: its last 6 digits', () => {
  const key = accessKeyFromIdNumber('079 203 001 234');
  assert.equal(key, { kind: 'CAN', can: '001234', idNumber: '079203001234', source: 'id-number' });
  invalid(() => accessKeyFromIdNumber('07920300123'), 'id');
  invalid(() => accessKeyFromIdNumber('07920300123A'), 'id');
});

test('the CCCD QR code gives the same key as the typed ID number', () => {
  const qr = '079203001234|123456789|Nguyễn Văn An|01021990|Nam|Số 1 Lê Lợi, Bến Nghé, Hồ Chí Minh|15032021';
  const key = accessKeyFromQr(qr);
  assert.is(key.kind, 'CAN');
  assert.is(key.kind === 'CAN' && key.can, accessKeyFromIdNumber('079203001234').kind === 'CAN' && '001234');
  assert.is(key.source, 'qr');
  invalid(() => accessKeyFromQr('https://example.com'), 'qr');
  invalid(() => accessKeyFromQr('12345|a|b|c|d|e|f'), 'qr');
});

test('MRZ text and typed fields lead to the same BAC key', () => {
  const lines = formatTd1(SAMPLE_TD1);
  const fromMrz = accessKeyFromMrz(lines.join('\n'));
  const fromFields = accessKeyFromDocumentFields('203001234', '01/02/1990', '2030-02-01');
  assert.is(fromMrz.kind, 'MRZ');
  assert.equal(fromMrz.kind === 'MRZ' && fromMrz.mrz, fromFields.kind === 'MRZ' && fromFields.mrz);
  assert.is(fromMrz.idNumber, '079203001234');
  // One wrong character breaks a check digit: the operator is told before the chip is even tried.
  const broken = lines.join('\n').replace('203001234', '203001235');
  invalid(() => accessKeyFromMrz(broken), 'mrz');
});

test('dates: accepted forms and impossible dates', () => {
  assert.is(toMrzDate('12/08/1974', 'dob'), '740812');
  assert.is(toMrzDate('1974-08-12', 'dob'), '740812');
  assert.is(toMrzDate('12081974', 'dob'), '740812');
  assert.is(toMrzDate('740812', 'dob'), '740812');
  invalid(() => toMrzDate('31/02/1990', 'dob'), 'dob');
  invalid(() => toMrzDate('tomorrow', 'expiry'), 'expiry');
});

test.run();
