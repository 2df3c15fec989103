/**
 * Camera commands: a V4L2 webcam through ffmpeg, the Raspberry Pi camera through rpicam-vid, and a video
 * file through ffmpeg (for tests and demos). Each is a CommandSource, so all share the supervisor.
 */
import { XacminhError } from '../errors.ts';
import { CommandSource, type CommandSourceOptions } from './command-source.ts';
import type { CommandSpec } from './process-session.ts';

export interface CaptureFormat {
  width: number;
  height: number;
  framerate: number;
}

/** ffmpeg's JPEG quality scale: 2 (best) … 31; 5 keeps faces sharp at ~40 KB per 640×480 frame. */
const DEFAULT_QSCALE = 5;
const FFMPEG_QUIET = ['-nostdin', '-hide_banner', '-loglevel', 'error'];

function checkFormat(format: CaptureFormat): void {
  const ok = (n: number, max: number) => Number.isInteger(n) && n > 0 && n <= max;
  if (!ok(format.width, 8192) || !ok(format.height, 8192) || !(format.framerate > 0 && format.framerate <= 240)) {
    throw new XacminhError('INVALID_INPUT', 'Bad camera capture format', { ...format });
  }
}

export interface V4l2Options extends CommandSourceOptions, CaptureFormat {
  device: string;
  /** What the camera delivers: 'mjpeg' (most USB webcams at ≥ 720p) or a raw format such as 'yuyv422'. */
  inputFormat?: string;
  /** With MJPEG input, pass the camera's JPEGs through untouched instead of re-encoding them. */
  copy?: boolean;
  qscale?: number;
  ffmpegPath?: string;
}

export function v4l2Command(o: V4l2Options): CommandSpec {
  checkFormat(o);
  const inputFormat = o.inputFormat ?? 'mjpeg';
  const passThrough = o.copy === true && inputFormat === 'mjpeg';
  return {
    command: o.ffmpegPath ?? 'ffmpeg',
    args: [
      ...FFMPEG_QUIET,
      '-f', 'v4l2',
      '-input_format', inputFormat,
      '-video_size', `${o.width}x${o.height}`,
      '-framerate', String(o.framerate),
      '-i', o.device,
      ...(passThrough ? ['-c:v', 'copy'] : ['-q:v', String(o.qscale ?? DEFAULT_QSCALE)]),
      '-f', 'mjpeg',
      '-',
    ],
  };
}

export class FfmpegV4l2Source extends CommandSource {
  constructor(options: V4l2Options) {
    super(v4l2Command(options), { name: `v4l2:${options.device}`, ...options });
  }
}

export interface RpicamOptions extends CommandSourceOptions, CaptureFormat {
  /** 'rpicam-vid' on Raspberry Pi OS bookworm; 'libcamera-vid' on bullseye. */
  command?: string;
  /** JPEG quality 1–100. */
  quality?: number;
  /** Camera index when several are attached. */
  camera?: number;
}

export function rpicamCommand(o: RpicamOptions): CommandSpec {
  checkFormat(o);
  return {
    command: o.command ?? 'rpicam-vid',
    args: [
      '--nopreview',
      '--codec', 'mjpeg',
      '-t', '0',
      '--width', String(o.width),
      '--height', String(o.height),
      '--framerate', String(o.framerate),
      '--quality', String(o.quality ?? 85),
      ...(o.camera !== undefined ? ['--camera', String(o.camera)] : []),
      '-o', '-',
    ],
  };
}

export class RpicamSource extends CommandSource {
  constructor(options: RpicamOptions) {
    super(rpicamCommand(options), { name: `rpicam:${options.camera ?? 0}`, ...options });
  }
}

export interface VideoFileOptions extends CommandSourceOptions {
  path: string;
  /** Pace frames at the file's own rate, like a live camera (default); false decodes as fast as possible. */
  realtime?: boolean;
  /** Start over at the end instead of ending the stream. */
  loop?: boolean;
  /** Resample to this rate. */
  framerate?: number;
  /** Scale to this size. */
  width?: number;
  height?: number;
  qscale?: number;
  ffmpegPath?: string;
}

export function videoFileCommand(o: VideoFileOptions): CommandSpec {
  const filters: string[] = [];
  if (o.framerate !== undefined) filters.push(`fps=${o.framerate}`);
  if (o.width !== undefined || o.height !== undefined) filters.push(`scale=${o.width ?? -2}:${o.height ?? -2}`);
  return {
    command: o.ffmpegPath ?? 'ffmpeg',
    args: [
      ...FFMPEG_QUIET,
      ...(o.realtime === false ? [] : ['-re']),
      ...(o.loop ? ['-stream_loop', '-1'] : []),
      '-i', o.path,
      '-an',
      ...(filters.length ? ['-vf', filters.join(',')] : []),
      '-q:v', String(o.qscale ?? DEFAULT_QSCALE),
      '-f', 'mjpeg',
      '-',
    ],
  };
}

export class VideoFileSource extends CommandSource {
  constructor(options: VideoFileOptions) {
    super(videoFileCommand(options), { name: `file:${options.path}`, finite: !options.loop, ...options });
  }
}
