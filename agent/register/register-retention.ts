/**
 * Retention (FORMAT.md "Purge"): the personal data and frames of entries recorded before a cut-off are
 * deleted (entry_private rows and their search terms); the entries themselves, with their hashes, decisions,
 * times and public parts, stay, so the chain still verifies. The caller appends the purge entry in the same
 * transaction. And the agent's schedule: at start and every 24 h, with an injectable clock and timer.
 */
import type Database from 'better-sqlite3';
import { XacminhError } from '../../drivers/errors.ts';

export interface PurgeStats {
  purged: number;
  fromSeq: number | null;
  toSeq: number | null;
}

/** Deletes the private rows and terms of entries recorded before `before` (ISO); call inside a transaction. */
export function deletePrivateBefore(db: Database.Database, before: string): PurgeStats {
  const stats = db
    .prepare<[string], { n: number; first: number | null; last: number | null }>(
      'SELECT COUNT(*) AS n, MIN(p.seq) AS first, MAX(p.seq) AS last FROM entry_private p JOIN entries e ON e.seq = p.seq WHERE e.recorded_at < ?',
    )
    .get(before)!;
  if (stats.n === 0) return { purged: 0, fromSeq: null, toSeq: null };
  const doomed = 'SELECT p.seq FROM entry_private p JOIN entries e ON e.seq = p.seq WHERE e.recorded_at < ?';
  db.prepare(`DELETE FROM entry_terms WHERE seq IN (${doomed})`).run(before);
  db.prepare(`DELETE FROM entry_private WHERE seq IN (${doomed})`).run(before);
  return { purged: stats.n, fromSeq: stats.first, toSeq: stats.last };
}

export function assertRetention(before: string, retentionDays: number): string {
  if (!Number.isSafeInteger(retentionDays) || retentionDays < 1) {
    throw new XacminhError('INVALID_INPUT', `Thời hạn lưu giữ phải là số ngày nguyên ≥ 1, không phải ${retentionDays}. retentionDays must be a whole number ≥ 1`, { field: 'retentionDays' });
  }
  const time = Date.parse(before);
  if (Number.isNaN(time)) throw new XacminhError('INVALID_INPUT', `Mốc xóa dữ liệu "${before}" không phải thời điểm ISO. The purge cut-off must be an ISO time`, { field: 'before' });
  return new Date(time).toISOString();
}

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionSchedule {
  stop(): void;
}

/**
 * Runs `purge(before, days)` now and every 24 h (before = now − days). A failed purge is reported and
 * retried at the next run: it never stops the agent. `retentionDays` is asked at each run (a reloaded
 * config applies at the next one); undefined = keep everything, that run does nothing.
 */
export function scheduleRetention(options: {
  retentionDays: () => number | undefined;
  purge: (before: string, retentionDays: number) => { purged: number };
  onResult?: (result: { purged: number; before: string }) => void;
  onError?: (error: unknown) => void;
  now?: () => Date;
  setInterval?: (run: () => void, ms: number) => { unref?: () => void };
  clearInterval?: (handle: unknown) => void;
}): RetentionSchedule {
  const run = (): void => {
    try {
      const days = options.retentionDays();
      if (days === undefined) return;
      const before = new Date((options.now?.() ?? new Date()).getTime() - days * DAY_MS).toISOString();
      const result = options.purge(before, days);
      options.onResult?.({ purged: result.purged, before });
    } catch (error) {
      options.onError?.(error);
    }
  };
  run();
  const handle = (options.setInterval ?? ((fn, ms) => setInterval(fn, ms)))(run, DAY_MS);
  handle.unref?.();
  return { stop: () => (options.clearInterval ?? ((h) => clearInterval(h as NodeJS.Timeout)))(handle) };
}
