/**
 * The operator page's routes beyond the stream and the three session actions (server.ts hooks them in):
 *   GET  /operator/photo/<verificationId>/chip|frame   the chip photo and the best live frame, JPEG
 *   GET  /operator/day?date=YYYY-MM-DD&q=…&page=N&decision=…   the day's verifications (operator-day.ts)
 *   POST /api/retry-face     {verificationId}          run the face step again
 *   POST /api/reference-for  {verificationId, text}    the contract/room reference on a recorded verification
 * The GETs follow /operator/events' rule (they name or show the customer): with a token configured they need it
 * (`?token=` for an <img>, or a Bearer header), without one they answer this machine only. The POSTs follow the
 * other actions': Bearer token when configured, application/json, same-origin.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { isXacminhError } from '../../drivers/errors.ts';
import type { OperatorActions, SessionActions, SessionUpdate } from '../session/events.ts';
import { HttpError, SECURITY_HEADERS, bearerMatches, crossOrigin, readJsonBody, sendJson } from './http-util.ts';
import { DayQueryError, dayList, type DayRegister } from './operator-day.ts';
import { OperatorPhotos, type PhotoKind } from './operator-photos.ts';
import { operatorRecord, type OperatorRecord } from './operator-view.ts';
import type { ResultHistory } from './public-view.ts';
import type { SseHub } from './sse.ts';
import type { UiLogger } from './server.ts';
import { ERROR_TEXT } from './public/strings.js';
import { OPERATOR_ERROR_TEXT } from './public/operator-format.js';
import { prepareReference } from './public/validate.js';

/** The session's actions, and the agent's for recorded verifications when it provides them. */
export type UiActions = SessionActions & Partial<Pick<OperatorActions, 'retryFace' | 'setReferenceFor'>>;

export interface OperatorRoutesOptions {
  actions: UiActions;
  log: UiLogger;
  timeZone: string;
  operatorToken: string | undefined;
  /** The register's day list and counts; without it /operator/day answers 503. */
  day: DayRegister | undefined;
  /** /operator/events' rule, from server.ts. */
  mayRead(req: IncomingMessage, url: URL): boolean;
  history: ResultHistory<OperatorRecord>;
  hub: SseHub;
}

const BODY_LIMIT_BYTES = 4096;
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const PHOTO_PATH = /^\/operator\/photo\/([0-9A-Z]{26})\/(chip|frame)$/;
const POSTS = new Set(['/api/retry-face', '/api/reference-for']);

/** The operator page's own files (style.css and the shared scripts are server.ts's); no URL path reaches the disk. */
const FILES: Record<string, { file: string; type: string }> = {
  '/operator.css': { file: 'operator.css', type: 'text/css; charset=utf-8' },
  '/operator-api.js': { file: 'operator-api.js', type: 'text/javascript; charset=utf-8' },
  '/operator-results.js': { file: 'operator-results.js', type: 'text/javascript; charset=utf-8' },
  '/operator-day.js': { file: 'operator-day.js', type: 'text/javascript; charset=utf-8' },
};

export function createOperatorRoutes(options: OperatorRoutesOptions) {
  const { actions, log, timeZone, operatorToken, day, mayRead, history, hub } = options;
  const photos = new OperatorPhotos(log);
  const files = new Map(Object.entries(FILES).map(([route, f]) => [route, { body: readFileSync(join(import.meta.dirname, 'public', f.file)), type: f.type }]));

  /** The operator's view of a new result, its pictures kept for the photo route; undefined when not new. */
  function record(update: SessionUpdate): OperatorRecord | undefined {
    if (!update.record) return undefined;
    const id = update.record.id;
    // The same result announced again (the server's start) keeps the pictures already held. A retried face
    // step is a new verification (its own id, retryOf the first), so it gets a row of its own.
    if (history.list().some((r) => r.id === id)) return undefined;
    const has = photos.add(id, update.photos);
    return operatorRecord(update.record, {
      chip: has.chip ? `/operator/photo/${id}/chip` : null,
      frame: has.frame ? `/operator/photo/${id}/frame` : null,
    });
  }

  function matches(path: string): boolean {
    return POSTS.has(path) || files.has(path) || path === '/operator/day' || PHOTO_PATH.test(path);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    if (POSTS.has(url.pathname)) {
      if (method !== 'POST') return sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Use POST' }, { Allow: 'POST' });
      return post(req, res, url.pathname);
    }
    const file = files.get(url.pathname);
    if (file) {
      if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Use GET' }, { Allow: 'GET, HEAD' });
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': file.type, 'Content-Length': file.body.length, 'Cache-Control': 'no-cache' });
      return void res.end(method === 'HEAD' ? undefined : file.body);
    }
    if (method !== 'GET') return sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Use GET' }, { Allow: 'GET' });
    if (!mayRead(req, url)) {
      return sendJson(res, 401, { code: 'UNAUTHORIZED', message: `${url.pathname} needs the operator token: open /operator?token=… once`, messageVi: ERROR_TEXT.UNAUTHORIZED }, { 'WWW-Authenticate': 'Bearer' });
    }
    if (url.pathname === '/operator/day') return dayRoute(res, url);
    const [, id, kind] = PHOTO_PATH.exec(url.pathname)!;
    const jpeg = await photos.jpeg(id!, kind as PhotoKind);
    if (!jpeg) return sendJson(res, 404, { code: 'NOT_FOUND', message: `No ${kind} picture held for ${id} (only the recent results have them)`, messageVi: OPERATOR_ERROR_TEXT.noPhoto });
    // Personal data: never cached by the browser, never framed elsewhere (the security headers).
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'image/jpeg', 'Content-Length': jpeg.length, 'Cache-Control': 'no-store' });
    res.end(jpeg);
  }

  function dayRoute(res: ServerResponse, url: URL): void {
    if (!day) return sendJson(res, 503, { code: 'NOT_AVAILABLE', message: 'The register is not open: no day list', messageVi: OPERATOR_ERROR_TEXT.noRegister });
    try {
      sendJson(res, 200, dayList(day, url.searchParams, timeZone));
    } catch (error) {
      if (error instanceof DayQueryError) return sendJson(res, 400, { code: 'INVALID_INPUT', field: error.field, message: error.message, messageVi: error.messageVi });
      log.error({ err: error }, 'operator page: the day list failed');
      sendJson(res, 500, { code: 'INTERNAL', message: 'The register could not list the day; see the agent log', messageVi: ERROR_TEXT.INTERNAL });
    }
  }

  async function post(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    try {
      if (operatorToken !== undefined && !bearerMatches(req, operatorToken)) {
        throw new HttpError(401, 'UNAUTHORIZED', 'Send Authorization: Bearer <operator token> (open /operator?token=… once)');
      }
      if (crossOrigin(req)) throw new HttpError(403, 'FORBIDDEN', 'Cross-origin requests are refused');
      const body = await readJsonBody(req, BODY_LIMIT_BYTES);
      const id = body.verificationId;
      if (typeof id !== 'string' || !ULID.test(id)) throw new HttpError(400, 'INVALID_INPUT', 'The body must name the verification: {"verificationId": "<ULID>"}');
      if (path === '/api/retry-face') return await retryFace(res, id);
      if (typeof body.text !== 'string') throw new HttpError(400, 'INVALID_INPUT', 'The body must be {"verificationId": "…", "text": "…"}');
      const prepared = prepareReference(body.text);
      if (prepared.error !== undefined) return sendJson(res, 400, { code: 'INVALID_INPUT', message: `Invalid reference: ${prepared.error}`, messageVi: ERROR_TEXT[prepared.error] });
      if (prepared.text === '') return sendJson(res, 400, { code: 'INVALID_INPUT', message: 'The reference is empty', messageVi: OPERATOR_ERROR_TEXT.referenceEmpty });
      await referenceFor(res, id, prepared.text);
    } catch (error) {
      if (error instanceof HttpError) {
        const extra: Record<string, string> = error.status === 413 ? { Connection: 'close' } : error.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
        return sendJson(res, error.status, { code: error.code, message: error.message, messageVi: ERROR_TEXT[error.code] ?? ERROR_TEXT.INVALID_INPUT }, extra);
      }
      if (isXacminhError(error, 'BUSY')) return sendJson(res, 409, { code: error.code, message: error.message, messageVi: ERROR_TEXT.BUSY });
      if (isXacminhError(error, 'INVALID_INPUT')) return sendJson(res, 400, { code: error.code, message: error.message, messageVi: ERROR_TEXT.INVALID_INPUT });
      log.error({ err: error, path }, 'operator page: action failed');
      sendJson(res, 500, { code: 'INTERNAL', message: 'Internal error; see the agent log', messageVi: ERROR_TEXT.INTERNAL });
    }
  }

  async function retryFace(res: ServerResponse, id: string): Promise<void> {
    if (!actions.retryFace) return sendJson(res, 503, { code: 'NOT_AVAILABLE', message: 'This agent cannot retry the face step', messageVi: OPERATOR_ERROR_TEXT.retryUnavailable });
    const answer = await actions.retryFace(id);
    log.info({ action: 'retry-face', verificationId: id, accepted: answer.accepted }, 'kiosk: operator action');
    sendJson(res, 200, { accepted: answer.accepted, ...(answer.reasonVi ? { reasonVi: answer.reasonVi } : {}) });
  }

  async function referenceFor(res: ServerResponse, id: string, reference: string): Promise<void> {
    if (!actions.setReferenceFor) return sendJson(res, 503, { code: 'NOT_AVAILABLE', message: 'The register is not open: the reference cannot be recorded', messageVi: OPERATOR_ERROR_TEXT.noRegister });
    const answer = await actions.setReferenceFor(id, reference);
    log.info({ action: 'reference-for', verificationId: id, ok: answer.ok }, 'kiosk: operator action');
    if (answer.ok) {
      // The row in the recent list shows it at once, on every operator screen.
      const shown = history.list().find((r) => r.id === id);
      if (shown) {
        shown.operatorReference = reference;
        hub.broadcast({ event: 'history', data: history.list() });
      }
    }
    sendJson(res, 200, { ok: answer.ok, ...(answer.reasonVi ? { reasonVi: answer.reasonVi } : {}) });
  }

  return { record, matches, handle };
}
