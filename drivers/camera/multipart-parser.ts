/**
 * multipart/x-mixed-replace bodies from IP cameras: `--boundary CRLF headers CRLF CRLF body CRLF --boundary …`.
 * A part with Content-Length is read by length; one without is read up to the next delimiter. Cameras
 * differ on whether the header's boundary already starts with "--" and on CRLF vs LF, so both are accepted.
 * Each body must be one JPEG (checked with the marker parser); a bad part is reported and skipped.
 */
import { XacminhError } from '../errors.ts';
import { ByteWindow } from './byte-buffer.ts';
import { DEFAULT_MAX_FRAME_BYTES, inspectJpeg, type ParsedJpeg } from './mjpeg-parser.ts';

const MAX_HEADER_BYTES = 16 * 1024;

export interface MultipartParserOptions {
  maxFrameBytes?: number;
  onError?: (error: XacminhError) => void;
}

/** The boundary from a Content-Type header, or undefined when it is not multipart. */
export function boundaryFromContentType(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\//i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

const enum State {
  Boundary,
  Headers,
  Body,
}

export class MultipartMjpegParser {
  readonly maxFrameBytes: number;
  readonly stats = { frames: 0, badParts: 0, garbageBytes: 0 };
  private readonly onError: (error: XacminhError) => void;
  private readonly delimiter: Uint8Array;
  private readonly window = new ByteWindow();
  private state = State.Boundary;
  private contentLength: number | undefined;
  private eoiScanFrom = 0;
  private out: ParsedJpeg[] = [];

  constructor(boundary: string, options: MultipartParserOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.onError = options.onError ?? (() => {});
    const bare = boundary.startsWith('--') ? boundary.slice(2) : boundary;
    // Searching for the bare boundary finds both "--bare" and "----bare" spellings.
    this.delimiter = new TextEncoder().encode(bare);
    if (this.delimiter.length === 0) throw new XacminhError('INVALID_INPUT', 'Empty multipart boundary');
  }

  get bufferedBytes(): number {
    return this.window.length;
  }

  push(chunk: Uint8Array): ParsedJpeg[] {
    this.window.append(chunk);
    for (;;) {
      const progressed =
        this.state === State.Boundary ? this.boundary() : this.state === State.Headers ? this.headers() : this.body();
      if (!progressed) break;
    }
    const out = this.out;
    this.out = [];
    return out;
  }

  private boundary(): boolean {
    const bytes = this.window.view();
    const at = indexOf(bytes, this.delimiter, 0);
    if (at < 0) {
      const keep = Math.min(bytes.length, this.delimiter.length - 1);
      this.stats.garbageBytes += bytes.length - keep;
      this.window.discard(bytes.length - keep);
      return false;
    }
    // The rest of the delimiter line: "--" marks the closing delimiter, then CRLF.
    const eol = bytes.indexOf(0x0a, at + this.delimiter.length);
    if (eol < 0) {
      if (bytes.length - at > 256) return this.skip(at + this.delimiter.length, 'Multipart delimiter line too long');
      return false;
    }
    this.stats.garbageBytes += at;
    this.window.discard(eol + 1);
    this.state = State.Headers;
    this.contentLength = undefined;
    return true;
  }

  /** One header line per call; the empty line ends the headers. */
  private headers(): boolean {
    const bytes = this.window.view();
    const lf = bytes.indexOf(0x0a);
    if (lf < 0) {
      if (bytes.length > MAX_HEADER_BYTES) return this.skip(bytes.length, 'Multipart header line too long');
      return false;
    }
    const line = new TextDecoder('latin1').decode(bytes.subarray(0, lf)).replace(/\r$/, '');
    this.window.discard(lf + 1);
    if (line !== '') {
      const m = /^\s*content-length\s*:\s*(\d+)\s*$/i.exec(line);
      if (m) this.contentLength = Number(m[1]);
      return true;
    }
    if (this.contentLength !== undefined && this.contentLength > this.maxFrameBytes) {
      this.report('FRAME_TOO_LARGE', `Multipart part of ${this.contentLength} bytes exceeds ${this.maxFrameBytes}`, {
        contentLength: this.contentLength,
      });
      this.state = State.Boundary; // the delimiter search skips the oversized body
      return true;
    }
    this.state = State.Body;
    return true;
  }

  private body(): boolean {
    const bytes = this.window.view();
    let length: number;
    let consumed: number;
    if (this.contentLength !== undefined) {
      if (bytes.length < this.contentLength) return false;
      length = this.contentLength;
      consumed = length;
    } else {
      // No length: the part ends at a complete JPEG (so a frame is not held back until the next one
      // arrives) or, failing that, at the next delimiter.
      const eoi = this.completeJpegEnd(bytes);
      const at = eoi < 0 ? indexOf(bytes, this.delimiter, 0) : -1;
      if (eoi < 0 && at < 0) {
        if (bytes.length > this.maxFrameBytes + this.delimiter.length + 4) {
          this.report('FRAME_TOO_LARGE', `Multipart part exceeds ${this.maxFrameBytes} bytes`, { buffered: bytes.length });
          this.window.clear();
          this.eoiScanFrom = 0;
          this.state = State.Boundary;
        }
        return false;
      }
      this.eoiScanFrom = 0;
      if (eoi >= 0) {
        length = eoi;
      } else {
        // The body ends before the "CRLF--" that introduces the delimiter.
        length = at;
        if (length >= 2 && bytes[length - 1] === 0x2d && bytes[length - 2] === 0x2d) length -= 2;
        if (length >= 1 && bytes[length - 1] === 0x0a) length -= 1;
        if (length >= 1 && bytes[length - 1] === 0x0d) length -= 1;
      }
      consumed = length;
    }
    const part = bytes.subarray(0, length);
    try {
      const frame = inspectJpeg(part, this.maxFrameBytes);
      this.out.push({ ...frame, jpeg: frame.jpeg.slice() });
      this.stats.frames++;
    } catch (error) {
      this.stats.badParts++;
      if (error instanceof XacminhError) this.safeReport(error);
    }
    this.window.discard(consumed);
    this.state = State.Boundary;
    return true;
  }

  /** End offset of a complete JPEG at the start of bytes, checking only EOI markers not tried before; or -1. */
  private completeJpegEnd(bytes: Uint8Array): number {
    for (let i = bytes.indexOf(0xff, this.eoiScanFrom); i >= 0 && i + 1 < bytes.length; i = bytes.indexOf(0xff, i + 1)) {
      if (bytes[i + 1] !== 0xd9) continue;
      try {
        inspectJpeg(bytes.subarray(0, i + 2), this.maxFrameBytes);
        return i + 2;
      } catch {
        // An EOI inside a thumbnail, or a broken part: keep looking.
      }
    }
    this.eoiScanFrom = Math.max(0, bytes.length - 1);
    return -1;
  }

  private skip(count: number, message: string): boolean {
    this.report('MALFORMED_DATA', message, {});
    this.stats.garbageBytes += count;
    this.window.discard(count);
    this.state = State.Boundary;
    return true;
  }

  private report(code: 'MALFORMED_DATA' | 'FRAME_TOO_LARGE', message: string, evidence: Record<string, unknown>): void {
    this.safeReport(new XacminhError(code, message, { source: 'multipart', ...evidence }));
  }

  private safeReport(error: XacminhError): void {
    try {
      this.onError(error);
    } catch {
      // A listener's bug must not break the stream.
    }
  }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(needle, from);
}
