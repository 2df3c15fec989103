/**
 * The page asks for days as the terminal's clock shows them ("2026-11-22" in Asia/Ho_Chi_Minh); the register
 * stores UTC instants. A day range [fromDay, toDay] (both included) becomes the ISO range [start of fromDay,
 * start of the day after toDay) in the terminal's time zone.
 */
import { XacminhError } from '../../drivers/errors.ts';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The UTC instant (ms) when `day` begins in `timeZone`. */
export function startOfDay(day: string, timeZone: string): number {
  const match = DAY.exec(day);
  const [y, m, d] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [NaN, NaN, NaN];
  const guess = Date.UTC(y, m - 1, d);
  if (!match || Number.isNaN(guess) || new Date(guess).getUTCDate() !== d) {
    throw new XacminhError('INVALID_INPUT', `Ngày "${day}" không hợp lệ, cần dạng NNNN-TT-NN. Not a date (YYYY-MM-DD): "${day}"`, { day });
  }
  // Two passes: the offset at the guess, then at the corrected instant (a zone whose offset changes that day).
  let at = guess - offsetMs(guess, timeZone);
  at = guess - offsetMs(at, timeZone);
  return at;
}

/** How far `timeZone`'s wall clock is ahead of UTC at instant `at`. */
function offsetMs(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(at / 1000) * 1000;
}

export interface DayRange {
  fromDay: string | null;
  toDay: string | null;
  /** ISO instants, [from, to). */
  from?: string;
  to?: string;
}

export function dayRange(fromDay: string | null, toDay: string | null, timeZone: string): DayRange {
  const range: DayRange = { fromDay: fromDay || null, toDay: toDay || null };
  if (range.fromDay) range.from = new Date(startOfDay(range.fromDay, timeZone)).toISOString();
  if (range.toDay) {
    startOfDay(range.toDay, timeZone); // the day itself must be valid, not only its successor
    const [y, m, d] = range.toDay.split('-').map(Number) as [number, number, number];
    const next = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
    range.to = new Date(startOfDay(next, timeZone)).toISOString();
  }
  if (range.from && range.to && range.from >= range.to) {
    throw new XacminhError('INVALID_INPUT', `"Từ ngày" (${range.fromDay}) phải trước hoặc bằng "đến ngày" (${range.toDay}). The first day is after the last`, { fromDay, toDay });
  }
  return range;
}
