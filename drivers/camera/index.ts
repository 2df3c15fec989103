/** Camera frame sources: see types.ts for the Frame / FrameSource contract. */
export type { Frame, FrameSource, FrameSourceEvents, FrameSourceStats } from './types.ts';
export { MjpegParser, inspectJpeg, DEFAULT_MAX_FRAME_BYTES, type ParsedJpeg, type MjpegParserOptions } from './mjpeg-parser.ts';
export { MultipartMjpegParser, boundaryFromContentType } from './multipart-parser.ts';
export { SupervisedSource, type SupervisorOptions, type Session, type SessionSink } from './supervised-source.ts';
export { CommandSource, type CommandSourceOptions } from './command-source.ts';
export type { CommandSpec } from './process-session.ts';
export {
  FfmpegV4l2Source,
  RpicamSource,
  VideoFileSource,
  v4l2Command,
  rpicamCommand,
  videoFileCommand,
  type V4l2Options,
  type RpicamOptions,
  type VideoFileOptions,
} from './ffmpeg-sources.ts';
export { HttpMjpegSource, type HttpMjpegOptions } from './http-mjpeg-source.ts';
export { FolderSource, type FolderSourceOptions } from './folder-source.ts';
export { decodeFrame, activeDecoder, type DecodedFrame, type DecodeOptions } from './decode.ts';
export { Backoff, type BackoffOptions } from '../backoff.ts';
export { FrameMailbox } from './frame-mailbox.ts';
