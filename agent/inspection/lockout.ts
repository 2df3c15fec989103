/**
 * Failed-login limits: an account is locked for 15 minutes after 5 failures in a row, and one address
 * after 20 failures (guessing across many account names). The counts are kept in a small file in the data
 * dir, so restarting the agent does not reset a lock.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomicSync } from '../../drivers/atomic-file.ts';

export const ACCOUNT_LIMIT = 5;
export const ADDRESS_LIMIT = 20;
export const LOCK_MS = 15 * 60_000;

const entrySchema = z.strictObject({ failures: z.number().int().min(0), lockedUntil: z.number().nullable() });
const fileSchema = z.strictObject({ version: z.literal(1), accounts: z.record(z.string(), entrySchema), addresses: z.record(z.string(), entrySchema) });
type Entry = z.infer<typeof entrySchema>;

export interface LockState {
  locked: boolean;
  /** When locked: ms until the lock ends. */
  retryAfterMs: number;
}

export class LoginThrottle {
  private accounts = new Map<string, Entry>();
  private addresses = new Map<string, Entry>();

  /** `file`: where the counts survive a restart (absent: memory only). */
  constructor(
    private readonly now: () => number,
    private readonly file?: string,
  ) {
    if (!file) return;
    try {
      const parsed = fileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
      this.accounts = new Map(Object.entries(parsed.accounts));
      this.addresses = new Map(Object.entries(parsed.addresses));
    } catch {
      // Missing or damaged: start with no failures (a damaged file must not lock everyone out for ever).
    }
  }

  /** Whether a login for this account from this address is refused right now. */
  check(username: string, address: string): LockState {
    const until = Math.max(this.lockedUntil(this.accounts.get(username)), this.lockedUntil(this.addresses.get(address)));
    const left = until - this.now();
    return left > 0 ? { locked: true, retryAfterMs: left } : { locked: false, retryAfterMs: 0 };
  }

  /** Counts a failure; returns the state after it (locked when this failure reached a limit). */
  failed(username: string, address: string): LockState {
    this.bump(this.accounts, username, ACCOUNT_LIMIT);
    this.bump(this.addresses, address, ADDRESS_LIMIT);
    this.save();
    return this.check(username, address);
  }

  succeeded(username: string, address: string): void {
    this.accounts.delete(username);
    this.addresses.delete(address);
    this.save();
  }

  private lockedUntil(entry: Entry | undefined): number {
    return entry?.lockedUntil ?? 0;
  }

  private bump(map: Map<string, Entry>, key: string, limit: number): void {
    const at = this.now();
    const entry = map.get(key) ?? { failures: 0, lockedUntil: null };
    // A lock that has run out starts a fresh count.
    if (entry.lockedUntil !== null && entry.lockedUntil <= at) Object.assign(entry, { failures: 0, lockedUntil: null });
    entry.failures++;
    if (entry.failures >= limit) entry.lockedUntil = at + LOCK_MS;
    map.set(key, entry);
  }

  private save(): void {
    if (!this.file) return;
    const at = this.now();
    // Only what still matters is kept: an expired lock with its count is dropped.
    const live = (map: Map<string, Entry>) => Object.fromEntries([...map].filter(([, e]) => e.lockedUntil === null || e.lockedUntil > at));
    writeFileAtomicSync(this.file, `${JSON.stringify({ version: 1, accounts: live(this.accounts), addresses: live(this.addresses) })}\n`, 0o600, { keepMode: false });
  }
}
