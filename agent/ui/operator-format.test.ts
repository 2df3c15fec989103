// The operator page's texts for a result, as plain functions: masking, the card's date, the copied identity.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chipText, dateText, faceLines, identityText, maskIdNumber } from './public/operator-format.js';

test('maskIdNumber keeps the last 4 digits only', () => {
  assert.is(maskIdNumber('079090001234'), '••••••••1234');
  assert.is(maskIdNumber('1234'), '1234');
});

test('dateText: the card\'s dd/mm/yyyy as read, an ISO date turned round', () => {
  assert.is(dateText('17/05/1990'), '17/05/1990');
  assert.is(dateText('1990-05-17'), '17/05/1990');
});

test('identityText: one labelled line per field, full values', () => {
  const text = identityText({ fullName: 'Lê Văn Cường', idNumber: '001200004567', dateOfBirth: '02/01/2000', placeOfResidence: 'Hà Nội' });
  assert.is(text, 'Họ và tên: Lê Văn Cường\nSố định danh: 001200004567\nNgày sinh: 02/01/2000\nNơi thường trú: Hà Nội');
});

test('chip and face summaries say when a step did not run', () => {
  assert.is(chipText(null), 'Chưa kiểm tra chip');
  assert.is(chipText({ verdict: 'not-genuine', passive: 'passed', active: 'failed', chip: 'not-checked' }), 'Chip không thật');
  assert.equal(faceLines(null), ['Không kiểm tra khuôn mặt']);
  assert.equal(faceLines({ decision: 'no-face', similarity: null, threshold: 0.55, liveness: null, qualityScore: null }), ['Không thấy khuôn mặt']);
});

test.run();
