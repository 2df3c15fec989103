// The one-row reason of `register list`: readable, never a run-on of every reason.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { reasonsCell } from './register-format.ts';

const test = suite('register list reason cell');

test('no reason is a dash; one reason in full without its full stop; more reasons are counted', () => {
  assert.is(reasonsCell([]), '—');
  assert.is(reasonsCell([{ code: 'face-no-match', messageVi: 'Khuôn mặt không khớp với ảnh trong chip.' }]), 'Khuôn mặt không khớp với ảnh trong chip');
  const two = [
    { code: 'chip-not-genuine', messageVi: 'Không chứng minh được thẻ là thẻ thật.' },
    { code: 'face-no-match', messageVi: 'Khuôn mặt không khớp.' },
  ];
  assert.is(reasonsCell(two), 'Không chứng minh được thẻ là thẻ thật (+1 lý do)');
});

test('a long reason is cut at the limit in characters (not bytes) and keeps one line', () => {
  const long = { code: 'x', messageVi: `Đầu đọc\nbáo lỗi ${'ứ'.repeat(100)}` };
  const cell = reasonsCell([long], 20);
  assert.is([...cell].length, 20);
  assert.ok(cell.endsWith('…'));
  assert.ok(cell.startsWith('Đầu đọc báo lỗi ứ'), cell);
});

test.run();
