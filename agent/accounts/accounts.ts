/**
 * Technician accounts (site configuration editor) and police inspector accounts (inspection page), kept in
 * <dataDir>/accounts.json (0600) as scrypt hashes. A new account's first password is generated here and
 * returned once for the summary; it is never stored in clear nor logged. A re-run keeps existing passwords.
 */
import { randomBytes, randomInt, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomicSync } from '../../drivers/atomic-file.ts';
import { XacminhError } from '../../drivers/errors.ts';
import { dataDirPaths } from '../datadir.ts';

export const ROLES = ['technician', 'inspector'] as const;
export type Role = (typeof ROLES)[number];

export const usernameSchema = z.string().regex(/^[a-z][a-z0-9._-]{2,31}$/, '3 to 32 characters: lower-case letters, digits, ".", "_" or "-", starting with a letter');

const b64 = z.string().regex(/^[A-Za-z0-9+/]+=*$/);
const accountSchema = z.strictObject({
  username: usernameSchema,
  role: z.enum(ROLES),
  scrypt: z.strictObject({ N: z.number().int().min(1024), r: z.number().int().min(1), p: z.number().int().min(1), salt: b64, hash: b64 }),
  createdAt: z.string(),
  passwordSetAt: z.string(),
});
const accountsFileSchema = z.strictObject({ version: z.literal(1), accounts: z.array(accountSchema) });
export type Account = z.infer<typeof accountSchema>;

/** OWASP's floor for scrypt (N=2^17, r=8, p=1) takes ~1 s on a Pi; 2^15 keeps a login under a quarter second there. */
const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
// No 0/O, 1/l/I: the technician copies the password from the screen onto paper.
const PASSWORD_ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const PASSWORD_LENGTH = 16;

function scrypt(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => scryptCallback(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))));
}

export function generatePassword(): string {
  return Array.from({ length: PASSWORD_LENGTH }, () => PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)]).join('');
}

export async function hashPassword(password: string): Promise<Account['scrypt']> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, PARAMS);
  return { ...PARAMS, salt: salt.toString('base64'), hash: hash.toString('base64') };
}

export function readAccounts(dataDir: string): Account[] {
  const path = dataDirPaths(dataDir).accounts;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new XacminhError('STORAGE_FAILED', `Cannot read ${path}: ${(error as Error).message}`, { path }, { cause: error });
  }
  let parsed: z.ZodSafeParseResult<z.infer<typeof accountsFileSchema>>;
  try {
    parsed = accountsFileSchema.safeParse(JSON.parse(text));
  } catch (error) {
    throw new XacminhError('CONFIG_INVALID', `${path} is not valid JSON: ${(error as Error).message}`, { path }, { cause: error });
  }
  if (!parsed.success) throw new XacminhError('CONFIG_INVALID', `${path} is not a valid accounts file: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { path });
  return parsed.data.accounts;
}

export interface AccountChange {
  username: string;
  role: Role;
  status: 'created' | 'unchanged' | 'role-changed' | 'password-reset' | 'kept';
  /** The new password: only for created and password-reset, to be shown once. */
  password?: string;
}

/**
 * Makes the accounts file hold `wanted`: new accounts get a generated password, an existing account keeps
 * its password (unless named in `resetPassword`) and takes the wanted role. Accounts the answers no longer
 * name are kept (status "kept"): removing a police inspector's access is a decision, not a side effect.
 * The file is written only when something changed.
 */
export async function ensureAccounts(dataDir: string, wanted: readonly { username: string; role: Role }[], options: { resetPassword?: readonly string[]; now?: () => Date } = {}): Promise<AccountChange[]> {
  const now = (options.now ?? (() => new Date()))().toISOString();
  const existing = readAccounts(dataDir);
  const resets = new Set(options.resetPassword ?? []);
  for (const name of resets) {
    if (!wanted.some((w) => w.username === name) && !existing.some((a) => a.username === name)) {
      throw new XacminhError('INVALID_INPUT', `--reset-password ${name}: there is no such account`, { username: name });
    }
  }
  const byName = new Map(existing.map((a) => [a.username, a]));
  const changes: AccountChange[] = [];
  for (const { username, role } of wanted) {
    const account = byName.get(username);
    if (!account) {
      const password = generatePassword();
      byName.set(username, { username, role, scrypt: await hashPassword(password), createdAt: now, passwordSetAt: now });
      changes.push({ username, role, status: 'created', password });
      continue;
    }
    if (resets.has(username)) {
      const password = generatePassword();
      byName.set(username, { ...account, role, scrypt: await hashPassword(password), passwordSetAt: now });
      changes.push({ username, role, status: 'password-reset', password });
    } else if (account.role !== role) {
      byName.set(username, { ...account, role });
      changes.push({ username, role, status: 'role-changed' });
    } else {
      changes.push({ username, role, status: 'unchanged' });
    }
  }
  for (const account of existing) {
    if (wanted.some((w) => w.username === account.username)) continue;
    if (resets.has(account.username)) {
      const password = generatePassword();
      byName.set(account.username, { ...account, scrypt: await hashPassword(password), passwordSetAt: now });
      changes.push({ username: account.username, role: account.role, status: 'password-reset', password });
    } else {
      changes.push({ username: account.username, role: account.role, status: 'kept' });
    }
  }
  if (changes.some((c) => c.status !== 'unchanged' && c.status !== 'kept')) {
    const file = { version: 1, accounts: [...byName.values()] };
    writeFileAtomicSync(dataDirPaths(dataDir).accounts, `${JSON.stringify(file, null, 2)}\n`, 0o600, { keepMode: false });
  }
  return changes;
}

// Hashed when the user does not exist, so that a wrong name takes as long as a wrong password.
const DUMMY = { salt: Buffer.alloc(16), ...PARAMS };

/** The account when `password` is its password; undefined otherwise (unknown user or wrong password). */
export async function verifyAccountPassword(dataDir: string, username: string, password: string): Promise<{ username: string; role: Role } | undefined> {
  const account = readAccounts(dataDir).find((a) => a.username === username);
  if (!account) {
    await scrypt(password, DUMMY.salt, DUMMY);
    return undefined;
  }
  const expected = Buffer.from(account.scrypt.hash, 'base64');
  const actual = await scrypt(password, Buffer.from(account.scrypt.salt, 'base64'), account.scrypt);
  return actual.length === expected.length && timingSafeEqual(actual, expected) ? { username: account.username, role: account.role } : undefined;
}
