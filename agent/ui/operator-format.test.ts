// The operator page's texts for a result, as plain functions: masking, the card's date, the copied identity.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chipText, dateText, faceLines, identityText, maskIdNumber, operatorStatus, terminalTime } from './public/operator-format.js';
import { sampleRecord } from './fake-session.ts';
import { operatorRecord } from './operator-view.ts';

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

test("the status line: who and why for a result, the chip read's progress, else the session's words", () => {
  const record = sampleRecord('rejected', { fullName: 'Trần Thị Thử', reasons: [{ code: 'face-no-match', messageVi: 'Khuôn mặt không khớp với ảnh trong chip' }, { code: 'x', messageVi: 'Hai' }] });
  const update = { state: 'result', messageVi: 'Đã có kết quả', record: { id: record.id, decision: record.decision, reasons: record.reasons } };
  assert.is(operatorStatus(update, [operatorRecord(record)]), 'Không xác minh được — Trần Thị Thử (••••••••1234): Khuôn mặt không khớp với ảnh trong chip');
  assert.is(operatorStatus(update, []), 'Không xác minh được: Khuôn mặt không khớp với ảnh trong chip', 'before its row arrives');
  const verified = sampleRecord('verified', { fullName: 'Lê Văn Mẫu' });
  assert.is(operatorStatus({ state: 'result', messageVi: 'Đã có kết quả', record: verified }, [operatorRecord(verified)]), 'Đã xác minh — Lê Văn Mẫu (••••••••1234)');
  assert.is(operatorStatus({ state: 'reading-chip', messageVi: 'Đang đọc chip', progress: 0.42 }, []), 'Đang đọc chip (42%)');
  assert.is(operatorStatus({ state: 'idle', messageVi: 'Đặt thẻ CCCD gắn chip lên đầu đọc' }, []), 'Đặt thẻ CCCD gắn chip lên đầu đọc');
});

test("terminalTime: the zone's wall clock, whatever the process's", () => {
  assert.is(terminalTime('2026-11-30T17:30:00.000Z', 'Asia/Ho_Chi_Minh'), '00:30:00 1/12/26');
  assert.is(terminalTime('2026-11-30T17:30:00.000Z', 'America/New_York'), '12:30:00 30/11/26');
});

test.run();
