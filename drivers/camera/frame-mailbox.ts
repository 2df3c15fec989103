/**
 * The hand-over between a frame producer and one consumer: holds at most `capacity` frames and drops the
 * oldest when full, so a slow consumer always sees recent frames and memory never grows.
 */
export class FrameMailbox<T> {
  private readonly items: T[] = [];
  private readonly waiters: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }[] = [];
  private closed = false;
  private failure: unknown = undefined;
  dropped = 0;

  constructor(readonly capacity = 1) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  }

  get size(): number {
    return this.items.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Returns the item pushed out to make room, if any. */
  push(item: T): T | undefined {
    if (this.closed) return undefined;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.resolve({ value: item, done: false });
      return undefined;
    }
    this.items.push(item);
    if (this.items.length <= this.capacity) return undefined;
    this.dropped++;
    return this.items.shift();
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** No more items: waiting consumers finish; items already held are still handed out. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.resolve({ value: undefined, done: true });
  }

  /** The producer gave up: consumers get the error once the held items are gone. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.failure = error;
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(error);
  }

  /** Back to empty and open (a source started again after stop()). */
  reopen(): void {
    this.items.length = 0;
    this.closed = false;
    this.failure = undefined;
  }
}
