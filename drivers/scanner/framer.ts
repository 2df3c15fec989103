/**
 * Cuts the scanner's byte stream into codes. Scanners end a code with CR, LF or CRLF (line framing), or send
 * nothing after it, so only an idle gap marks the end (timeout framing). Pure bytes in, byte frames out:
 * the text decoding and the meaning of a code are the scanner's business.
 */
export type Framing = 'line' | 'timeout';

export interface FramerOptions {
  framing: Framing;
  /** Idle gap that ends a code in timeout framing. */
  idleMs: number;
  /** A code longer than this is dropped whole (a stuck scanner, wrong baud rate sending noise). */
  maxLength: number;
}

export interface FramerSink {
  frame(bytes: Buffer): void;
  /** `bytes` = the first maxLength bytes of the dropped code, for the evidence. */
  oversize(bytes: Buffer, length: number): void;
}

const CR = 0x0d;
const LF = 0x0a;

export class Framer {
  private chunks: Buffer[] = [];
  private length = 0;
  /** Bytes of an oversize code still arriving: discarded up to its terminator (or the idle gap). */
  private discarding = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: FramerOptions,
    private readonly sink: FramerSink,
  ) {}

  push(data: Buffer): void {
    if (this.options.framing === 'timeout') {
      this.append(data);
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => this.flush(), this.options.idleMs);
      return;
    }
    let start = 0;
    for (let i = 0; i < data.length; i++) {
      const byte = data[i];
      if (byte !== CR && byte !== LF) continue;
      this.append(data.subarray(start, i));
      this.flush();
      start = i + 1;
    }
    this.append(data.subarray(start));
  }

  /** Drops any partial code (port closed: the rest of it will never come). */
  reset(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.chunks = [];
    this.length = 0;
    this.discarding = 0;
  }

  private append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.discarding > 0) {
      this.discarding += bytes.length;
      return;
    }
    this.chunks.push(Buffer.from(bytes));
    this.length += bytes.length;
    if (this.length > this.options.maxLength) {
      const head = Buffer.concat(this.chunks).subarray(0, this.options.maxLength);
      this.discarding = this.length;
      this.chunks = [head];
    }
  }

  private flush(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const chunks = this.chunks;
    const discarded = this.discarding;
    this.chunks = [];
    this.length = 0;
    this.discarding = 0;
    if (discarded > 0) {
      this.sink.oversize(chunks[0] ?? Buffer.alloc(0), discarded);
      return;
    }
    // An empty line is the LF of a CRLF pair (or a blank scan): nothing to report.
    if (chunks.length === 0) return;
    this.sink.frame(Buffer.concat(chunks));
  }
}
