/**
 * The day's verifications for the operator page (GET /operator/day): one page of the register's list for a day
 * in the terminal's time zone, optionally searched by name or ID number, with the day's count by decision.
 * The register does the searching (a blind index, FORMAT.md "Sealing"): this module turns the clerk's query
 * into a RegisterQuery and the answer into what the page shows (the ID number masked).
 */
import { z } from 'zod';
import { maskIdNumber } from './public/operator-format.js';
import { dayRange, localDate } from '../calendar.ts';
import type { Register } from '../register/register.ts';
import type { EntryListItem } from '../register/register-search.ts';

export { dayRange, localDate };

/** The part of the register the day list reads. */
export type DayRegister = Pick<Register, 'search' | 'countsByDecision'>;
export type DayRegisterItem = EntryListItem;

export interface DayItem {
  seq: number;
  id: string;
  recordedAt: string;
  decision: string;
  fullName: string | null;
  idNumberMasked: string | null;
  purged: boolean;
}

export interface DayAnswer {
  date: string;
  timeZone: string;
  q: string;
  decision: string | null;
  page: number;
  pageSize: number;
  total: number;
  counts: { verified: number; rejected: number; error: number };
  items: DayItem[];
}

export const DAY_PAGE_SIZE = 20;

/** A query the clerk can get wrong: the Vietnamese text says what to change (`code` picks it in the page). */
export class DayQueryError extends Error {
  constructor(
    readonly field: 'date' | 'q' | 'page' | 'decision',
    message: string,
    readonly messageVi: string,
  ) {
    super(message);
  }
}

const DAY_QUERY = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  q: z.string().max(64).optional(),
  page: z.string().regex(/^\d{1,4}$/).optional(),
  decision: z.enum(['verified', 'rejected', 'error']).optional(),
});

export function dayList(register: DayRegister, params: URLSearchParams, timeZone: string, now: Date = new Date()): DayAnswer {
  const parsed = DAY_QUERY.safeParse(Object.fromEntries(params));
  if (!parsed.success) {
    const field = String(parsed.error.issues[0]?.path[0] ?? 'q') as DayQueryError['field'];
    throw new DayQueryError(field, `Invalid ${field}: ${parsed.error.issues[0]?.message}`, DAY_QUERY_TEXT[field] ?? DAY_QUERY_TEXT.q);
  }
  const date = parsed.data.date ?? localDate(now, timeZone);
  const range = dayRange(date, timeZone);
  if (!range) throw new DayQueryError('date', `No such day: ${date}`, DAY_QUERY_TEXT.date);
  const q = (parsed.data.q ?? '').trim();
  const page = Number(parsed.data.page ?? 0);
  const kinds = ['verification'];
  const found = register.search({ ...range, ...searchTerms(q), ...(parsed.data.decision ? { decision: parsed.data.decision } : {}), kinds, limit: DAY_PAGE_SIZE, offset: page * DAY_PAGE_SIZE, order: 'desc' });
  const counts = register.countsByDecision({ ...range, kinds });
  return {
    date,
    timeZone,
    q,
    decision: parsed.data.decision ?? null,
    page,
    pageSize: DAY_PAGE_SIZE,
    total: found.total,
    counts: { verified: counts.verified ?? 0, rejected: counts.rejected ?? 0, error: counts.error ?? 0 },
    items: found.items.map((item) => ({
      seq: item.seq,
      id: item.id,
      recordedAt: item.recordedAt,
      decision: item.decision,
      fullName: item.fullName,
      idNumberMasked: item.idNumber ? maskIdNumber(item.idNumber) : null,
      purged: item.purged,
    })),
  };
}

const DAY_QUERY_TEXT: Record<DayQueryError['field'], string> = {
  date: 'Ngày không hợp lệ — chọn ngày theo dạng năm-tháng-ngày',
  q: 'Tìm theo họ tên (tối đa 64 ký tự) hoặc đủ 12 chữ số định danh',
  page: 'Số trang không hợp lệ',
  decision: 'Kết quả lọc phải là: đã xác minh, không xác minh được, hoặc lỗi',
};

/** Digits are an ID number, whole (the index holds whole numbers only); anything else is words of a name. */
function searchTerms(q: string): { idNumber?: string; name?: string } {
  if (q === '') return {};
  const digits = q.replace(/[\s.-]/g, '');
  if (/^\d+$/.test(digits)) {
    if (digits.length !== 12) throw new DayQueryError('q', `An ID number has 12 digits, got ${digits.length}`, 'Số định danh phải gồm đủ 12 chữ số (tìm theo một phần số không được)');
    return { idNumber: digits };
  }
  if (/\d/.test(q)) throw new DayQueryError('q', 'Search by a name or by a whole ID number, not both', DAY_QUERY_TEXT.q);
  return { name: q };
}
