/**
 * The police inspection page: HTTPS on the LAN, separate from the kiosk (its own port, certificate, accounts
 * and sessions). Inspectors log in with the accounts of agent/accounts (role "inspector"); a session is a
 * random id in an HttpOnly, Secure, SameSite=Strict cookie. Without a session every page and API answers
 * 401 and shows nothing (a page navigation is sent on to /login). POSTs must come from the page itself:
 * SameSite=Strict keeps the cookie off other sites' requests, and the Origin header must name this host.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XacminhError } from '../../drivers/errors.ts';
import { HttpError, SECURITY_HEADERS, readJsonBody, sendJson } from '../ui/http-util.ts';
import type { UiLogger } from '../ui/server.ts';
import * as api from './api.ts';
import type { ChainState } from './chain-state.ts';
import { login, logout, type LoginContext } from './login.ts';
import { LoginThrottle } from './lockout.ts';
import type { InspectionRegister } from './port.ts';
import { SessionStore, cookieValue, type InspectorSession } from './sessions.ts';

export interface InspectionServerOptions {
  register: InspectionRegister;
  /** Holds accounts.json (agent/accounts) and the lockout counts. */
  dataDir: string;
  tls: { cert: string; key: string };
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  timeZone: string;
  chain: { current(): ChainState };
  /** Where exports are written before they are streamed out (0700; each file removed after). */
  exportDir: string;
  /** Checks a login; default: the accounts file in dataDir. */
  verifyPassword?: LoginContext['verifyPassword'];
  /** The one-file export verifier (HTML, agent/register/verifier-page), served at /verify.html when given. */
  verifierPage?: () => Promise<string>;
  now?: () => number;
  log?: UiLogger;
  /** Where the lockout counts are kept (default: memory only). */
  lockoutFile?: string;
}

export interface InspectionServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const PUBLIC_DIR = join(import.meta.dirname, 'public');
const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** Served to anyone: the login page and what it loads (no data in them). */
const OPEN_FILES: Record<string, { file: string; type: string }> = {
  '/login': { file: 'login.html', type: HTML },
  '/login.js': { file: 'login.js', type: JS },
  '/style.css': { file: 'style.css', type: CSS },
};
/** Served to a session only. */
const SESSION_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'search.html', type: HTML },
  '/entry': { file: 'entry.html', type: HTML },
  '/print': { file: 'print.html', type: HTML },
  '/common.js': { file: 'common.js', type: JS },
  '/search.js': { file: 'search.js', type: JS },
  '/entry.js': { file: 'entry.js', type: JS },
  '/print.js': { file: 'print.js', type: JS },
  '/labels.js': { file: 'labels.js', type: JS },
  '/print.css': { file: 'print.css', type: CSS },
};
const API_GET = new Set(['/api/me', '/api/search', '/api/entry', '/api/frame', '/api/print', '/api/export', '/api/chain']);
const BODY_LIMIT = 2048;

/**
 * The verifier page carries its own CSP (its inline script and style by hash, no connection); this header
 * is enforced as well, so the page can never reach the network from here either.
 */
const VERIFIER_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src blob:; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const GENERIC_VI: Record<string, string> = {
  UNSUPPORTED_MEDIA_TYPE: 'Yêu cầu phải gửi dạng JSON.',
  TOO_LARGE: 'Yêu cầu quá lớn.',
  INVALID_INPUT: 'Yêu cầu không hợp lệ.',
};

const silentLog: UiLogger = { info() {}, warn() {}, error() {} };

export async function startInspectionServer(options: InspectionServerOptions): Promise<InspectionServer> {
  const { host = '0.0.0.0', port = 0, log = silentLog, now = Date.now } = options;
  const load = (table: Record<string, { file: string; type: string }>) => new Map(Object.entries(table).map(([route, f]) => [route, { body: readFileSync(join(PUBLIC_DIR, f.file)), type: f.type }]));
  const openFiles = load(OPEN_FILES);
  const sessionFiles = load(SESSION_FILES);
  const sessions = new SessionStore(now);
  const throttle = new LoginThrottle(now, options.lockoutFile);
  const loginContext: LoginContext = { register: options.register, sessions, throttle, dataDir: options.dataDir, log, ...(options.verifyPassword ? { verifyPassword: options.verifyPassword } : {}) };
  const apiContext: api.ApiContext = { register: options.register, timeZone: options.timeZone, chain: options.chain, exportDir: options.exportDir };

  const server = https.createServer({ cert: options.tls.cert, key: options.tls.key, requestTimeout: 30_000, minVersion: 'TLSv1.2' }, (req, res) => {
    handle(req, res).catch((error: unknown) => sendError(req, res, error));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://inspection');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/favicon.ico') return void res.writeHead(204, SECURITY_HEADERS).end();
    const open = openFiles.get(path);
    if (open) return sendFile(req, res, open);
    if (path === '/api/login' || path === '/api/logout') {
      if (method !== 'POST') return sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Use POST' }, { Allow: 'POST' });
      if (!sameOrigin(req)) throw new HttpError(403, 'FORBIDDEN', 'Yêu cầu phải gửi từ chính trang kiểm tra (Origin khác). Cross-origin requests are refused');
      if (path === '/api/login') return login(loginContext, req, res, await readJsonBody(req, BODY_LIMIT));
      await readJsonBody(req, BODY_LIMIT);
    }
    const known = sessionFiles.has(path) || API_GET.has(path) || path === '/api/logout' || path === '/verify.html';
    if (!known) return sendJson(res, 404, { code: 'NOT_FOUND', message: `No page at ${path}`, messageVi: `Không có trang ${path}` });
    const session = sessions.touch(cookieValue(req.headers.cookie));
    if (!session) return unauthorised(req, res, path);
    if (path === '/api/logout') return logout(loginContext, session, res);
    const file = sessionFiles.get(path);
    // HEAD only for files: a HEAD on the API would record a search or view that showed nothing.
    if (method !== 'GET' && !(method === 'HEAD' && file)) return sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Use GET' }, { Allow: file ? 'GET, HEAD' : 'GET' });
    if (file) return sendFile(req, res, file);
    return route(path, session, url, res);
  }

  async function route(path: string, session: InspectorSession, url: URL, res: ServerResponse): Promise<void> {
    const inspector = session.inspector;
    switch (path) {
      case '/api/me':
        return sendJson(res, 200, { inspector, timeZone: options.timeZone, verifier: options.verifierPage !== undefined });
      case '/api/search':
        return api.search(apiContext, inspector, url, res);
      case '/api/entry':
        return api.entry(apiContext, inspector, url, res);
      case '/api/frame':
        return api.frame(apiContext, url, res);
      case '/api/print':
        return api.print(apiContext, inspector, url, res);
      case '/api/export':
        return api.exportRange(apiContext, inspector, url, res);
      case '/api/chain':
        return api.chain(apiContext, res);
      case '/verify.html':
        return await verifier(res);
    }
  }

  async function verifier(res: ServerResponse): Promise<void> {
    if (!options.verifierPage) {
      return sendJson(res, 404, { code: 'NOT_FOUND', message: 'The one-file export verifier is not part of this build yet', messageVi: 'Bản phần mềm này chưa có trang kiểm tra tệp xuất (verify.html). Dùng lệnh `xacminh register verify-export` để kiểm tra tệp xuất.' });
    }
    const body = Buffer.from(await options.verifierPage(), 'utf8');
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Security-Policy': VERIFIER_CSP, 'Content-Type': HTML, 'Content-Length': body.length, 'Cache-Control': 'no-store' });
    res.end(body);
  }

  function sendFile(req: IncomingMessage, res: ServerResponse, file: { body: Buffer; type: string }): void {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': file.type, 'Content-Length': file.body.length, 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }

  /** 401 and nothing else; a browser navigating to a page is sent on to the login page. */
  function unauthorised(req: IncomingMessage, res: ServerResponse, path: string): void {
    const page = sessionFiles.get(path)?.type === HTML || path === '/verify.html';
    if (page && (req.headers.accept ?? '').includes('text/html')) {
      const body = Buffer.from('<!doctype html><html lang="vi"><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/login"><title>Cần đăng nhập</title><p>Cần đăng nhập: <a href="/login">đăng nhập</a>.</p></html>');
      res.writeHead(401, { ...SECURITY_HEADERS, 'Content-Type': HTML, 'Content-Length': body.length, 'Cache-Control': 'no-store' });
      return void res.end(body);
    }
    sendJson(res, 401, { code: 'UNAUTHORIZED', message: 'Log in first', messageVi: 'Cần đăng nhập (phiên đã hết hạn hoặc chưa đăng nhập).' });
  }

  function sendError(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    if (res.headersSent) return void res.destroy();
    if (error instanceof HttpError) {
      const extra: Record<string, string> = error.status === 413 ? { Connection: 'close' } : {};
      // Our own refusals are written in Vietnamese; http-util's (body type, size, JSON) are English: lead with Vietnamese.
      const messageVi = /[^ -~]/.test(error.message) ? error.message : `${GENERIC_VI[error.code] ?? 'Yêu cầu không hợp lệ.'} (${error.message})`;
      return sendJson(res, error.status, { code: error.code, message: error.message, messageVi }, extra);
    }
    log.error({ err: error, path: req.url?.split('?')[0] }, 'inspection: request failed'); // the query may hold personal data
    const message = error instanceof XacminhError ? error.message : 'Internal error; see the agent log';
    sendJson(res, 500, { code: 'INTERNAL', message, messageVi: 'Lỗi trên máy xác minh; kỹ thuật viên xem nhật ký của máy.' });
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
    throw listenError(error, host, port);
  }
  server.on('error', (error) => log.error({ err: error }, 'inspection: server error'));
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  return {
    url: `https://${urlHost}:${bound}`,
    port: bound,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** The Origin a browser sends with a POST must be this page's own (scheme https, same host and port). */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  try {
    const parsed = new URL(origin);
    return parsed.protocol === 'https:' && parsed.host === req.headers.host;
  } catch {
    return false;
  }
}

function listenError(error: unknown, host: string, port: number): XacminhError {
  const code = (error as NodeJS.ErrnoException).code;
  const message =
    code === 'EADDRINUSE'
      ? `Cổng ${port} trên ${host} đã có chương trình khác dùng: đặt inspection.port khác trong cấu hình. Port ${port} is in use: set inspection.port to a free port`
      : `Trang kiểm tra không mở được cổng ${host}:${port} (${code ?? (error as Error).message}): kiểm tra inspection.host và inspection.port`;
  return new XacminhError('CONFIG_INVALID', message, { host, port, code }, { cause: error });
}
