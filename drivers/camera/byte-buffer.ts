/** A growable byte window for stream parsers: append at the end, discard from the front, no per-chunk concat. */
export class ByteWindow {
  private data = new Uint8Array(64 * 1024);
  private start = 0;
  private end = 0;

  get length(): number {
    return this.end - this.start;
  }

  /** The unread bytes; valid until the next append or discard. */
  view(): Uint8Array {
    return this.data.subarray(this.start, this.end);
  }

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.end + chunk.length > this.data.length) {
      const needed = this.length + chunk.length;
      if (needed <= this.data.length / 2) {
        // Plenty of room once the consumed front is dropped: move instead of growing.
        this.data.copyWithin(0, this.start, this.end);
      } else {
        let size = this.data.length;
        while (size < needed * 2) size *= 2;
        const next = new Uint8Array(size);
        next.set(this.data.subarray(this.start, this.end));
        this.data = next;
      }
      this.end -= this.start;
      this.start = 0;
    }
    this.data.set(chunk, this.end);
    this.end += chunk.length;
  }

  discard(count: number): void {
    this.start = Math.min(this.end, this.start + count);
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
      // Give back memory a huge frame made us take.
      if (this.data.length > 4 * 1024 * 1024) this.data = new Uint8Array(64 * 1024);
    }
  }

  clear(): void {
    this.discard(this.length);
  }
}
