/**
 * GET /preview.mjpeg: the camera picture the kiosk shows inside the face guide while the face step runs, as
 * multipart/x-mixed-replace (an <img> plays it with no script). At most 5 pictures a second and a few clients:
 * it is a guide for the customer's eyes, not a video, and the face step keeps the CPU. A frame wider than
 * 640 px is shrunk once per picture sent, whatever the number of clients (sharp's shrink-on-load makes that
 * a fraction of a full decode); nothing is encoded while nobody watches. Every stream ends when the face
 * step lets go of the frames, and the picture is never written anywhere.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type sharpDefault from 'sharp';
import { SECURITY_HEADERS, sendJson } from './http-util.ts';
import { ERROR_TEXT } from './public/strings.js';

export const PREVIEW_PATH = '/preview.mjpeg';
/** The kiosk's screen, plus a technician's or test's look: more is refused (503). */
export const MAX_PREVIEW_CLIENTS = 3;

export interface PreviewFrame {
  jpeg: Uint8Array;
  width: number;
  height: number;
  sequence: number;
}

/** What the server reads (agent/run/preview.ts PreviewTap): the newest picture while a face step runs. */
export interface PreviewSource {
  latest(): PreviewFrame | undefined;
  readonly active: boolean;
  on(event: 'frame' | 'start' | 'end', listener: () => void): unknown;
  off(event: 'frame' | 'start' | 'end', listener: () => void): unknown;
}

export interface PreviewStreamOptions {
  /** Time between pictures; 200 ms = 5 per second. */
  intervalMs?: number;
  /** Wider frames are shrunk to this width. */
  maxWidth?: number;
  /** A stream that got no picture for this long ends (a page left open with no face step). */
  idleMs?: number;
  log?: { warn(obj: object, msg?: string): void };
}

const BOUNDARY = 'xacminh-frame';
/** A client that stopped reading skips pictures instead of buffering them. */
const MAX_BUFFERED_BYTES = 512 * 1024;

type Sharp = typeof sharpDefault;
let sharpLoad: Promise<Sharp | undefined> | undefined;
const loadSharp = () => (sharpLoad ??= import('sharp').then((m) => m.default, () => undefined));

interface Client {
  res: ServerResponse;
  lastPictureAt: number;
}

export class PreviewStreams {
  private readonly clients = new Set<Client>();
  private timer: NodeJS.Timeout | undefined;
  private lastSequence = -1;
  private encoding = false;
  private sent = 0;
  private readonly intervalMs: number;
  private readonly maxWidth: number;
  private readonly idleMs: number;
  private readonly onEnd = () => this.endAll();

  constructor(
    private readonly source: PreviewSource,
    private readonly options: PreviewStreamOptions = {},
  ) {
    this.intervalMs = Math.max(200, options.intervalMs ?? 200);
    this.maxWidth = options.maxWidth ?? 640;
    this.idleMs = options.idleMs ?? 30_000;
    source.on('end', this.onEnd);
  }

  get size(): number {
    return this.clients.size;
  }

  /** Pictures written over all streams since start (the tests and /healthz read it). */
  get picturesSent(): number {
    return this.sent;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.clients.size >= MAX_PREVIEW_CLIENTS) {
      return sendJson(res, 503, { code: 'TOO_MANY_STREAMS', message: `At most ${MAX_PREVIEW_CLIENTS} camera previews at once`, messageVi: ERROR_TEXT.TOO_MANY_STREAMS }, { 'Retry-After': '5' });
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`,
      'Cache-Control': 'no-store',
      Connection: 'close',
      'X-Accel-Buffering': 'no',
    });
    if (req.method === 'HEAD') return void res.end();
    res.flushHeaders(); // the page's <img> waits for them; the first picture may be a while
    const client: Client = { res, lastPictureAt: Date.now() };
    this.clients.add(client);
    const drop = () => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.stopTimer();
    };
    req.on('close', drop);
    res.on('close', drop);
    res.on('error', drop);
    this.lastSequence = -1; // the newcomer gets the current picture at once
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
    void this.tick();
  }

  close(): void {
    this.source.off('end', this.onEnd);
    this.endAll();
  }

  private endAll(): void {
    for (const { res } of this.clients) res.end(`--${BOUNDARY}--\r\n`);
    this.clients.clear();
    this.stopTimer();
    this.lastSequence = -1;
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    for (const client of this.clients) {
      if (now - client.lastPictureAt > this.idleMs) {
        this.clients.delete(client);
        client.res.end(`--${BOUNDARY}--\r\n`);
      }
    }
    if (this.clients.size === 0) return this.stopTimer();
    const frame = this.source.latest();
    if (this.encoding || !frame || frame.sequence === this.lastSequence) return;
    this.encoding = true;
    try {
      this.lastSequence = frame.sequence;
      const jpeg = await this.shrink(frame);
      if (!jpeg) return;
      const head = Buffer.from(`--${BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`);
      for (const client of this.clients) {
        if (client.res.writableLength > MAX_BUFFERED_BYTES) continue;
        client.res.write(Buffer.concat([head, jpeg, Buffer.from('\r\n')]));
        client.lastPictureAt = Date.now();
        this.sent++;
      }
    } finally {
      this.encoding = false;
    }
  }

  /** The picture as sent: as it came when small enough, else shrunk; undefined for a JPEG sharp cannot read. */
  private async shrink(frame: PreviewFrame): Promise<Uint8Array | undefined> {
    if (frame.width <= this.maxWidth) return frame.jpeg;
    const sharp = await loadSharp();
    if (!sharp) return frame.jpeg;
    try {
      return await sharp(frame.jpeg, { sequentialRead: true }).resize({ width: this.maxWidth, withoutEnlargement: true, fastShrinkOnLoad: true }).jpeg({ quality: 70 }).toBuffer();
    } catch (error) {
      this.options.log?.warn({ err: error, sequence: frame.sequence }, 'kiosk: a camera picture could not be shrunk for the preview');
      return undefined;
    }
  }
}
