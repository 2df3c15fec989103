/**
 * Splits a byte stream into JPEG frames by walking the JPEG marker structure, not by searching for FFD9:
 * marker segments are skipped by their length (an EXIF thumbnail inside APP1 holds a whole JPEG with its own
 * EOI), and inside entropy-coded data FF is only ever followed by 00 (stuffing), D0–D7 (RSTn) or a real marker.
 * Every byte of the current frame stays buffered until the frame completes, so a frame whose structure
 * breaks is rescanned from just after its SOI: a corrupt length that swallowed the next frame's SOI costs
 * only the corrupt frame. Memory is bounded by maxFrameBytes plus one chunk.
 */
import { XacminhError } from '../errors.ts';
import { ByteWindow } from './byte-buffer.ts';

export interface ParsedJpeg {
  jpeg: Uint8Array;
  width: number;
  height: number;
}

export interface MjpegParserOptions {
  /** A frame longer than this is dropped with FRAME_TOO_LARGE and the parser waits for the next SOI. */
  maxFrameBytes?: number;
  /** Called for every dropped frame or corrupt structure; the parser itself never throws. */
  onError?: (error: XacminhError) => void;
}

export interface MjpegParserStats {
  frames: number;
  corrupt: number;
  oversized: number;
  garbageBytes: number;
}

export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;

const enum State {
  Seek, // looking for SOI
  Marker, // between marker segments: expect FF xx
  Entropy, // inside scan data
}

type Step = 'more' | 'again';

function isSof(code: number): boolean {
  // C0–CF are SOFn except C4 (DHT), C8 (JPG extension) and CC (DAC).
  return code >= 0xc0 && code <= 0xcf && code !== 0xc4 && code !== 0xc8 && code !== 0xcc;
}

/** Why a marker segment cannot belong to a well-formed JPEG, or undefined when it can. */
function segmentProblem(code: number, payload: Uint8Array, sawSof: boolean): string | undefined {
  if (code >= 0x02 && code <= 0xbf) return `reserved JPEG marker ${code.toString(16)}`;
  if (isSof(code)) {
    if (sawSof) return 'second SOF in one frame';
    const components = payload[5] ?? 0;
    if (components < 1 || payload.length !== 6 + 3 * components) return 'JPEG SOF length does not match its components';
    return undefined;
  }
  switch (code) {
    case 0xda: {
      if (!sawSof) return 'JPEG scan before any SOF';
      const components = payload[0] ?? 0;
      if (components < 1 || components > 4 || payload.length !== 4 + 2 * components) return 'JPEG SOS length does not match its components';
      return undefined;
    }
    case 0xdb: {
      let i = 0;
      while (i < payload.length) {
        const precision = payload[i]! >> 4;
        if (precision > 1) return 'JPEG DQT precision invalid';
        i += precision ? 129 : 65;
      }
      return i === payload.length ? undefined : 'JPEG DQT length does not match its tables';
    }
    case 0xc4: {
      let i = 0;
      while (i < payload.length) {
        if (payload[i]! >> 4 > 1 || i + 17 > payload.length) return 'JPEG DHT table header invalid';
        let symbols = 0;
        for (let k = 1; k <= 16; k++) symbols += payload[i + k]!;
        i += 17 + symbols;
      }
      return i === payload.length ? undefined : 'JPEG DHT length does not match its tables';
    }
    case 0xdd:
      return payload.length === 2 ? undefined : 'JPEG DRI length invalid';
    default:
      return undefined; // APPn, COM and the rare rest carry free-form payloads
  }
}

export class MjpegParser {
  readonly maxFrameBytes: number;
  readonly stats: MjpegParserStats = { frames: 0, corrupt: 0, oversized: 0, garbageBytes: 0 };
  private readonly onError: (error: XacminhError) => void;
  private readonly window = new ByteWindow();
  private state = State.Seek;
  /** Parse position, relative to the window start; the current frame (if any) starts at window offset 0. */
  private pos = 0;
  private width = 0;
  private height = 0;
  private sawScan = false;
  private sawSof = false;
  private ending = false;
  private out: ParsedJpeg[] = [];

  constructor(options: MjpegParserOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.onError = options.onError ?? (() => {});
  }

  /** Feeds bytes; returns the frames they completed, oldest first. */
  push(chunk: Uint8Array): ParsedJpeg[] {
    this.window.append(chunk);
    this.run();
    return this.takeOutput();
  }

  /** End of stream: an unfinished frame is reported as truncated, and its bytes rescanned for a later frame. */
  end(): ParsedJpeg[] {
    this.ending = true;
    this.run();
    this.ending = false;
    this.window.clear();
    this.state = State.Seek;
    this.pos = 0;
    return this.takeOutput();
  }

  /** Bytes held right now (the frame in progress): the memory bound tests check. */
  get bufferedBytes(): number {
    return this.window.length;
  }

  private takeOutput(): ParsedJpeg[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private run(): void {
    for (;;) {
      const step = this.state === State.Seek ? this.seek() : this.state === State.Marker ? this.marker() : this.entropy();
      if (step === 'again') continue;
      if (this.state !== State.Seek && this.window.length > this.maxFrameBytes) {
        this.tooLarge();
        continue;
      }
      if (this.ending && this.state !== State.Seek) {
        this.corrupt('JPEG frame truncated by the end of the stream');
        continue;
      }
      return;
    }
  }

  private seek(): Step {
    const bytes = this.window.view();
    let i = bytes.indexOf(0xff, this.pos);
    while (i >= 0 && i + 1 < bytes.length && bytes[i + 1] !== 0xd8) i = bytes.indexOf(0xff, i + 1);
    if (i < 0 || i + 1 >= bytes.length) {
      // Keep a trailing FF: it may be the first half of an SOI split across chunks.
      const keep = i >= 0 ? bytes.length - i : 0;
      this.stats.garbageBytes += bytes.length - keep;
      this.window.discard(bytes.length - keep);
      this.pos = 0;
      return 'more';
    }
    this.stats.garbageBytes += i;
    this.window.discard(i);
    this.beginFrame();
    return 'again';
  }

  private beginFrame(): void {
    this.pos = 2;
    this.state = State.Marker;
    this.width = 0;
    this.height = 0;
    this.sawScan = false;
    this.sawSof = false;
  }

  private marker(): Step {
    const bytes = this.window.view();
    let p = this.pos;
    if (p >= bytes.length) return 'more';
    if (bytes[p] !== 0xff) return this.corrupt('JPEG marker expected');
    while (p < bytes.length && bytes[p] === 0xff) p++; // fill bytes before a marker code are legal
    if (p >= bytes.length) return 'more';
    const code = bytes[p]!;
    const markerAt = p - 1;
    if (code === 0x00) return this.corrupt('JPEG marker code 00 outside scan data');
    if (code === 0xd8) return this.restartAt(markerAt);
    if (code === 0xd9) return this.finish(p + 1);
    if ((code >= 0xd0 && code <= 0xd7) || code === 0x01) {
      this.pos = p + 1; // standalone markers carry no length
      return 'again';
    }
    if (p + 2 >= bytes.length) return 'more';
    const length = (bytes[p + 1]! << 8) | bytes[p + 2]!;
    if (length < 2) return this.corrupt('JPEG segment length below 2');
    const segmentEnd = p + 1 + length;
    if (segmentEnd > bytes.length) return 'more';
    // Checking each table segment's length against its content is what exposes a corrupt length that
    // jumped into the middle of another frame: landing on a consistent segment by chance is very unlikely.
    const problem = segmentProblem(code, bytes.subarray(p + 3, segmentEnd), this.sawSof);
    if (problem) return this.corrupt(problem);
    if (isSof(code)) {
      this.sawSof = true;
      this.height = (bytes[p + 4]! << 8) | bytes[p + 5]!;
      this.width = (bytes[p + 6]! << 8) | bytes[p + 7]!;
    }
    this.pos = segmentEnd;
    if (code === 0xda) {
      this.sawScan = true;
      this.state = State.Entropy;
    }
    return 'again';
  }

  private entropy(): Step {
    const bytes = this.window.view();
    let i = bytes.indexOf(0xff, this.pos);
    for (;;) {
      if (i < 0) {
        this.pos = bytes.length;
        return 'more';
      }
      if (i + 1 >= bytes.length) {
        this.pos = i; // look at this FF again once its follower arrives
        return 'more';
      }
      const next = bytes[i + 1]!;
      if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
        i = bytes.indexOf(0xff, i + 2);
        continue;
      }
      if (next === 0xff) {
        i += 1; // fill byte: the next FF starts the marker
        continue;
      }
      if (next === 0xd9) return this.finish(i + 2);
      if (next === 0xd8) return this.restartAt(i);
      // Any other marker (DHT, SOS of the next progressive scan, DNL…) ends this scan.
      this.pos = i;
      this.state = State.Marker;
      return 'again';
    }
  }

  private finish(end: number): Step {
    if (end > this.maxFrameBytes) {
      this.tooLarge();
      return 'again';
    }
    if (!this.sawScan || this.width === 0 || this.height === 0) {
      return this.corrupt(this.sawScan ? 'JPEG frame without a usable SOF' : 'JPEG frame ended before any scan');
    }
    const jpeg = this.window.view().slice(0, end);
    this.out.push({ jpeg, width: this.width, height: this.height });
    this.stats.frames++;
    this.window.discard(end);
    this.pos = 0;
    this.state = State.Seek;
    return 'again';
  }

  /** An SOI inside a frame: the frame was cut short and a new one begins here. */
  private restartAt(offset: number): Step {
    this.report('MALFORMED_DATA', 'JPEG frame truncated by the next SOI', { offset });
    this.stats.corrupt++;
    this.window.discard(offset);
    this.beginFrame();
    return 'again';
  }

  /** Broken structure: rescan from just after this frame's SOI, so a frame hidden inside is not lost. */
  private corrupt(reason: string): Step {
    this.report('MALFORMED_DATA', reason, { offset: this.pos });
    this.stats.corrupt++;
    this.window.discard(1);
    this.stats.garbageBytes += 1;
    this.pos = 0;
    this.state = State.Seek;
    return 'again';
  }

  private tooLarge(): void {
    this.report('FRAME_TOO_LARGE', `JPEG frame exceeds ${this.maxFrameBytes} bytes`, {
      limit: this.maxFrameBytes,
      buffered: this.window.length,
    });
    this.stats.oversized++;
    // Resync on the next SOI after what we have seen; the oversized frame is not rescanned.
    this.stats.garbageBytes += this.window.length;
    this.window.clear();
    this.pos = 0;
    this.state = State.Seek;
  }

  private report(code: 'MALFORMED_DATA' | 'FRAME_TOO_LARGE', message: string, evidence: Record<string, unknown>): void {
    try {
      this.onError(new XacminhError(code, message, { source: 'mjpeg', ...evidence }));
    } catch {
      // A listener's bug must not break the stream.
    }
  }
}

/** Reads one complete JPEG (e.g. a file or an HTTP part): its size, or a typed error. */
export function inspectJpeg(bytes: Uint8Array, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): ParsedJpeg {
  const errors: XacminhError[] = [];
  const parser = new MjpegParser({ maxFrameBytes, onError: (e) => errors.push(e) });
  const frames = [...parser.push(bytes), ...parser.end()];
  const frame = frames[0];
  // Trailing bytes after EOI are tolerated (some encoders pad); anything before SOI or inside is not.
  if (frames.length !== 1 || !frame || parser.stats.corrupt > 0 || bytes[0] !== 0xff || bytes[1] !== 0xd8) {
    const tooLarge = errors.find((e) => e.code === 'FRAME_TOO_LARGE');
    if (tooLarge) throw tooLarge;
    throw new XacminhError('MALFORMED_DATA', 'Not exactly one complete JPEG image', {
      bytes: bytes.length,
      frames: frames.length,
      firstProblem: errors[0]?.message,
    });
  }
  return frame;
}
