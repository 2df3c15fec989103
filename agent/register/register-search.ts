/**
 * Searching the register (the inspection page): by time range, decision and kind on the entries' own
 * columns, by ID number and name through the blind index (entry_terms: HMACs under the search key, so the
 * index holds no personal data in clear and a purge removes an entry from it). Names match without
 * diacritics ("nguyen van thu" finds "Nguyễn Văn Thử"); every word searched must be in the name.
 */
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { XacminhError } from '../../drivers/errors.ts';
import { openEntry, recordOf, viewOf, type EntryRow } from './register-rows.ts';
import { docNumber, identityTerms, idDigits, nameWords, term } from './seal.ts';

export interface RegisterQuery {
  /** ISO times, [from, to). */
  from?: string;
  to?: string;
  idNumber?: string;
  name?: string;
  decision?: string;
  kinds?: string[];
  /** ≤ 500, default 50. */
  limit?: number;
  offset?: number;
  /** By seq; default desc (newest first). */
  order?: 'asc' | 'desc';
}

export interface EntryListItem {
  seq: number;
  id: string;
  kind: string;
  recordedAt: string;
  decision: string;
  fullName: string | null;
  idNumber: string | null;
  purged: boolean;
}

const iso = z.iso.datetime({ offset: true });
const querySchema = z.strictObject({
  from: iso.optional(),
  to: iso.optional(),
  idNumber: z.string().max(64).optional(),
  name: z.string().max(200).optional(),
  decision: z.string().max(64).optional(),
  kinds: z.array(z.string().max(64)).max(16).optional(),
  limit: z.number().int().min(1).max(500).optional(),
  offset: z.number().int().min(0).optional(),
  order: z.enum(['asc', 'desc']).optional(),
});

function parseQuery(query: RegisterQuery): RegisterQuery {
  const parsed = querySchema.safeParse(query);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.');
  throw new XacminhError('INVALID_INPUT', `Điều kiện tìm kiếm không hợp lệ (${field}): ${issue.message}. Invalid register search: ${field} ${issue.message}`, { field });
}

/** ISO times compare as text only in one form: normalise to the stored toISOString() form (UTC, milliseconds). */
const normaliseTime = (value: string | undefined): string | undefined => (value === undefined ? undefined : new Date(value).toISOString());

interface Where {
  sql: string;
  params: unknown[];
}

/** The WHERE clause shared by search() and countsByDecision(); the blind terms need the search key. */
function whereOf(query: RegisterQuery, searchKey: Uint8Array | undefined): Where {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const from = normaliseTime(query.from);
  const to = normaliseTime(query.to);
  const add = (clause: string, ...values: unknown[]): void => {
    clauses.push(clause);
    params.push(...values);
  };
  if (from) add('e.recorded_at >= ?', from);
  if (to) add('e.recorded_at < ?', to);
  // With a time range, the unary + keeps SQLite off the (kind, seq) and (decision, seq) indexes, which would
  // check the time of every entry of that kind (a million rows); the recorded_at index narrows to the range first.
  const unlessTimed = from || to ? '+' : '';
  if (query.decision) add(`${unlessTimed}e.decision = ?`, query.decision);
  if (query.kinds && query.kinds.length > 0) add(`${unlessTimed}e.kind IN (${query.kinds.map(() => '?').join(', ')})`, ...query.kinds);
  const wantsTerms = Boolean(query.idNumber?.trim() || query.name?.trim());
  if (wantsTerms && !searchKey) {
    throw new XacminhError('CONFIG_INVALID', 'Không tìm được theo số định danh hoặc họ tên: thiếu khóa dữ liệu sổ đăng ký. Cannot search by ID number or name without the register data key', { field: 'dataKey' });
  }
  if (query.idNumber?.trim() && searchKey) {
    // The same number may have been read as the citizen ID (digits) or as the document number.
    const candidates = [term(searchKey, 'id', idDigits(query.idNumber)), term(searchKey, 'doc', docNumber(query.idNumber))];
    add('e.seq IN (SELECT seq FROM entry_terms WHERE term IN (?, ?))', ...candidates);
  }
  const words = query.name ? nameWords(query.name) : [];
  if (words.length > 0 && searchKey) {
    add(`e.seq IN (SELECT seq FROM entry_terms WHERE term IN (${words.map(() => '?').join(', ')}) GROUP BY seq HAVING COUNT(*) = ?)`, ...words.map((word) => term(searchKey, 'name', word)), words.length);
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export function searchEntries(db: Database.Database, select: string, keys: { dataKey?: Uint8Array; searchKey?: Uint8Array }, input: RegisterQuery): { items: EntryListItem[]; total: number } {
  const query = parseQuery(input);
  const where = whereOf(query, keys.searchKey);
  const order = query.order === 'asc' ? 'ASC' : 'DESC';
  const rows = db.prepare<unknown[], EntryRow>(`${select} ${where.sql} ORDER BY e.seq ${order} LIMIT ? OFFSET ?`).all(...where.params, query.limit ?? 50, query.offset ?? 0);
  const total = db.prepare<unknown[], { n: number }>(`SELECT COUNT(*) AS n FROM entries e ${where.sql}`).get(...where.params)!.n;
  return { items: rows.map((row) => listItem(row, keys.dataKey)), total };
}

export function countEntriesByDecision(db: Database.Database, range: { from?: string; to?: string; kinds?: string[] }): Record<string, number> {
  const query = parseQuery({ ...(range.from ? { from: range.from } : {}), ...(range.to ? { to: range.to } : {}), ...(range.kinds ? { kinds: range.kinds } : {}) });
  const where = whereOf(query, undefined);
  const counts: Record<string, number> = {};
  for (const row of db.prepare<unknown[], { decision: string; n: number }>(`SELECT e.decision AS decision, COUNT(*) AS n FROM entries e ${where.sql} GROUP BY e.decision`).all(...where.params)) {
    counts[row.decision] = row.n;
  }
  return counts;
}

function listItem(row: EntryRow, dataKey: Uint8Array | undefined): EntryListItem {
  const view = viewOf(row);
  let fullName: string | null = null;
  let idNumber: string | null = null;
  if (row.kind === 'verification') {
    const identity = recordOf(openEntry(row, dataKey)).identity as { fullName?: unknown; idNumber?: unknown } | null | undefined;
    fullName = typeof identity?.fullName === 'string' ? identity.fullName : null;
    idNumber = typeof identity?.idNumber === 'string' ? identity.idNumber : null;
  }
  return { seq: row.seq, id: row.id, kind: row.kind, recordedAt: row.recorded_at, decision: row.decision, fullName, idNumber, purged: view.purged };
}

/** Marks in entry_terms how far format-1 rows were indexed (its seq); no HMAC term is 16 zero bytes in practice. */
const LEGACY_MARK = Buffer.alloc(16);

/**
 * Entries from before format 2 hold their identity in clear and had no terms: index them once, when the
 * register is first opened with its data key, so a search finds them like the others. Returns how many.
 */
export function indexLegacyEntries(db: Database.Database, searchKey: Uint8Array): number {
  const done = db.prepare<[Buffer], { seq: number | null }>('SELECT MAX(seq) AS seq FROM entry_terms WHERE term = ?').get(LEGACY_MARK)!.seq ?? 0;
  const last = db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM entries WHERE format = 1').get()!.seq ?? 0;
  if (last <= done) return 0;
  const rows = db.prepare<[number], { seq: number; record_json: string }>("SELECT seq, record_json FROM entries WHERE format = 1 AND kind = 'verification' AND seq > ? ORDER BY seq");
  const insert = db.prepare('INSERT OR IGNORE INTO entry_terms (term, seq) VALUES (?, ?)');
  let indexed = 0;
  db.transaction(() => {
    for (const row of rows.all(done)) {
      let identity: unknown;
      try {
        identity = (JSON.parse(row.record_json) as { identity?: unknown }).identity;
      } catch {
        continue; // A damaged row: verify() reports it; there is nothing to index.
      }
      if (!identity || typeof identity !== 'object') continue;
      for (const t of identityTerms(searchKey, identity as Record<string, unknown>)) insert.run(t, row.seq);
      indexed++;
    }
    db.prepare('DELETE FROM entry_terms WHERE term = ?').run(LEGACY_MARK);
    insert.run(LEGACY_MARK, last);
  })();
  return indexed;
}
