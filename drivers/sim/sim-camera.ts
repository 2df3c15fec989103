/**
 * The simulated camera: whoever stands at the counter (a face picture, or nobody) shown on a plain
 * background with a little hand-held jitter, as JPEG frames at a fixed rate. The demo and agent tests
 * use it; it is a still picture, so it can never pass an active liveness challenge.
 */
import sharp from 'sharp';
import { XacminhError } from '../errors.ts';
import { FrameSourceBase } from '../camera/frame-source-base.ts';
import { monotonicNow } from '../camera/types.ts';
import { mulberry32 } from '../prng.ts';

export interface SimulatedCameraOptions {
  width?: number;
  height?: number;
  fps?: number;
  /** Distinct jittered frames rendered per subject, then replayed (rendering every frame would cost CPU for nothing). */
  variants?: number;
}

export class SimulatedCamera extends FrameSourceBase {
  private readonly width: number;
  private readonly height: number;
  private readonly fps: number;
  private readonly variants: number;
  private frames: Uint8Array[] = [];
  private index = 0;
  private sequence = 0;
  private received = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: SimulatedCameraOptions = {}) {
    super(1);
    this.width = options.width ?? 640;
    this.height = options.height ?? 480;
    this.fps = options.fps ?? 10;
    this.variants = options.variants ?? 6;
  }

  get stats(): { received: number; dropped: number; restarts: number } {
    return { received: this.received, dropped: this.mailbox.dropped, restarts: 0 };
  }

  /** Puts a face picture (JPEG/PNG bytes) in front of the camera; null leaves an empty counter. */
  async show(subject: Uint8Array | null): Promise<void> {
    const random = mulberry32(subject ? subject.length : 1);
    const rendered: Uint8Array[] = [];
    for (let i = 0; i < this.variants; i++) rendered.push(await this.render(subject, random));
    this.frames = rendered;
    this.index = 0;
  }

  async start(): Promise<void> {
    if (this.timer) return;
    if (this.frames.length === 0) await this.show(null);
    this.mailbox.reopen();
    this.timer = setInterval(() => this.tick(), 1000 / this.fps);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.mailbox.close();
  }

  private tick(): void {
    const jpeg = this.frames[this.index++ % this.frames.length];
    if (!jpeg) return;
    this.received++;
    this.mailbox.push({ jpeg, width: this.width, height: this.height, timestamp: monotonicNow(), sequence: ++this.sequence });
  }

  private async render(subject: Uint8Array | null, random: () => number): Promise<Uint8Array> {
    const background = { r: 205, g: 200, b: 190 };
    const canvas = sharp({ create: { width: this.width, height: this.height, channels: 3, background } });
    if (!subject) return new Uint8Array(await canvas.jpeg({ quality: 85 }).toBuffer());
    try {
      const faceHeight = Math.round(this.height * (0.62 + random() * 0.04));
      const face = await sharp(subject).resize({ height: faceHeight }).modulate({ brightness: 0.95 + random() * 0.1 }).toBuffer({ resolveWithObject: true });
      const left = Math.max(0, Math.round((this.width - face.info.width) / 2 + (random() - 0.5) * 12));
      const top = Math.max(0, Math.round((this.height - faceHeight) / 2 + (random() - 0.5) * 12));
      return new Uint8Array(await canvas.composite([{ input: face.data, left, top }]).jpeg({ quality: 85 }).toBuffer());
    } catch (cause) {
      throw new XacminhError('MALFORMED_DATA', 'The simulated camera cannot use this picture', {}, { cause });
    }
  }
}
