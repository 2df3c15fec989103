/**
 * Images from a folder played as a camera at a fixed rate, in name order, looping: for demos, benchmarks
 * and tests without a camera. JPEGs are passed through; PNG/WebP are converted to JPEG once (via sharp)
 * so every Frame looks like a camera frame.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { XacminhError } from '../errors.ts';
import { FrameSourceBase } from './frame-source-base.ts';
import { inspectJpeg } from './mjpeg-parser.ts';
import { monotonicNow } from './types.ts';

export interface FolderSourceOptions {
  folder: string;
  fps: number;
  /** Start over after the last image (default); false ends the stream. */
  loop?: boolean;
  /** Include images in sub-folders (ordered by relative path). */
  recursive?: boolean;
  bufferFrames?: number;
}

const JPEG_EXT = new Set(['.jpg', '.jpeg']);
const CONVERT_EXT = new Set(['.png', '.webp']);

export class FolderSource extends FrameSourceBase {
  private files: string[] = [];
  private index = 0;
  private sequence = 0;
  private received = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private inFlight: Promise<void> | undefined;
  private readonly converted = new Map<string, Uint8Array>();

  constructor(private readonly options: FolderSourceOptions) {
    super(options.bufferFrames ?? 1);
    if (!(options.fps > 0 && options.fps <= 1000)) throw new XacminhError('INVALID_INPUT', 'fps must be in (0, 1000]', { fps: options.fps });
  }

  get stats(): { received: number; dropped: number; restarts: number } {
    return { received: this.received, dropped: this.mailbox.dropped, restarts: 0 };
  }

  /** Frames waiting for the consumer right now (never above bufferFrames). */
  get buffered(): number {
    return this.mailbox.size;
  }

  /** The files played, in order (after start()). */
  get playlist(): readonly string[] {
    return this.files;
  }

  async start(): Promise<void> {
    if (this.running) return;
    let files: string[];
    try {
      files = await listImages(this.options.folder, this.options.recursive ?? false);
    } catch (cause) {
      throw new XacminhError('CAMERA_UNAVAILABLE', `Cannot read image folder ${this.options.folder}`, { folder: this.options.folder }, { cause });
    }
    if (files.length === 0) {
      throw new XacminhError('CAMERA_UNAVAILABLE', `No images in ${this.options.folder}`, { folder: this.options.folder });
    }
    this.files = files;
    this.index = 0;
    this.running = true;
    this.mailbox.reopen();
    this.timer = setInterval(() => this.tick(), 1000 / this.options.fps);
    this.tick();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    await this.inFlight;
    this.mailbox.close();
  }

  private tick(): void {
    if (!this.running || this.inFlight) return; // a slow disk skips ticks rather than piling reads up
    if (this.index >= this.files.length) {
      if (this.options.loop === false) {
        this.running = false;
        clearInterval(this.timer);
        this.mailbox.close();
        return;
      }
      this.index = 0;
    }
    const file = this.files[this.index++]!;
    this.inFlight = this.emitFile(file).finally(() => (this.inFlight = undefined));
  }

  private async emitFile(file: string): Promise<void> {
    try {
      const jpeg = await this.loadJpeg(file);
      const { width, height } = inspectJpeg(jpeg);
      if (!this.running) return;
      this.received++;
      this.mailbox.push({ jpeg, width, height, timestamp: monotonicNow(), sequence: ++this.sequence });
    } catch (cause) {
      const error =
        cause instanceof XacminhError ? cause : new XacminhError('MALFORMED_DATA', `Cannot read image ${file}`, { file }, { cause });
      this.emit('badFrame', error);
    }
  }

  private async loadJpeg(file: string): Promise<Uint8Array> {
    if (JPEG_EXT.has(extname(file).toLowerCase())) return readImageAsJpeg(file);
    const cached = this.converted.get(file);
    if (cached) return cached;
    const jpeg = await readImageAsJpeg(file);
    this.converted.set(file, jpeg);
    return jpeg;
  }
}

/** One image file as a camera would send it: JPEGs as they are, PNG/WebP converted (via sharp). */
export async function readImageAsJpeg(file: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(await readFile(file));
  if (JPEG_EXT.has(extname(file).toLowerCase())) return bytes;
  const { default: sharp } = await import('sharp');
  return new Uint8Array(await sharp(bytes).jpeg({ quality: 90 }).toBuffer());
}

/** The images of a folder (JPEG, PNG, WebP) in code-point order of their relative path. */
export async function listImages(folder: string, recursive = false): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => {
      const ext = extname(f).toLowerCase();
      return JPEG_EXT.has(ext) || CONVERT_EXT.has(ext);
    });
  // Code-point order of the relative path: stable across file systems and locales.
  return files.sort((a, b) => {
    const ra = relative(folder, a);
    const rb = relative(folder, b);
    return ra < rb ? -1 : ra > rb ? 1 : 0;
  });
}
