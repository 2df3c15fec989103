// The day list's calendar: a day in the terminal's zone as a UTC range (also across a DST change), today there,
// and the clerk's query turned into the register's (a whole ID number, or words of a name), refused in Vietnamese.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DayQueryError, dayList, dayRange, localDate, type DayRegister } from './operator-day.ts';

test('a day in Vietnam is 17:00 UTC the day before to 17:00 UTC; New York days are 23 and 25 hours at the DST changes', () => {
  assert.equal(dayRange('2026-11-30', 'Asia/Ho_Chi_Minh'), { from: '2026-11-29T17:00:00.000Z', to: '2026-11-30T17:00:00.000Z' });
  assert.equal(dayRange('2026-03-08', 'America/New_York'), { from: '2026-03-08T05:00:00.000Z', to: '2026-03-09T04:00:00.000Z' });
  assert.equal(dayRange('2026-11-01', 'America/New_York'), { from: '2026-11-01T04:00:00.000Z', to: '2026-11-02T05:00:00.000Z' });
  assert.equal(dayRange('2026-02-30', 'Asia/Ho_Chi_Minh'), null);
});

test("today is the terminal's date, not UTC's", () => {
  const at = new Date('2026-11-30T18:00:00Z'); // 01:00 on 1 Dec in Vietnam, 13:00 on 30 Nov in New York
  assert.is(localDate(at, 'Asia/Ho_Chi_Minh'), '2026-12-01');
  assert.is(localDate(at, 'America/New_York'), '2026-11-30');
});

/** Records the queries it gets; answers nothing (the real register's search is tested with the register). */
function recording(): DayRegister & { queries: unknown[] } {
  const queries: unknown[] = [];
  return {
    queries,
    search(query) {
      queries.push(query);
      return { items: [], total: 0 };
    },
    countsByDecision(range) {
      queries.push(range);
      return { verified: 2 };
    },
  };
}

test('the query: today by default, a whole ID number typed with spaces, a name, a page, a decision', () => {
  const register = recording();
  const now = new Date('2026-11-30T18:00:00Z');
  const answer = dayList(register, new URLSearchParams(), 'Asia/Ho_Chi_Minh', now);
  assert.equal([answer.date, answer.counts, answer.page, answer.total], ['2026-12-01', { verified: 2, rejected: 0, error: 0 }, 0, 0]);
  const range = { from: '2026-11-30T17:00:00.000Z', to: '2026-12-01T17:00:00.000Z' };
  assert.equal(register.queries, [{ ...range, kinds: ['verification'], limit: 20, offset: 0, order: 'desc' }, { ...range, kinds: ['verification'] }]);

  register.queries.length = 0;
  dayList(register, new URLSearchParams({ date: '2026-11-29', q: '0790 9000 1234', page: '2', decision: 'rejected' }), 'Asia/Ho_Chi_Minh', now);
  assert.equal(register.queries[0], { from: '2026-11-28T17:00:00.000Z', to: '2026-11-29T17:00:00.000Z', idNumber: '079090001234', decision: 'rejected', kinds: ['verification'], limit: 20, offset: 40, order: 'desc' });
  register.queries.length = 0;
  dayList(register, new URLSearchParams({ q: '  Nguyễn Thử ' }), 'Asia/Ho_Chi_Minh', now);
  assert.is((register.queries[0] as { name: string }).name, 'Nguyễn Thử');
});

test('a part of an ID number, a name with digits, a bad date, page or decision: DayQueryError in Vietnamese', () => {
  const cases: [Record<string, string>, DayQueryError['field'], RegExp][] = [
    [{ q: '1234' }, 'q', /đủ 12 chữ số/],
    [{ q: 'Nguyễn 12' }, 'q', /họ tên/],
    [{ date: '30/11/2026' }, 'date', /Ngày không hợp lệ/],
    [{ date: '2026-02-30' }, 'date', /Ngày không hợp lệ/],
    [{ page: '-1' }, 'page', /trang/],
    [{ decision: 'maybe' }, 'decision', /lọc/],
    [{ q: 'x'.repeat(65) }, 'q', /tối đa 64/],
  ];
  for (const [params, field, vi] of cases) {
    try {
      dayList(recording(), new URLSearchParams(params), 'Asia/Ho_Chi_Minh');
      assert.unreachable(JSON.stringify(params));
    } catch (error) {
      assert.instance(error, DayQueryError, JSON.stringify(params));
      assert.is((error as DayQueryError).field, field, JSON.stringify(params));
      assert.match((error as DayQueryError).messageVi, vi);
    }
  }
});

test.run();
