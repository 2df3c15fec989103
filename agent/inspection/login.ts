/**
 * Login and logout. A refused login says the same thing for an unknown name and a wrong password; after 5
 * failures the account (and after 20, the address) is locked for 15 minutes, and attempts during the lock
 * are refused without checking the password. Every attempt, good or bad, is an inspection entry.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { usernameSchema, verifyAccountPassword } from '../accounts/accounts.ts';
import { HttpError, sendJson } from '../ui/http-util.ts';
import type { UiLogger } from '../ui/server.ts';
import type { LoginThrottle } from './lockout.ts';
import type { InspectionAction, InspectionRegister } from './port.ts';
import { clearedCookie, sessionCookie, type InspectorSession, type SessionStore } from './sessions.ts';

export interface LoginContext {
  register: InspectionRegister;
  sessions: SessionStore;
  throttle: LoginThrottle;
  dataDir: string;
  log: UiLogger;
  verifyPassword?: (username: string, password: string) => Promise<{ username: string; role: string } | undefined>;
}

/** The name as typed, for the record: a valid account name as is, anything else marked as such. */
function typedName(value: unknown): string {
  return typeof value === 'string' && usernameSchema.safeParse(value).success ? value : '(tên không hợp lệ)';
}

function audit(ctx: LoginContext, action: InspectionAction, query: unknown): void {
  try {
    ctx.register.recordInspection(action, query);
  } catch (error) {
    throw new HttpError(503, 'STORAGE_FAILED', `Không ghi được lượt đăng nhập vào sổ nên không cho đăng nhập. The login could not be recorded: ${(error as Error).message}`);
  }
}

export async function login(ctx: LoginContext, req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): Promise<void> {
  const address = req.socket.remoteAddress ?? 'unknown';
  const username = typeof body.username === 'string' ? body.username.trim().toLowerCase() : '';
  const password = typeof body.password === 'string' ? body.password : '';
  if (!username || !password || password.length > 256) throw new HttpError(400, 'INVALID_INPUT', 'Nhập tên đăng nhập và mật khẩu.');
  const name = typedName(username);
  const before = ctx.throttle.check(username, address);
  if (before.locked) {
    audit(ctx, { inspector: name, action: 'login-failed' }, { username: name, address, reason: 'locked' });
    return lockedAnswer(res, before.retryAfterMs);
  }
  const verify = ctx.verifyPassword ?? ((u: string, p: string) => verifyAccountPassword(ctx.dataDir, u, p));
  const account = await verify(username, password);
  if (!account || account.role !== 'inspector') {
    const after = ctx.throttle.failed(username, address);
    audit(ctx, { inspector: name, action: 'login-failed' }, { username: name, address, reason: account ? 'not-an-inspector' : 'wrong-credentials' });
    ctx.log.warn({ username: name, address, locked: after.locked }, 'inspection: login refused');
    if (after.locked) return lockedAnswer(res, after.retryAfterMs);
    return sendJson(res, 401, { code: 'UNAUTHORIZED', message: 'Wrong user name or password', messageVi: 'Sai tên đăng nhập hoặc mật khẩu.' });
  }
  ctx.throttle.succeeded(username, address);
  audit(ctx, { inspector: account.username, action: 'login' }, { address });
  const session = ctx.sessions.create(account.username);
  ctx.log.info({ inspector: account.username, address }, 'inspection: inspector logged in');
  sendJson(res, 200, { ok: true, inspector: account.username }, { 'Set-Cookie': sessionCookie(session.id) });
}

function lockedAnswer(res: ServerResponse, retryAfterMs: number): void {
  const minutes = Math.ceil(retryAfterMs / 60_000);
  sendJson(
    res,
    429,
    { code: 'LOCKED', message: `Too many failed logins: try again in ${minutes} min`, messageVi: `Đăng nhập sai quá nhiều lần: tài khoản tạm khóa, thử lại sau ${minutes} phút.`, retryAfterSeconds: Math.ceil(retryAfterMs / 1000) },
    { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) },
  );
}

export function logout(ctx: LoginContext, session: InspectorSession, res: ServerResponse): void {
  audit(ctx, { inspector: session.inspector, action: 'logout' }, {});
  ctx.sessions.end(session.id);
  sendJson(res, 200, { ok: true }, { 'Set-Cookie': clearedCookie() });
}
