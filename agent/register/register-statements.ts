/** The register's prepared statements. A schema-1 file opened read-only (not migrated) has no format-2 columns: it is never written to. */
import type Database from 'better-sqlite3';
import { chainSelect, entrySelect, type EntryRow, type EntrySummary } from './register-rows.ts';

export interface CheckpointRow {
  seq: number;
  head_hash: Buffer;
  signed_at: string;
  key_id: string;
  signature: Buffer;
}

/** Types inferred from the SQL. */
export function registerStatements(db: Database.Database, schemaVersion: number) {
  const select = entrySelect(schemaVersion);
  const v2 = schemaVersion >= 2;
  return {
    insert: v2
      ? db.prepare('INSERT INTO entries (seq, id, recorded_at, decision, record_json, frame_jpeg, frame_sha256, hash, format, kind, sealed_sha256) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, 2, ?, ?)')
      : null,
    insertPrivate: v2 ? db.prepare('INSERT INTO entry_private (seq, sealed, frame) VALUES (?, ?, ?)') : null,
    insertTerm: v2 ? db.prepare('INSERT OR IGNORE INTO entry_terms (term, seq) VALUES (?, ?)') : null,
    head: db.prepare<[], { seq: number; hash: Buffer }>('SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1'),
    checkpoint: db.prepare('INSERT OR REPLACE INTO checkpoints (seq, head_hash, signed_at, key_id, signature) VALUES (?, ?, ?, ?, ?)'),
    lastCheckpoint: db.prepare<[], { seq: number }>('SELECT seq FROM checkpoints ORDER BY seq DESC LIMIT 1'),
    checkpoints: db.prepare<[], CheckpointRow>('SELECT * FROM checkpoints ORDER BY seq'),
    byId: db.prepare<[string], EntryRow>(`${select} WHERE e.id = ?`),
    bySeq: db.prepare<[number], EntryRow>(`${select} WHERE e.seq = ?`),
    hashOf: db.prepare<[number], { hash: Buffer }>('SELECT hash FROM entries WHERE seq = ?'),
    all: db.prepare<[number, number], EntryRow>(`${select} WHERE e.seq >= ? AND e.seq <= ? ORDER BY e.seq`),
    chain: db.prepare<[number, number]>(chainSelect(schemaVersion)).raw(true),
    summaries: db.prepare<[string, string, number], EntrySummary>(
      'SELECT seq, id, recorded_at AS recordedAt, decision FROM entries WHERE recorded_at >= ? AND recorded_at < ? ORDER BY seq LIMIT ?',
    ),
    count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM entries'),
    seqRange: db.prepare<[string, string], { first: number | null; last: number | null }>(
      'SELECT MIN(seq) AS first, MAX(seq) AS last FROM entries WHERE recorded_at >= ? AND recorded_at < ?',
    ),
  };
}
