/**
 * The register's SQLite schema. `entries` is append-only (triggers refuse UPDATE and DELETE, so a bug or a
 * careless tool cannot rewrite history; a deliberate edit still shows in the hash chain). The outbox and
 * the held events are the only tables rows leave.
 */
import type Database from 'better-sqlite3';

export const REGISTER_SCHEMA_VERSION = 2;

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE entries (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    recorded_at TEXT NOT NULL,
    decision TEXT NOT NULL,
    record_json TEXT NOT NULL,
    frame_jpeg BLOB,
    frame_sha256 BLOB,
    hash BLOB NOT NULL
  );
  CREATE INDEX entries_recorded_at ON entries(recorded_at);
  CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries BEGIN SELECT RAISE(ABORT, 'register entries are append-only'); END;
  CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries BEGIN SELECT RAISE(ABORT, 'register entries are append-only'); END;
  CREATE TABLE checkpoints (
    seq INTEGER PRIMARY KEY,
    head_hash BLOB NOT NULL,
    signed_at TEXT NOT NULL,
    key_id TEXT NOT NULL,
    signature BLOB NOT NULL
  );
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE held_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  `,
  // Format 2 (FORMAT.md): sealed personal data beside the entry, the blind search index, kinds of entries.
  // entry_private and entry_terms carry no append-only trigger: retention deletes their rows, the chain
  // covers only the blobs' digests kept in entries.
  `
  ALTER TABLE entries ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE entries ADD COLUMN kind TEXT NOT NULL DEFAULT 'verification';
  ALTER TABLE entries ADD COLUMN sealed_sha256 BLOB;
  CREATE TABLE entry_private (seq INTEGER PRIMARY KEY, sealed BLOB, frame BLOB);
  CREATE TABLE entry_terms (term BLOB NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (term, seq)) WITHOUT ROWID;
  CREATE INDEX entries_decision ON entries(decision, seq);
  CREATE INDEX entries_kind ON entries(kind, seq);
  CREATE INDEX entry_terms_seq ON entry_terms(seq);
  `,
];

/** Applies the migrations the file has not seen yet, each in its own transaction. */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`register schema version ${current} is newer than this software (${MIGRATIONS.length}): update the software, do not downgrade`);
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
