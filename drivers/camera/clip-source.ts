/**
 * A recorded clip played as a camera, NOT in real time: frame i is handed over only when the consumer asks for
 * it, stamped t0 + i·1000/fps (t0 = monotonicNow() at the first pull after start()), and the stream ends after
 * the last frame. So however slow the models are, every recorded frame is judged, and the judge sees the
 * recording's own timing (blink length, reaction time, response window), not the speed of this machine.
 * Sources: a folder of images (name order, read one at a time), or JPEGs already in memory (a decoded video).
 */
import { XacminhError } from '../errors.ts';
import { VideoFileSource } from './ffmpeg-sources.ts';
import { listImages, readImageAsJpeg } from './folder-source.ts';
import { FrameSourceBase } from './frame-source-base.ts';
import { inspectJpeg } from './mjpeg-parser.ts';
import { monotonicNow, type Frame, type FrameSourceStats } from './types.ts';

export const VIDEO_CLIP_EXTENSIONS: readonly string[] = Object.freeze(['.mp4', '.mkv', '.webm', '.avi']);
/** A decoded video is held in memory (≈ 50–100 KB a 720p frame): a liveness clip lasts seconds, not minutes. */
export const MAX_VIDEO_CLIP_FRAMES = 900;

interface ClipFrames {
  readonly count: number;
  load(index: number): Promise<Uint8Array>;
  /** Where frame `index` came from, for error messages. */
  describe(index: number): string;
}

export class ClipSource extends FrameSourceBase {
  private running = false;
  private index = 0;
  private t0: number | undefined;
  private received = 0;
  private pulling: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly frames: ClipFrames,
    readonly fps: number,
  ) {
    super(1);
    if (!(fps > 0 && fps <= 1000)) throw new XacminhError('INVALID_INPUT', 'fps must be in (0, 1000]', { fps });
  }

  /** The images of `folder` in name order (listImages); none is an error, like an empty recording. */
  static async fromFolder(folder: string, fps: number): Promise<ClipSource> {
    let files: string[];
    try {
      files = await listImages(folder);
    } catch (cause) {
      throw new XacminhError('CAMERA_UNAVAILABLE', `Cannot read clip folder ${folder}`, { folder }, { cause });
    }
    return ClipSource.fromFiles(files, fps, folder);
  }

  /** Image files (JPEG, PNG, WebP) played in the order given, each read when it is pulled. */
  static fromFiles(files: readonly string[], fps: number, name = 'clip'): ClipSource {
    if (files.length === 0) throw new XacminhError('INVALID_INPUT', `No images (.jpg, .png, .webp) in ${name}`, { name });
    return new ClipSource({ count: files.length, load: (i) => readImageAsJpeg(files[i]!), describe: (i) => files[i]! }, fps);
  }

  static fromJpegs(jpegs: readonly Uint8Array[], fps: number, name = 'clip'): ClipSource {
    if (jpegs.length === 0) throw new XacminhError('INVALID_INPUT', `No frames in ${name}`, { name });
    return new ClipSource({ count: jpegs.length, load: async (i) => jpegs[i]!, describe: (i) => `${name} frame ${i + 1}` }, fps);
  }

  /** A video file decoded by ffmpeg (resampled to `fps`, so the timestamps are the recording's own time). */
  static async fromVideo(path: string, fps: number): Promise<ClipSource> {
    return ClipSource.fromJpegs(await decodeVideo(path, fps), fps, path);
  }

  /** Frames in the clip. */
  get length(): number {
    return this.frames.count;
  }

  get stats(): FrameSourceStats {
    return { received: this.received, dropped: 0, restarts: 0 };
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.index = 0;
    this.t0 = undefined;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.pulling.catch(() => undefined);
  }

  override [Symbol.asyncIterator](): AsyncIterator<Frame> {
    return { next: () => this.pull(), return: async () => ({ value: undefined, done: true }) };
  }

  /** One pull at a time: two consumers asking at once get consecutive frames, never the same one twice. */
  private pull(): Promise<IteratorResult<Frame>> {
    const next = this.pulling.then(() => this.nextFrame());
    this.pulling = next.catch(() => undefined);
    return next;
  }

  private async nextFrame(): Promise<IteratorResult<Frame>> {
    while (this.running && this.index < this.frames.count) {
      this.t0 ??= monotonicNow();
      const i = this.index++;
      try {
        const jpeg = await this.frames.load(i);
        const { width, height } = inspectJpeg(jpeg);
        if (!this.running) break;
        this.received++;
        // The sequence is the frame's place in the clip: a gap shows an unreadable frame was skipped.
        return { value: { jpeg, width, height, timestamp: this.t0 + (i * 1000) / this.fps, sequence: i + 1 }, done: false };
      } catch (cause) {
        const error = cause instanceof XacminhError ? cause : new XacminhError('MALFORMED_DATA', `Cannot read ${this.frames.describe(i)}`, { frame: i + 1 }, { cause });
        this.emit('badFrame', error);
      }
    }
    return { value: undefined, done: true };
  }
}

/** All frames of a video file through ffmpeg as fast as it decodes (VideoFileSource), held until played. */
async function decodeVideo(path: string, fps: number): Promise<Uint8Array[]> {
  const source = new VideoFileSource({ path, realtime: false, framerate: fps, bufferFrames: MAX_VIDEO_CLIP_FRAMES + 1, maxRestarts: 0, stallTimeoutMs: 30_000 });
  const jpegs: Uint8Array[] = [];
  await source.start();
  try {
    for await (const frame of source) {
      if (frame.jpeg) jpegs.push(frame.jpeg);
      if (jpegs.length > MAX_VIDEO_CLIP_FRAMES) break;
    }
  } catch (cause) {
    throw new XacminhError('INVALID_INPUT', `Cannot decode video clip ${path} with ffmpeg (is ffmpeg installed? is the file a video?)`, { path }, { cause });
  } finally {
    await source.stop();
  }
  if (jpegs.length > MAX_VIDEO_CLIP_FRAMES || source.stats.dropped > 0) {
    throw new XacminhError('INVALID_INPUT', `Video clip ${path} is longer than ${MAX_VIDEO_CLIP_FRAMES} frames at ${fps} fps: cut it to the challenge (a few seconds)`, { path, fps });
  }
  return jpegs;
}
