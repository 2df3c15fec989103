/**
 * JPEG → packed RGB for the frames the consumer actually uses. sharp (libvips, 4–9 ms per frame here) when
 * it loads; jpeg-js (pure JS, ~8× slower) otherwise. A corrupt or truncated JPEG is MALFORMED_DATA, never a
 * crash: libjpeg treats truncation as a warning, so sharp is told to fail on warnings.
 */
import { XacminhError } from '../errors.ts';
import type { Frame } from './types.ts';
import type sharpDefault from 'sharp';

export type DecodedFrame = Frame & { rgb: Uint8Array };

export interface DecodeOptions {
  /** Refuse images above this many pixels (a hostile JPEG header can claim 65535 × 65535). */
  maxPixels?: number;
  /** Force a decoder (tests); default: sharp when available. */
  decoder?: 'sharp' | 'jpeg-js';
}

const DEFAULT_MAX_PIXELS = 4096 * 4096;

type Sharp = typeof sharpDefault;
let sharpLoad: Promise<Sharp | undefined> | undefined;

function loadSharp(): Promise<Sharp | undefined> {
  sharpLoad ??= import('sharp').then(
    (m) => m.default,
    () => undefined,
  );
  return sharpLoad;
}

/** Which decoder decodeFrame will use. */
export async function activeDecoder(): Promise<'sharp' | 'jpeg-js'> {
  return (await loadSharp()) ? 'sharp' : 'jpeg-js';
}

/** Fills frame.rgb (once; a second call returns the cached pixels) and corrects width/height to the decoded size. */
export async function decodeFrame(frame: Frame, options: DecodeOptions = {}): Promise<DecodedFrame> {
  if (frame.rgb) return frame as DecodedFrame;
  const jpeg = frame.jpeg;
  if (!jpeg || jpeg.length === 0) throw new XacminhError('MALFORMED_DATA', 'Frame has no JPEG data', { sequence: frame.sequence });
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (frame.width * frame.height > maxPixels) {
    throw new XacminhError('FRAME_TOO_LARGE', 'Frame has too many pixels to decode', {
      width: frame.width,
      height: frame.height,
      maxPixels,
    });
  }
  const sharp = options.decoder === 'jpeg-js' ? undefined : await loadSharp();
  if (options.decoder === 'sharp' && !sharp) throw new XacminhError('UNSUPPORTED', 'sharp is not available');
  const decoded = sharp ? await decodeWithSharp(sharp, jpeg, maxPixels) : await decodeWithJpegJs(jpeg, maxPixels);
  frame.rgb = decoded.rgb;
  frame.width = decoded.width;
  frame.height = decoded.height;
  return frame as DecodedFrame;
}

interface Rgb {
  rgb: Uint8Array;
  width: number;
  height: number;
}

async function decodeWithSharp(sharp: Sharp, jpeg: Uint8Array, maxPixels: number): Promise<Rgb> {
  try {
    const { data, info } = await sharp(jpeg, { failOn: 'warning', limitInputPixels: maxPixels })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      throw new Error(`unexpected decoder output: ${info.channels} channels`);
    }
    return { rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (cause) {
    throw corrupt(jpeg, cause);
  }
}

async function decodeWithJpegJs(jpeg: Uint8Array, maxPixels: number): Promise<Rgb> {
  const { decode } = await import('jpeg-js');
  try {
    const image = decode(jpeg, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: maxPixels / 1e6,
      maxMemoryUsageInMB: 512,
    });
    if (image.data.length !== image.width * image.height * 3) throw new Error('unexpected decoder output');
    return { rgb: image.data, width: image.width, height: image.height };
  } catch (cause) {
    throw corrupt(jpeg, cause);
  }
}

function corrupt(jpeg: Uint8Array, cause: unknown): XacminhError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new XacminhError('MALFORMED_DATA', `Corrupt JPEG frame: ${message}`, { bytes: jpeg.length }, { cause });
}
