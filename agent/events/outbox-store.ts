/**
 * The durable outbox as the publisher sees it. The register writes a message in the same SQLite
 * transaction that records the verification; the publisher deletes it only after the broker's PUBACK.
 */
export interface OutboxMessage {
  /** Monotonic row number: publish order. */
  seq: number;
  /** The event's ULID (consumers deduplicate on it). */
  id: string;
  /** Topic suffix under xacminh/v1/<site>/<device>/, e.g. 'event/verification'. */
  topic: string;
  payload: string;
  createdAt: string;
  attempts: number;
}

export interface OutboxStore {
  /** The oldest undelivered messages, in seq order, at most `limit`. */
  peek(limit: number): OutboxMessage[];
  /** The broker acknowledged these messages: remove them, all in one write. Idempotent. */
  acknowledge(ids: readonly string[]): void;
  /** Count a publish attempt for each (for diagnostics), all in one write. */
  recordAttempts(ids: readonly string[]): void;
  count(): number;
  readonly capacity: number;
}
