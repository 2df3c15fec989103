/**
 * Inspector sessions: a random id in a cookie, kept in memory only (a restart logs everyone out, which is
 * the safe side). A session ends after 30 min without a request or 8 h after login, whichever is first.
 */
import { randomBytes } from 'node:crypto';

export const IDLE_MS = 30 * 60_000;
export const ABSOLUTE_MS = 8 * 3600_000;
export const COOKIE_NAME = 'xacminh_inspection';

export interface InspectorSession {
  id: string;
  inspector: string;
  createdAt: number;
  lastSeen: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, InspectorSession>();

  constructor(
    private readonly now: () => number,
    private readonly limits = { idleMs: IDLE_MS, absoluteMs: ABSOLUTE_MS },
  ) {}

  create(inspector: string): InspectorSession {
    this.sweep();
    const at = this.now();
    const session = { id: randomBytes(32).toString('base64url'), inspector, createdAt: at, lastSeen: at };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session for this id, its idle timer restarted; undefined (and forgotten) once expired. */
  touch(id: string | undefined): InspectorSession | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const at = this.now();
    if (this.expired(session, at)) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeen = at;
    return session;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private expired(session: InspectorSession, at: number): boolean {
    return at - session.lastSeen >= this.limits.idleMs || at - session.createdAt >= this.limits.absoluteMs;
  }

  private sweep(): void {
    const at = this.now();
    for (const [id, session] of this.sessions) if (this.expired(session, at)) this.sessions.delete(id);
  }
}

/** The session cookie: never readable by scripts, sent only over HTTPS and only by this site's own pages. */
export function sessionCookie(id: string): string {
  return `${COOKIE_NAME}=${id}; Path=/; HttpOnly; Secure; SameSite=Strict`;
}

export function clearedCookie(): string {
  return `${COOKIE_NAME}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`;
}

export function cookieValue(header: string | undefined, name = COOKIE_NAME): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const cut = part.indexOf('=');
    if (cut > 0 && part.slice(0, cut).trim() === name) return part.slice(cut + 1).trim();
  }
  return undefined;
}
