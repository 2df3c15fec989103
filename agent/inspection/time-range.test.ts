import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { dayRange, startOfDay } from './time-range.ts';

const test = suite('inspection day ranges');

test('days are the terminal clock\'s days: Vietnam (UTC+7), Tokyo, and a zone with daylight saving time', () => {
  assert.is(new Date(startOfDay('2026-11-22', 'Asia/Ho_Chi_Minh')).toISOString(), '2026-11-21T17:00:00.000Z');
  assert.is(new Date(startOfDay('2026-11-22', 'Asia/Tokyo')).toISOString(), '2026-11-21T15:00:00.000Z');
  assert.is(new Date(startOfDay('2026-03-29', 'Europe/Berlin')).toISOString(), '2026-03-28T23:00:00.000Z');
  assert.is(new Date(startOfDay('2026-03-30', 'Europe/Berlin')).toISOString(), '2026-03-29T22:00:00.000Z', 'after the change to summer time');
});

test('a range includes its last day, across a month end', () => {
  assert.equal(dayRange('2026-11-30', '2026-11-30', 'Asia/Ho_Chi_Minh'), { fromDay: '2026-11-30', toDay: '2026-11-30', from: '2026-11-29T17:00:00.000Z', to: '2026-11-30T17:00:00.000Z' });
  assert.is(dayRange(null, '2026-12-31', 'Asia/Ho_Chi_Minh').to, '2026-12-31T17:00:00.000Z');
  assert.equal(dayRange('', '', 'Asia/Ho_Chi_Minh'), { fromDay: null, toDay: null });
});

test('impossible days and reversed ranges are refused in Vietnamese', () => {
  for (const [from, to, text] of [
    ['2026-02-30', null, 'Ngày "2026-02-30" không hợp lệ'],
    ['22/11/2026', null, 'Ngày "22/11/2026" không hợp lệ'],
    ['2026-11-23', '2026-11-22', 'phải trước hoặc bằng'],
  ] as const) {
    assert.throws(() => dayRange(from, to, 'Asia/Ho_Chi_Minh'), (e: unknown) => isXacminhError(e, 'INVALID_INPUT') && (e as Error).message.includes(text), `${from}..${to}`);
  }
});

test.run();
