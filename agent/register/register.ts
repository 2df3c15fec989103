/**
 * The register: every verification, append-only and hash-chained in SQLite (WAL, synchronous FULL so a
 * power cut keeps what was acknowledged), with checkpoints signed by the device key. The verification's
 * events go into the outbox in the same transaction, so a record never exists without its event nor an
 * event without its record.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { ulid } from 'ulid';
import { EventEmitter } from 'node:events';
import Database from 'better-sqlite3';
import { XacminhError } from '../../drivers/errors.ts';
import { keyIdOf } from '../datadir.ts';
import type { RegisterAnchor } from '../events/event.ts';
import type { VerificationRecord } from '../session/record.ts';
import { GENESIS_HASH, signCheckpoint, verifyChain, type ChainReport, type Checkpoint } from './chain.ts';
import { chainRows, entrySelect, openEntry, recordOf, summaryOf, viewOf, type EntryRowView, type EntrySummary, type RegisterEntry } from './register-rows.ts';
import { registerStatements } from './register-statements.ts';
import { assertRetention, deletePrivateBefore } from './register-retention.ts';
import { countEntriesByDecision, indexLegacyEntries, searchEntries, type EntryListItem, type RegisterQuery } from './register-search.ts';
import { assertDataKey, entryKey, searchKey, type SealPart } from './seal.ts';
import { entryDraft, placeDraft, verificationDraft, type EntryDraft, type PreparedEntry } from './register-draft.ts';
import { preparePrivateDbFile } from './db-file.ts';
import { storageError } from './storage-error.ts';
import { migrate, REGISTER_SCHEMA_VERSION } from './schema.ts';
import { checkpointEvent } from './checkpoint-event.ts';
import { SqliteOutbox, type PendingEvent } from './sqlite-outbox.ts';

export interface RegisterOptions {
  /** The device's P-256 key: signs checkpoints (its public key is enough for a read-only register that only verifies). */
  deviceKey: KeyObject;
  /** Public keys this device signed with before its key was rotated (certificate renewal), by key id. */
  retiredKeys?: ReadonlyMap<string, KeyObject>;
  /** Most events waiting for the broker before newer ones are held (and an alarm raised). */
  outboxCapacity: number;
  /** Sign a checkpoint every this many entries (and on close). */
  checkpointEvery?: number;
  /**
   * Open an existing register for reading only (the CLI, while the agent runs: WAL lets a reader in).
   * No migration, no checkpoint on close, no outbox promotion; append() and checkpoint() refuse.
   */
  readOnly?: boolean;
  /** 32-byte data key (FORMAT.md "Sealing"); without it sealed parts read as 'locked' and writes are refused. */
  dataKey?: Uint8Array;
  /** The clock entries are stamped with (tests: a clock that jumps; default the system clock). */
  now?: () => Date;
}

export type { EntryRowView, EntrySummary, RegisterEntry } from './register-rows.ts';
export type { EntryListItem, RegisterQuery } from './register-search.ts';
export type EntryKind = 'genesis' | 'inspection' | 'operator' | 'purge';

export interface AppendOptions {
  frameJpeg?: Uint8Array;
  events: PendingEvent[];
}

export interface RegisterAlarm {
  code: 'OUTBOX_FULL' | 'OUTBOX_RECOVERED';
  message: string;
  held: number;
}

export class Register extends EventEmitter {
  readonly outbox: SqliteOutbox;
  private publicKey_: KeyObject;
  private signingKey: KeyObject;
  private keyId: string;
  /** Every key a checkpoint of this register may be signed with, by key id: the current one and the retired ones. */
  private readonly keys = new Map<string, KeyObject>();
  private readonly checkpointEvery: number;
  private head: { seq: number; hash: Uint8Array };
  private readonly statements: ReturnType<typeof registerStatements>;
  private readonly dataKey: Uint8Array | undefined;
  private readonly searchKey_: Uint8Array | undefined;
  readonly schemaVersion: number;
  private closed = false;
  /** Tail of the appendAnchored() queue. */
  private appending: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    private readonly options: RegisterOptions,
  ) {
    super();
    // Read-only checks (the self-test worker) get only the public key: signatures are checked, never made.
    this.signingKey = options.deviceKey;
    this.publicKey_ = options.deviceKey.type === 'public' ? options.deviceKey : createPublicKey(options.deviceKey);
    this.keyId = keyIdOf(this.publicKey_);
    for (const [keyId, key] of options.retiredKeys ?? []) this.keys.set(keyId, key);
    this.keys.set(this.keyId, this.publicKey_);
    this.checkpointEvery = options.checkpointEvery ?? 100;
    if (options.dataKey) assertDataKey(options.dataKey);
    this.dataKey = options.dataKey;
    this.searchKey_ = options.dataKey ? searchKey(options.dataKey) : undefined;
    this.schemaVersion = db.pragma('user_version', { simple: true }) as number;
    this.statements = registerStatements(db, this.schemaVersion);
    const head = this.statements.head.get();
    this.head = head ? { seq: head.seq, hash: new Uint8Array(head.hash) } : { seq: 0, hash: GENESIS_HASH };
    // Read-only: capacity 0 so the outbox never tries to promote held events (a write) on open.
    this.outbox = new SqliteOutbox(db, options.readOnly ? 0 : options.outboxCapacity, (full, held) => this.alarm(full, held));
  }

  /** Opens (creating if needed) the register at `path`. A file that is not a register is a clear error. */
  static open(path: string, options: RegisterOptions): Register {
    let db: Database.Database | undefined;
    try {
      if (options.readOnly) {
        db = new Database(path, { readonly: true, fileMustExist: true });
        db.pragma('busy_timeout = 5000');
        const version = db.pragma('user_version', { simple: true }) as number;
        if (version === 0) throw new XacminhError('STORAGE_FAILED', `${path} is not a register database (no register schema): check --data-dir`, { path });
        if (version > REGISTER_SCHEMA_VERSION) {
          throw new XacminhError('STORAGE_FAILED', `${path} has register schema ${version}, newer than this software (${REGISTER_SCHEMA_VERSION}): update the software`, { path, version });
        }
        return new Register(db, path, options);
      }
      preparePrivateDbFile(path);
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      migrate(db);
      const register = new Register(db, path, options);
      try {
        if (options.dataKey) indexLegacyEntries(db, searchKey(options.dataKey));
      } catch {
        // Only search over old entries waits (a full disk): retried at the next open, never a reason not to start.
      }
      return register;
    } catch (error) {
      db?.close();
      throw storageError(error, path, 'open');
    }
  }

  /** Records one verification and queues its events, atomically. Throws STORAGE_FAILED, never half-writes. */
  append(record: VerificationRecord, options: AppendOptions): EntrySummary {
    this.assertWritable();
    return this.commit(this.prepare(this.verificationDraft(record, options.frameJpeg)), options.events);
  }

  /**
   * Like append(), but the events are built from the entry's own place in the chain ({seq, headHash} after
   * it), so each event's signed part anchors the register off the device. Building may be async (JWS
   * signing); appends through here run one at a time, and an entry is re-prepared if a synchronous append()
   * moved the head meanwhile. The entry and its events still commit in one transaction.
   */
  async appendAnchored(record: VerificationRecord, options: { frameJpeg?: Uint8Array; events: (anchor: RegisterAnchor) => Promise<PendingEvent[]> }): Promise<EntrySummary> {
    const run = async (): Promise<EntrySummary> => {
      this.assertWritable();
      const draft = this.verificationDraft(record, options.frameJpeg);
      for (;;) {
        this.assertWritable();
        const prepared = this.prepare(draft);
        const events = await options.events({ seq: prepared.seq, headHash: Buffer.from(prepared.hash).toString('hex') });
        this.assertWritable();
        if (this.head.seq === prepared.seq - 1) return this.commit(prepared, events);
      }
    };
    const result = this.appending.then(run, run);
    this.appending = result.catch(() => undefined);
    return result;
  }

  /**
   * Appends an entry of another kind (FORMAT.md "Entry kinds"), synchronously, in one transaction with its
   * events. A sealed part needs the data key; an entry without one (genesis, purge) does not.
   */
  appendEntry(kind: EntryKind, publicPart: object, sealedPart?: object, options: { events?: PendingEvent[]; id?: string } = {}): EntrySummary {
    this.assertWritable(sealedPart !== undefined);
    return this.commit(this.prepare(entryDraft(kind, options.id ?? ulid(), publicPart, sealedPart, this.dataKey)), options.events ?? []);
  }

  /** Format 2: the record in public with identity null; {identity} and the frame sealed; identity terms for search. */
  private verificationDraft(record: VerificationRecord, frameJpeg: Uint8Array | undefined): EntryDraft {
    return verificationDraft(record, frameJpeg, this.dataKey!, this.searchKey_!);
  }

  private prepare(draft: EntryDraft): PreparedEntry {
    return placeDraft(draft, this.head, (this.options.now?.() ?? new Date()).toISOString());
  }

  private commit(entry: PreparedEntry, events: PendingEvent[]): EntrySummary {
    const { seq, recordedAt, hash } = entry;
    const checkpoint = seq % this.checkpointEvery === 0 ? signCheckpoint(this.signingKey, this.keyId, seq, hash, recordedAt) : null;
    let queued: { queued: number; held: number };
    try {
      queued = this.db.transaction(() => {
        this.statements.insert!.run(seq, entry.id, recordedAt, entry.decision, entry.publicJson, entry.frameSha256, hash, entry.kind, entry.sealedSha256);
        if (entry.sealed || entry.frame) this.statements.insertPrivate!.run(seq, entry.sealed, entry.frame);
        for (const term of entry.terms) this.statements.insertTerm!.run(term, seq);
        return this.outbox.enqueue(checkpoint ? [...events, this.storeCheckpoint(checkpoint)] : events, recordedAt);
      })();
    } catch (error) {
      throw storageError(error, this.path, 'append');
    }
    this.head = { seq, hash };
    this.outbox.committed(queued);
    return { seq, id: entry.id, recordedAt, decision: entry.decision };
  }

  /** Signs the current head now (on close, before an export) unless it is already signed; it is published like the periodic ones. */
  checkpoint(): Checkpoint | null {
    this.assertWritable(false);
    if (this.head.seq === 0) return null;
    const last = this.statements.lastCheckpoint.get();
    if (last && last.seq >= this.head.seq) return null;
    const checkpoint = signCheckpoint(this.signingKey, this.keyId, this.head.seq, this.head.hash, new Date().toISOString());
    try {
      const queued = this.db.transaction(() => this.outbox.enqueue([this.storeCheckpoint(checkpoint)], checkpoint.signedAt))();
      this.outbox.committed(queued);
    } catch (error) {
      throw storageError(error, this.path, 'checkpoint');
    }
    return checkpoint;
  }

  /** A verification as recorded, its identity restored from the sealed part when the data key is there (else null). */
  get(id: string): { summary: EntrySummary; record: VerificationRecord; frameJpeg: Uint8Array | null } | null {
    const row = this.statements.byId.get(id);
    if (!row) return null;
    const entry = openEntry(row, this.dataKey);
    return { summary: summaryOf(row), record: recordOf(entry), frameJpeg: entry.frameJpeg };
  }

  /** Any entry by seq, opened with the data key when there is one. */
  read(seq: number): RegisterEntry | null {
    const row = this.statements.bySeq.get(seq);
    return row ? openEntry(row, this.dataKey) : null;
  }

  /** The per-entry key of one part (what an export hands an inspector); null without the data key. */
  partKey(entryId: string, part: SealPart): Uint8Array | null {
    return this.dataKey ? entryKey(this.dataKey, entryId, part) : null;
  }

  /** Entries matching `query`, newest first by default, with the total for paging (FORMAT.md "Sealing": blind terms). */
  search(query: RegisterQuery): { items: EntryListItem[]; total: number } {
    this.assertOpen();
    return searchEntries(this.db, entrySelect(this.schemaVersion), { ...(this.dataKey ? { dataKey: this.dataKey, searchKey: this.searchKey_! } : {}) }, query);
  }

  /** How many entries of each decision (kinds other than verification count under their kind name) in [from, to). */
  countsByDecision(range: { from?: string; to?: string; kinds?: string[] } = {}): Record<string, number> {
    this.assertOpen();
    return countEntriesByDecision(this.db, range);
  }

  /**
   * Retention: removes the personal data and frames of entries recorded before `before` (ISO) and appends a
   * `purge` entry saying so, in one transaction; nothing purged, no entry. Needs no data key.
   */
  purge(before: string, retentionDays: number): { purged: number; entry: EntrySummary | null } {
    this.assertWritable(false);
    const cutOff = assertRetention(before, retentionDays);
    try {
      return this.db.transaction(() => {
        const stats = deletePrivateBefore(this.db, cutOff);
        if (stats.purged === 0) return { purged: 0, entry: null };
        const entry = this.appendEntry('purge', { before: cutOff, retentionDays, purged: stats.purged, fromSeq: stats.fromSeq, toSeq: stats.toSeq });
        return { purged: stats.purged, entry };
      })();
    } catch (error) {
      // The purge entry's savepoint may have moved the head before the outer commit failed: re-read it.
      const head = this.statements.head.get();
      this.head = head ? { seq: head.seq, hash: new Uint8Array(head.hash) } : { seq: 0, hash: GENESIS_HASH };
      throw storageError(error, this.path, 'purge');
    }
  }

  /** Whether sealed parts can be opened and written (the data key was given). */
  get unlocked(): boolean {
    return this.dataKey !== undefined;
  }

  /** Entries recorded in [from, to) (ISO times), oldest first. */
  list(range: { from?: string; to?: string; limit?: number } = {}): EntrySummary[] {
    return this.statements.summaries.all(range.from ?? '', range.to ?? '\uffff', range.limit ?? 1000);
  }

  count(): number {
    return this.statements.count.get()!.n;
  }

  get headSeq(): number {
    return this.head.seq;
  }

  /** Rows of entries [fromSeq, toSeq] in order, read lazily. */
  *entries(fromSeq = 1, toSeq = Number.MAX_SAFE_INTEGER): Generator<EntryRowView> {
    for (const row of this.statements.all.iterate(fromSeq, toSeq)) yield viewOf(row);
  }

  previousHash(seq: number): Uint8Array {
    if (seq <= 1) return GENESIS_HASH;
    const row = this.statements.hashOf.get(seq - 1);
    if (!row) throw new XacminhError('REGISTER_TAMPERED', `Register entry ${seq - 1} is missing`, { seq: seq - 1 });
    return new Uint8Array(row.hash);
  }

  checkpoints(): Checkpoint[] {
    return this.statements.checkpoints.all().map((row) => ({ seq: row.seq, headHash: new Uint8Array(row.head_hash), signedAt: row.signed_at, keyId: row.key_id, signature: new Uint8Array(row.signature) }));
  }

  /** Recomputes the whole chain and checks every checkpoint signature. */
  verify(): ChainReport {
    this.assertOpen();
    return verifyChain(chainRows(this.statements.chain.iterate(1, Number.MAX_SAFE_INTEGER)), this.checkpoints(), this.keys);
  }

  /**
   * Runs `work`'s appends in one transaction (bulk fixtures, imports): one fsync for all of them. All or
   * nothing: when it throws, nothing of it is kept and the head is read back from the file.
   */
  batch<T>(work: () => T): T {
    this.assertWritable(false);
    try {
      return this.db.transaction(work)();
    } catch (error) {
      const head = this.statements.head.get();
      this.head = head ? { seq: head.seq, hash: new Uint8Array(head.hash) } : { seq: 0, hash: GENESIS_HASH };
      throw error;
    }
  }

  /**
   * Checks entries [first, last] only, starting from the stored hash of the entry before `first` (each
   * entry's hash covers the stored hash before it, so ranges check independently: the parallel verifier
   * gives each thread one; mergeChainReports joins them into what verify() would say).
   */
  verifyRange(first: number, last: number): ChainReport {
    this.assertOpen();
    const before = first > 1 ? this.statements.before.get(first) : undefined;
    const start = before ? { seq: before.seq, hash: new Uint8Array(before.hash) } : { seq: 0, hash: GENESIS_HASH };
    const checkpoints = this.checkpoints().filter((c) => c.seq >= first && c.seq <= last);
    return verifyChain(chainRows(this.statements.chain.iterate(first, last)), checkpoints, this.keys, start);
  }

  /** Runs `read` in one read transaction, so everything it reads is one snapshot even while the agent appends. */
  snapshot<T>(read: () => T): T {
    this.assertOpen();
    return this.db.transaction(read)();
  }

  /** The contiguous seq range [first, last] spanning the entries recorded in [from, to) (ISO times); null if none. */
  seqRange(range: { from?: string; to?: string } = {}): { first: number; last: number } | null {
    const row = this.statements.seqRange.get(range.from ?? '', range.to ?? '\uffff');
    return row && row.first !== null && row.last !== null ? { first: row.first, last: row.last } : null;
  }

  /**
   * Signs, without storing, a checkpoint over the stored hash of entry `seq` (an export's own proof; works
   * read-only). The caller must have verified the chain up to `seq` first: this signs whatever is stored.
   */
  attest(seq: number, signedAt = new Date().toISOString()): Checkpoint {
    this.assertOpen();
    const row = this.statements.hashOf.get(seq);
    if (!row) throw new XacminhError('REGISTER_TAMPERED', `Register entry ${seq} is missing`, { seq });
    return signCheckpoint(this.signingKey, this.keyId, seq, new Uint8Array(row.hash), signedAt);
  }

  get deviceKeyId(): string {
    return this.keyId;
  }

  /** The current device public key (checkpoints from now on are signed with its private half). */
  get publicKey(): KeyObject {
    return this.publicKey_;
  }

  /** Current and retired device public keys by key id: what verification accepts for a checkpoint's keyId. */
  get verificationKeys(): ReadonlyMap<string, KeyObject> {
    return this.keys;
  }

  /**
   * The device key was rotated (certificate renewal): the history so far is closed with a checkpoint the
   * old key signs, and later checkpoints are signed with the new one; both stay verifiable by key id.
   */
  useSigningKey(privateKey: KeyObject): void {
    this.assertWritable(false);
    const publicKey = createPublicKey(privateKey);
    if (keyIdOf(publicKey) === this.keyId) return;
    this.checkpoint();
    this.signingKey = privateKey;
    this.publicKey_ = publicKey;
    this.keyId = keyIdOf(publicKey);
    this.keys.set(this.keyId, publicKey);
  }

  close(): void {
    if (this.closed) return;
    try {
      if (!this.options.readOnly) this.checkpoint();
    } catch {
      // A full disk must not keep the register open; the chain itself is intact without the checkpoint.
    }
    this.closed = true;
    this.db.close();
  }

  /** Stores a checkpoint and returns its outbox message: the central side keeps a copy the device cannot take back. */
  private storeCheckpoint(checkpoint: Checkpoint): PendingEvent {
    this.statements.checkpoint.run(checkpoint.seq, checkpoint.headHash, checkpoint.signedAt, checkpoint.keyId, checkpoint.signature);
    return checkpointEvent(checkpoint);
  }

  private alarm(full: boolean, held: number): void {
    const alarm: RegisterAlarm = full
      ? { code: 'OUTBOX_FULL', held, message: `The event outbox is full (${this.options.outboxCapacity} events waiting for the broker): new events are kept in the register and will be sent when the broker takes the backlog. Check the network and the broker.` }
      : { code: 'OUTBOX_RECOVERED', held, message: 'The event outbox has room again: held events are queued for the broker' };
    this.emit('alarm', alarm);
  }

  private assertWritable(sealing = true): void {
    this.assertOpen();
    if (this.options.readOnly) throw new XacminhError('STORAGE_FAILED', `The register ${this.path} was opened read-only`, { path: this.path });
    if (sealing && !this.dataKey) {
      throw new XacminhError('STORAGE_FAILED', `Không ghi được sổ đăng ký: thiếu khóa dữ liệu (register-data.key). The register ${this.path} was opened without its data key: personal data cannot be sealed`, { path: this.path });
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new XacminhError('STORAGE_FAILED', `The register ${this.path} is closed`, { path: this.path });
  }
}
