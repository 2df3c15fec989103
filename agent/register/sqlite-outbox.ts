/**
 * The durable outbox inside the register's database. Bounded: when `capacity` events wait, newer events
 * are held in the register (never dropped) and an alarm is raised; as the broker acknowledges, held events
 * move into the outbox in their order and the alarm clears.
 */
import type Database from 'better-sqlite3';
import type { OutboxMessage, OutboxStore } from '../events/outbox-store.ts';

interface OutboxRow {
  seq: number;
  id: string;
  topic: string;
  payload: string;
  created_at: string;
  attempts: number;
}

export interface PendingEvent {
  id: string;
  topic: string;
  payload: string;
}

export class SqliteOutbox implements OutboxStore {
  private readonly statements;
  private waiting: number;
  private heldCount: number;

  constructor(
    db: Database.Database,
    readonly capacity: number,
    private readonly onFullChange: (full: boolean, held: number) => void,
  ) {
    this.statements = {
      peek: db.prepare<[number], OutboxRow>('SELECT seq, id, topic, payload, created_at, attempts FROM outbox ORDER BY seq LIMIT ?'),
      remove: db.prepare<[string]>('DELETE FROM outbox WHERE id = ?'),
      attempt: db.prepare<[string]>('UPDATE outbox SET attempts = attempts + 1 WHERE id = ?'),
      insert: db.prepare<[string, string, string, string]>('INSERT INTO outbox (id, topic, payload, created_at) VALUES (?, ?, ?, ?)'),
      hold: db.prepare<[string, string, string, string]>('INSERT INTO held_events (id, topic, payload, created_at) VALUES (?, ?, ?, ?)'),
      oldestHeld: db.prepare<[number], Omit<OutboxRow, 'attempts'>>('SELECT seq, id, topic, payload, created_at FROM held_events ORDER BY seq LIMIT ?'),
      release: db.prepare<[number]>('DELETE FROM held_events WHERE seq = ?'),
      countOutbox: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM outbox'),
      countHeld: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM held_events'),
    };
    // One transaction (one fsync under synchronous=FULL) per batch of PUBACKs, not per event.
    this.acknowledgeTransaction = db.transaction((ids: readonly string[]) => {
      let removed = 0;
      for (const id of ids) removed += this.statements.remove.run(id).changes;
      this.waiting -= removed;
      if (removed > 0) this.promote();
    });
    this.attemptTransaction = db.transaction((ids: readonly string[]) => {
      for (const id of ids) this.statements.attempt.run(id);
    });
    this.waiting = this.statements.countOutbox.get()!.n;
    this.heldCount = this.statements.countHeld.get()!.n;
    // A register opened with a larger capacity than before releases what it can at once.
    if (this.heldCount > 0) this.guarded(() => db.transaction(() => this.promote())());
  }

  private readonly acknowledgeTransaction: (ids: readonly string[]) => void;
  private readonly attemptTransaction: (ids: readonly string[]) => void;

  /** Runs inside the register's append transaction; the caller commits counts only after it commits. */
  enqueue(events: PendingEvent[], createdAt: string): { queued: number; held: number } {
    let queued = 0;
    let held = 0;
    for (const event of events) {
      if (this.heldCount + held === 0 && this.waiting + queued < this.capacity) {
        this.statements.insert.run(event.id, event.topic, event.payload, createdAt);
        queued++;
      } else {
        this.statements.hold.run(event.id, event.topic, event.payload, createdAt);
        held++;
      }
    }
    return { queued, held };
  }

  /** Called after the append transaction committed. */
  committed(result: { queued: number; held: number }): void {
    const wasFull = this.heldCount > 0;
    this.waiting += result.queued;
    this.heldCount += result.held;
    if (!wasFull && this.heldCount > 0) this.onFullChange(true, this.heldCount);
  }

  peek(limit: number): OutboxMessage[] {
    return this.statements.peek.all(limit).map((row) => ({ seq: row.seq, id: row.id, topic: row.topic, payload: row.payload, createdAt: row.created_at, attempts: row.attempts }));
  }

  acknowledge(ids: readonly string[]): void {
    if (ids.length === 0) return;
    const wasFull = this.heldCount > 0;
    this.guarded(() => this.acknowledgeTransaction(ids));
    if (wasFull && this.heldCount === 0) this.onFullChange(false, 0);
  }

  recordAttempts(ids: readonly string[]): void {
    if (ids.length > 0) this.attemptTransaction(ids);
  }

  count(): number {
    return this.waiting;
  }

  /** Events recorded but parked because the outbox was full. */
  held(): number {
    return this.heldCount;
  }

  /** A rolled-back transaction leaves the in-memory counts wrong: read them again from the file. */
  private guarded(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.waiting = this.statements.countOutbox.get()!.n;
      this.heldCount = this.statements.countHeld.get()!.n;
      throw error;
    }
  }

  private promote(): void {
    const room = this.capacity - this.waiting;
    if (room <= 0 || this.heldCount === 0) return;
    for (const row of this.statements.oldestHeld.all(room)) {
      this.statements.insert.run(row.id, row.topic, row.payload, row.created_at);
      this.statements.release.run(row.seq);
      this.waiting++;
      this.heldCount--;
    }
  }
}
