// The technician's summary: a mark per status, the hint under what did not pass, in Vietnamese or English.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { summaryText } from './summary.ts';
import type { CheckResult } from './types.ts';

const checks = [
  { id: 'disk.space', title: 'Free disk space', titleVi: 'Dung lượng trống' },
  { id: 'broker.publish', title: 'Broker reachable', titleVi: 'Kết nối máy chủ MQTT' },
  { id: 'indicator.green', title: 'Green LED', titleVi: 'Đèn xanh' },
];
const results: CheckResult[] = [
  { id: 'disk.space', status: 'pass', measured: { freeMiB: 5000 }, limits: {}, durationMs: 1, hint: null, hintVi: null },
  { id: 'broker.publish', status: 'fail', measured: { error: 'BROKER_UNAVAILABLE' }, limits: {}, durationMs: 1, hint: 'check the network', hintVi: 'kiểm tra mạng' },
  { id: 'indicator.green', status: 'skip', measured: {}, limits: {}, durationMs: 0, hint: 'needs a person to look', hintVi: 'cần người quan sát' },
];

test('Vietnamese by default: ✓ / ✗ / – marks, the hint under the failed and skipped lines, the overall verdict', () => {
  const text = summaryText(results, checks, 'fail', 'vi');
  assert.equal(text.split('\n'), [
    '✓ Dung lượng trống [disk.space] (freeMiB=5000)',
    '✗ Kết nối máy chủ MQTT [broker.publish]',
    '    → kiểm tra mạng',
    '– Đèn xanh [indicator.green]',
    '    → cần người quan sát',
    '',
    'Kết quả: KHÔNG ĐẠT: sửa các dòng có dấu ✗ rồi chạy lại',
    '',
  ]);
});

test('English with --lang en, and ! for marginal', () => {
  const text = summaryText([{ ...results[0]!, status: 'marginal', hint: 'only 5000 MiB free', hintVi: 'x' }], checks, 'marginal', 'en');
  assert.match(text, /^! Free disk space \[disk\.space\] \(freeMiB=5000\)\n {4}→ only 5000 MiB free\n/);
  assert.match(text, /Result: PASS WITH WARNINGS/);
});

test.run();
