/**
 * MJPEG over HTTP (IP cameras, `multipart/x-mixed-replace`), one GET per session through node:http(s).
 * A refused connection, a non-200 answer or a dropped stream is CAMERA_UNAVAILABLE; silence is CAMERA_STALLED
 * (the supervisor's watchdog); both reconnect with backoff. A body that is not multipart is parsed as a raw
 * MJPEG byte stream, which some cameras send.
 */
import http from 'node:http';
import https from 'node:https';
import { XacminhError } from '../errors.ts';
import { MjpegParser } from './mjpeg-parser.ts';
import { boundaryFromContentType, MultipartMjpegParser } from './multipart-parser.ts';
import { SupervisedSource, type Session, type SessionSink, type SupervisorOptions } from './supervised-source.ts';

export interface HttpMjpegOptions extends SupervisorOptions {
  url: string;
  headers?: Record<string, string>;
  /** Time allowed to connect and get the response headers. */
  connectTimeoutMs?: number;
  maxFrameBytes?: number;
}

export class HttpMjpegSource extends SupervisedSource {
  private readonly url: URL;
  private readonly options: HttpMjpegOptions;

  constructor(options: HttpMjpegOptions) {
    const url = parseCameraUrl(options.url);
    super({ name: `http:${url.host}${url.pathname}`, ...options });
    this.url = url;
    this.options = options;
  }

  protected open(sink: SessionSink): Session {
    const evidence = { source: this.name, url: redact(this.url) };
    let finished = false;
    const end = (error: XacminhError) => {
      if (finished) return;
      finished = true;
      sink.ended(error);
    };
    const client = this.url.protocol === 'https:' ? https : http;
    const request = client.get(this.url, { headers: this.options.headers, timeout: this.options.connectTimeoutMs ?? 5_000 });
    let closed: Promise<void> = new Promise((resolve) => request.once('close', resolve));

    request.on('timeout', () => {
      request.destroy();
      end(new XacminhError('CAMERA_UNAVAILABLE', `${this.name}: connection timed out`, { ...evidence, reason: 'timeout' }));
    });
    request.on('error', (cause) => {
      end(
        new XacminhError(
          'CAMERA_UNAVAILABLE',
          `${this.name}: ${cause.message}`,
          { ...evidence, reason: 'connection-error', errno: (cause as NodeJS.ErrnoException).code },
          { cause },
        ),
      );
    });
    request.on('response', (response) => {
      // The connect timeout must not cut a healthy, long-lived stream: the watchdog handles silence.
      request.setTimeout(0);
      closed = Promise.all([closed, new Promise<void>((resolve) => response.once('close', resolve))]).then(() => {});
      if (response.statusCode !== 200) {
        response.resume();
        request.destroy();
        end(
          new XacminhError('CAMERA_UNAVAILABLE', `${this.name}: HTTP ${response.statusCode}`, {
            ...evidence,
            reason: 'http-status',
            status: response.statusCode,
          }),
        );
        return;
      }
      const boundary = boundaryFromContentType(response.headers['content-type']);
      const parserOptions = { maxFrameBytes: this.options.maxFrameBytes, onError: (e: XacminhError) => sink.badFrame(e) };
      const parser = boundary ? new MultipartMjpegParser(boundary, parserOptions) : new MjpegParser(parserOptions);
      response.on('data', (chunk: Buffer) => {
        if (finished) return;
        for (const frame of parser.push(chunk)) sink.frame(frame.jpeg, frame.width, frame.height);
      });
      response.on('end', () =>
        end(new XacminhError('CAMERA_UNAVAILABLE', `${this.name}: the stream ended`, { ...evidence, reason: 'ended' })),
      );
      response.on('error', (cause) =>
        end(new XacminhError('CAMERA_UNAVAILABLE', `${this.name}: ${cause.message}`, { ...evidence, reason: 'connection-error' }, { cause })),
      );
    });

    return {
      close: async () => {
        finished = true;
        request.destroy();
        await closed;
      },
    };
  }
}

function parseCameraUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new XacminhError('INVALID_INPUT', 'Bad camera URL', {}, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new XacminhError('INVALID_INPUT', 'Camera URL must be http or https', { url: redact(url) });
  }
  return url;
}

/** Camera URLs often carry credentials: keep them out of errors and logs. */
function redact(url: URL): string {
  const copy = new URL(url.href);
  if (copy.username) copy.username = '***';
  if (copy.password) copy.password = '***';
  return copy.href;
}
