/**
 * The kiosk and operator pages, served by node:http on the terminal. The customer's screen (GET /) and the
 * operator's (GET /operator) follow the session through one Server-Sent Events stream (GET /events); the
 * operator's three actions are JSON POSTs that call OperatorActions.
 *
 * Why a token: the kiosk listens on the shop's LAN when it is not on 127.0.0.1, so anyone on that network could
 * otherwise type an access key into someone else's verification or cancel it. With `operatorToken` set, every
 * POST needs `Authorization: Bearer <token>`; the operator opens /operator?token=… once, the page keeps the
 * token in sessionStorage (gone when the tab closes) and removes it from the address bar. POSTs must be
 * application/json and same-origin, so a page from elsewhere in the kiosk browser cannot send them either.
 *
 * Off loopback the token is required by every POST, whoever sends it, and by /events from other machines: the
 * stream's history names verified customers. EventSource cannot set a header, so the operator page sends it
 * as /events?token=… (a Bearer header works as well). The kiosk screen runs on the terminal itself and gets
 * the stream without the token, judged by the client's address (and a loopback Host, against DNS rebinding):
 * a token in the customer-facing browser could be read there and used for operator POSTs. The catch: a
 * reverse proxy on the terminal would make remote clients look local. We ship none, and the README says not
 * to put one in front of these pages.
 *
 * Who was verified goes on a stream of its own, /operator/events (operator-view.ts): the clerk needs the full
 * name, ID number, date of birth and address to fill in the contract, and the customer's screen must not carry
 * them (the kiosk browser is public, and /events is open to loopback without a token). With a token configured
 * /operator/events always needs it, from loopback too, so the kiosk browser, which never holds the token,
 * cannot read it; without one (loopback-only pages) it is served to this machine only, as the operator page is.
 * The operator page reads only this stream: it carries the session's updates, alarms and time zone as well.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XacminhError, isXacminhError } from '../../drivers/errors.ts';
import type { SessionUpdate } from '../session/events.ts';
import { isLoopbackHost } from '../config/loopback.ts';
import { HttpError, SECURITY_HEADERS, bearerMatches, crossOrigin, readJsonBody, sendJson, tokenMatches } from './http-util.ts';
import { ResultHistory, publicUpdate } from './public-view.ts';
import type { OperatorRecord } from './operator-view.ts';
import { createOperatorRoutes, type UiActions } from './operator-routes.ts';
import type { DayRegister } from './operator-day.ts';
import { MAX_SSE_CLIENTS, SseHub } from './sse.ts';
import { KioskRoutes, type KioskRouteOptions } from './kiosk-routes.ts';
import { DEFAULT_TIME_ZONE, ERROR_TEXT } from './public/strings.js';
import { prepareAccessKey, prepareReference } from './public/validate.js';

export interface UiLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface UiServerOptions {
  /** The session's actions; retryFace and setReferenceFor (the agent's OperatorActions) when it has them. */
  actions: UiActions;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** When set, POST /api/* require `Authorization: Bearer <operatorToken>`; required (also by /events) when host is not loopback. */
  operatorToken?: string;
  log?: UiLogger;
  /** SSE heartbeat comment interval; 15 s unless a test needs it shorter. */
  heartbeatMs?: number;
  /** The register's search and counts, for the operator page's day list (operator-routes.ts). */
  day?: DayRegister;
  /** The terminal's standing alarms (e.g. the certificate running out), sent as the 'alarms' event; 'change' when they change. */
  alarms?: AlarmSource;
  /** The kiosk's notice (site flows' business hours), sent as the 'notice' event on both streams. */
  notice?: NoticeSource;
  /** The terminal's IANA time zone, sent as the 'terminal' event: the operator page shows times in it. Default Asia/Ho_Chi_Minh. */
  timeZone?: string;
  /** The kiosk's camera preview and spoken prompts (kiosk-routes.ts). */
  kiosk?: Omit<KioskRouteOptions, 'log'>;
}

/** A notice the kiosk shows over everything (a site flow's "counter closed"), sent as the 'notice' event. */
export interface NoticeSource {
  current(): { notice: string | null; messageVi?: string | undefined };
  on(event: 'change', listener: () => void): unknown;
  off(event: 'change', listener: () => void): unknown;
}

export interface AlarmSource {
  current(): { code: string; messageVi: string }[];
  on(event: 'change', listener: () => void): unknown;
  off(event: 'change', listener: () => void): unknown;
}

export interface UiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const BODY_LIMIT_BYTES = 4096;

const PUBLIC_DIR = join(import.meta.dirname, 'public');

/** Only these files are served: no path from the URL ever reaches the file system. */
const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'kiosk.html', type: 'text/html; charset=utf-8' },
  '/operator': { file: 'operator.html', type: 'text/html; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/strings.js': { file: 'strings.js', type: 'text/javascript; charset=utf-8' },
  '/validate.js': { file: 'validate.js', type: 'text/javascript; charset=utf-8' },
  '/live.js': { file: 'live.js', type: 'text/javascript; charset=utf-8' },
  '/kiosk.js': { file: 'kiosk.js', type: 'text/javascript; charset=utf-8' },
  '/operator.js': { file: 'operator.js', type: 'text/javascript; charset=utf-8' },
  '/operator-format.js': { file: 'operator-format.js', type: 'text/javascript; charset=utf-8' },
};

type ApiAction = 'access-key' | 'reference' | 'cancel';
const API_ROUTES: Record<string, ApiAction> = { '/api/access-key': 'access-key', '/api/reference': 'reference', '/api/cancel': 'cancel' };

const silentLog: UiLogger = { info() {}, warn() {}, error() {} };

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const { actions, host = '127.0.0.1', port = 0, operatorToken, log = silentLog, heartbeatMs = 15_000, alarms, timeZone = DEFAULT_TIME_ZONE } = options;
  checkTimeZone(timeZone);
  const exposed = !isLoopbackHost(host);
  if (exposed && operatorToken === undefined) {
    throw new XacminhError('CONFIG_INVALID', `The kiosk pages on ${host} would be open to the network without an operator token: set ui.operatorToken or keep ui.host 127.0.0.1`, { host });
  }
  const files = new Map(Object.entries(STATIC_FILES).map(([route, f]) => [route, { body: readFileSync(join(PUBLIC_DIR, f.file)), type: f.type }]));
  const hub = new SseHub(heartbeatMs);
  const history = new ResultHistory();
  const operatorHub = new SseHub(heartbeatMs);
  const operatorHistory = new ResultHistory<OperatorRecord>();
  const kiosk = new KioskRoutes({ ...options.kiosk, log });

  const onUpdate = (update: SessionUpdate) => {
    try {
      const view = publicUpdate(update);
      if (history.add(view.record)) hub.broadcast({ event: 'history', data: history.list() });
      if (operatorHistory.add(operatorRoutes.record(update))) operatorHub.broadcast({ event: 'history', data: operatorHistory.list() });
      hub.broadcast({ data: view });
      operatorHub.broadcast({ data: view });
    } catch (error) {
      log.error({ err: error }, 'kiosk: could not forward a session update'); // listeners never throw into the session
    }
  };
  // Photos, the day list, retry and a reference on a recorded verification: operator-routes.ts.
  const operatorRoutes = createOperatorRoutes({ actions, log, timeZone, operatorToken, day: options.day, mayRead: (req, url) => operatorMayRead(req, url), history: operatorHistory, hub: operatorHub });
  actions.on('update', onUpdate);
  onUpdate(actions.current()); // a result already on screen belongs in the operator's list
  const alarmMessage = () => ({ event: 'alarms', data: alarms?.current() ?? [] });
  const onAlarms = () => {
    hub.broadcast(alarmMessage());
    operatorHub.broadcast(alarmMessage());
  };
  alarms?.on('change', onAlarms);
  const noticeMessage = () => ({ event: 'notice', data: options.notice?.current() ?? { notice: null } });
  const onNotice = () => {
    hub.broadcast(noticeMessage());
    operatorHub.broadcast(noticeMessage());
  };
  options.notice?.on('change', onNotice);

  // requestTimeout bounds reading a request (a POST body trickled in), not the long-lived /events response.
  const server = http.createServer({ requestTimeout: 10_000 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error({ err: error, path: req.url?.split('?')[0] }, 'kiosk: request failed'); // the query may hold the token
      if (!res.headersSent) sendJson(res, 500, { code: 'INTERNAL', message: 'Internal error', messageVi: ERROR_TEXT.INTERNAL });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kiosk');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    // Served on loopback, the pages answer only to a loopback Host: a web page whose DNS name was rebound to
    // 127.0.0.1 (in any browser on the terminal) sends its own name, and must not read the stream or the pages.
    if (!exposed && !isLoopbackHost(hostOf(req.headers.host))) {
      return sendJson(res, 403, { code: 'FORBIDDEN', message: 'These pages answer only to http://127.0.0.1 or http://localhost', messageVi: ERROR_TEXT.FORBIDDEN });
    }
    if (operatorRoutes.matches(path)) return operatorRoutes.handle(req, res, url);
    const action = API_ROUTES[path];
    if (action) {
      if (method !== 'POST') return sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Use POST' }, { Allow: 'POST' });
      return api(req, res, action);
    }
    if (kiosk.handles(path)) return kiosk.handle(req, res, path, !exposed || fromThisMachine(req) || streamAuthorised(req, url)); // as /events
    if (path === '/favicon.ico') return void res.writeHead(204, SECURITY_HEADERS).end(); // browsers ask; nothing to show
    const known = files.has(path) || path === '/events' || path === '/operator/events' || path === '/healthz';
    if (!known) return sendJson(res, 404, { code: 'NOT_FOUND', message: `No page at ${path}` });
    if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Use GET' }, { Allow: 'GET, HEAD' });
    if (path === '/healthz') return sendJson(res, 200, { ok: true, state: actions.current().state, clients: hub.size + operatorHub.size, ...kiosk.status });
    if (path === '/events') return events(req, res, url);
    if (path === '/operator/events') return operatorEvents(req, res, url);
    const file = files.get(path)!;
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': file.type, 'Content-Length': file.body.length, 'Cache-Control': 'no-cache' });
    res.end(method === 'HEAD' ? undefined : file.body);
  }

  function events(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (exposed && !fromThisMachine(req) && !streamAuthorised(req, url)) {
      return sendJson(res, 401, { code: 'UNAUTHORIZED', message: 'From another machine /events needs the operator token: open the page with ?token=… once', messageVi: ERROR_TEXT.UNAUTHORIZED }, { 'WWW-Authenticate': 'Bearer' });
    }
    attachStream(req, res, hub, history.list());
  }

  function operatorEvents(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (!operatorMayRead(req, url)) {
      return sendJson(res, 401, { code: 'UNAUTHORIZED', message: '/operator/events needs the operator token: open /operator?token=… once', messageVi: ERROR_TEXT.UNAUTHORIZED }, { 'WWW-Authenticate': 'Bearer' });
    }
    attachStream(req, res, operatorHub, operatorHistory.list());
  }

  function attachStream(req: IncomingMessage, res: ServerResponse, target: SseHub, historyList: unknown[]): void {
    if (req.method === 'HEAD') return void res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8' }).end();
    // One cap over both streams: each open stream holds a socket and a timer slot.
    if (hub.size + operatorHub.size >= MAX_SSE_CLIENTS) {
      log.warn({ clients: hub.size + operatorHub.size }, `kiosk: event stream refused, ${MAX_SSE_CLIENTS} already open`);
      return sendJson(res, 503, { code: 'TOO_MANY_STREAMS', message: `At most ${MAX_SSE_CLIENTS} event streams at once; close a page and retry`, messageVi: ERROR_TEXT.TOO_MANY_STREAMS }, { 'Retry-After': '10' });
    }
    target.attach(req, res, [{ data: publicUpdate(actions.current()) }, { event: 'history', data: historyList }, alarmMessage(), noticeMessage(), { event: 'terminal', data: { timeZone } }]);
  }

  /** What names the customer (operator stream, photos, day list): the token when there is one, else this machine only. */
  function operatorMayRead(req: IncomingMessage, url: URL): boolean {
    return operatorToken !== undefined ? streamAuthorised(req, url) : fromThisMachine(req);
  }

  // The kiosk screen on the terminal: a loopback peer that also asked for a loopback host (a page whose DNS
  // name was rebound to 127.0.0.1 sends its own name as Host).
  function fromThisMachine(req: IncomingMessage): boolean {
    return isLoopbackHost(req.socket.remoteAddress ?? '') && isLoopbackHost(hostOf(req.headers.host));
  }

  function streamAuthorised(req: IncomingMessage, url: URL): boolean {
    const presented = url.searchParams.get('token');
    return operatorToken !== undefined && (presented !== null ? tokenMatches(presented, operatorToken) : bearerMatches(req, operatorToken));
  }

  async function api(req: IncomingMessage, res: ServerResponse, action: ApiAction): Promise<void> {
    try {
      if (operatorToken !== undefined && !bearerMatches(req, operatorToken)) {
        throw new HttpError(401, 'UNAUTHORIZED', 'Send Authorization: Bearer <operator token> (open /operator?token=… once)');
      }
      if (crossOrigin(req)) throw new HttpError(403, 'FORBIDDEN', 'Cross-origin requests are refused');
      const body = await readJsonBody(req, BODY_LIMIT_BYTES);
      if (action === 'cancel') actions.cancel();
      else {
        if (typeof body.text !== 'string') throw new HttpError(400, 'INVALID_INPUT', 'The body must be {"text": "…"}');
        const prepared = action === 'access-key' ? prepareAccessKey(body.text) : prepareReference(body.text);
        if (prepared.error !== undefined) return sendJson(res, 400, { code: 'INVALID_INPUT', message: `Invalid ${action}: ${prepared.error}`, messageVi: ERROR_TEXT[prepared.error] });
        if (action === 'access-key') actions.submitAccessKey(prepared.text);
        else actions.setReference(prepared.text);
      }
      log.info({ action }, 'kiosk: operator action');
      sendJson(res, 200, { ok: true, state: actions.current().state });
    } catch (error) {
      sendError(res, action, error);
    }
  }

  function sendError(res: ServerResponse, action: ApiAction, error: unknown): void {
    if (error instanceof HttpError) {
      // After a 413 the rest of the body is not worth reading: close the connection instead.
      const extra: Record<string, string> = error.status === 413 ? { Connection: 'close' } : error.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
      return sendJson(res, error.status, { code: error.code, message: error.message, messageVi: ERROR_TEXT[error.code] ?? ERROR_TEXT.INVALID_INPUT }, extra);
    }
    if (isXacminhError(error, 'INVALID_INPUT')) {
      const messageVi = action === 'reference' ? ERROR_TEXT['reference-too-long'] : ERROR_TEXT['access-key-invalid'];
      return sendJson(res, 400, { code: error.code, message: error.message, messageVi });
    }
    if (isXacminhError(error, 'BUSY')) return sendJson(res, 409, { code: error.code, message: error.message, messageVi: ERROR_TEXT.BUSY });
    log.error({ err: error, action }, 'kiosk: operator action failed');
    const code = isXacminhError(error) ? error.code : 'INTERNAL';
    const message = isXacminhError(error) ? error.message : 'Internal error; see the agent log';
    sendJson(res, 500, { code, message, messageVi: ERROR_TEXT.INTERNAL });
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    actions.off('update', onUpdate);
    alarms?.off('change', onAlarms);
    options.notice?.off('change', onNotice);
    hub.close();
    operatorHub.close();
    kiosk.close();
    throw listenError(error, host, port);
  }
  server.on('error', (error) => log.error({ err: error }, 'kiosk: server error'));
  const bound = (server.address() as AddressInfo).port;
  // The URL the terminal's own screen opens: on a wildcard binding, the loopback address (no token needed there).
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;

  return {
    url: `http://${urlHost}:${bound}`,
    port: bound,
    close() {
      closed ??= new Promise<void>((resolve) => {
        actions.off('update', onUpdate);
        alarms?.off('change', onAlarms);
        options.notice?.off('change', onNotice);
        hub.close(); // event streams never end by themselves
        operatorHub.close();
        kiosk.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** A misspelt zone would otherwise only show up as a blank time column in the browser. */
function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('vi-VN', { timeZone });
  } catch {
    throw new XacminhError('CONFIG_INVALID', `Unknown time zone "${timeZone}": give an IANA name such as Asia/Ho_Chi_Minh`, { timeZone });
  }
}

/** The host name of a Host header ('' when absent or malformed). */
function hostOf(header: string | undefined): string {
  try {
    return header ? new URL(`http://${header}`).hostname : '';
  } catch {
    return '';
  }
}

/** One sentence naming the port and the field to change; the system error stays as the cause. */
function listenError(error: unknown, host: string, port: number): XacminhError {
  const code = (error as NodeJS.ErrnoException).code;
  const message =
    code === 'EADDRINUSE'
      ? `Port ${port} on ${host} is already in use by another program: set ui.port in the site config to a free port, or stop that program`
      : `The kiosk pages cannot listen on ${host}:${port} (${code ?? (error as Error).message}): check ui.host and ui.port in the site config`;
  return new XacminhError('CONFIG_INVALID', message, { host, port, code }, { cause: error });
}
