/**
 * The kiosk's own extra routes, kept apart from server.ts: the camera preview (preview-route.ts) and the
 * spoken prompts. GET /kiosk.json tells the page what this terminal has: a camera preview, and the clips there
 * are (none when ui.audio is off or espeak-ng is missing); GET /audio/<id>.wav plays one. Only ids of the
 * prepared map reach the file system.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SECURITY_HEADERS, sendJson } from './http-util.ts';
import { PREVIEW_PATH, PreviewStreams, type PreviewSource, type PreviewStreamOptions } from './preview-route.ts';
import type { SpeechClips } from './speech.ts';
import { ERROR_TEXT } from './public/strings.js';

export interface KioskRouteOptions {
  preview?: PreviewSource;
  previewOptions?: PreviewStreamOptions;
  /** Clip id → WAV file (agent/ui/speech.ts prepareSpeech); absent or empty: the kiosk is silent. */
  audio?: SpeechClips;
  log?: { warn(obj: object, msg?: string): void };
}

const FEATURES = '/kiosk.json';
const AUDIO_CLIP = /^\/audio\/([a-z-]{1,40})\.wav$/;

export class KioskRoutes {
  private readonly preview: PreviewStreams | undefined;
  private readonly audio: SpeechClips;

  constructor(private readonly options: KioskRouteOptions) {
    this.preview = options.preview ? new PreviewStreams(options.preview, { ...options.previewOptions, ...(options.log ? { log: options.log } : {}) }) : undefined;
    this.audio = options.audio ?? new Map();
  }

  handles(path: string): boolean {
    return path === PREVIEW_PATH || path === FEATURES || AUDIO_CLIP.test(path);
  }

  /** What /healthz adds on a terminal with a preview: open preview streams and pictures sent. */
  get status(): { previewClients?: number; previewPictures?: number } {
    return this.preview ? { previewClients: this.preview.size, previewPictures: this.preview.picturesSent } : {};
  }

  /**
   * `allowed`: the caller's verdict for this client, the same as for the kiosk's /events (this machine, or the
   * operator token): the picture shows whoever stands at the counter.
   */
  handle(req: IncomingMessage, res: ServerResponse, path: string, allowed: boolean): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Use GET' }, { Allow: 'GET, HEAD' });
    if (!allowed) {
      return sendJson(res, 401, { code: 'UNAUTHORIZED', message: 'From another machine this needs the operator token', messageVi: ERROR_TEXT.UNAUTHORIZED }, { 'WWW-Authenticate': 'Bearer' });
    }
    if (path === PREVIEW_PATH) {
      if (!this.preview) return sendJson(res, 404, { code: 'NOT_FOUND', message: 'This terminal has no camera preview' });
      return this.preview.handle(req, res);
    }
    if (path === FEATURES) return sendJson(res, 200, { preview: this.preview !== undefined, clips: [...this.audio.keys()] });
    const file = this.audio.get(AUDIO_CLIP.exec(path)![1]!);
    if (!file) return sendJson(res, 404, { code: 'NOT_FOUND', message: `No spoken prompt at ${path}` });
    const stream = createReadStream(file);
    stream.once('open', () => {
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'audio/wav', 'Cache-Control': 'max-age=3600' });
      if (req.method === 'HEAD') {
        stream.destroy();
        res.end();
      } else stream.pipe(res);
    });
    stream.once('error', (error) => {
      this.options.log?.warn({ err: error, path }, 'kiosk: a spoken prompt could not be read');
      if (!res.headersSent) sendJson(res, 404, { code: 'NOT_FOUND', message: `No spoken prompt at ${path}` });
      else res.destroy();
    });
  }

  close(): void {
    this.preview?.close();
  }
}
