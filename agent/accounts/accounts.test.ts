// Accounts: scrypt hashes in a 0600 file, the first password returned once, kept on a re-run.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { ensureAccounts, readAccounts, verifyAccountPassword } from './accounts.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'xacminh-accounts-'));
const accountsFile = join(dataDir, 'accounts.json');
const wanted = [
  { username: 'kythuat', role: 'technician' as const },
  { username: 'canhsat.bn', role: 'inspector' as const },
];
let first: Awaited<ReturnType<typeof ensureAccounts>>;

test('new accounts: a generated password returned once, only its scrypt hash stored, file 0600', async () => {
  first = await ensureAccounts(dataDir, wanted);
  assert.equal(first.map((c) => [c.username, c.status]), [['kythuat', 'created'], ['canhsat.bn', 'created']]);
  const [tech, police] = first.map((c) => c.password!);
  assert.match(tech!, /^[A-Za-z2-9]{16}$/);
  assert.is.not(tech, police);
  assert.is(statSync(accountsFile).mode & 0o777, 0o600);
  const text = readFileSync(accountsFile, 'utf8');
  assert.not.ok(text.includes(tech!) || text.includes(police!), 'no clear password in the file');
  const stored = readAccounts(dataDir)[0]!;
  assert.equal({ N: stored.scrypt.N, r: stored.scrypt.r, p: stored.scrypt.p }, { N: 32768, r: 8, p: 1 });
  assert.is(Buffer.from(stored.scrypt.salt, 'base64').length, 16);
});

test('verifyAccountPassword: the right password gives the account and its role; a wrong one or an unknown user nothing', async () => {
  const [tech, police] = first.map((c) => c.password!);
  assert.equal(await verifyAccountPassword(dataDir, 'kythuat', tech!), { username: 'kythuat', role: 'technician' });
  assert.equal(await verifyAccountPassword(dataDir, 'canhsat.bn', police!), { username: 'canhsat.bn', role: 'inspector' });
  assert.is(await verifyAccountPassword(dataDir, 'kythuat', police!), undefined);
  assert.is(await verifyAccountPassword(dataDir, 'kythuat', `${tech!}x`), undefined);
  assert.is(await verifyAccountPassword(dataDir, 'nobody', tech!), undefined);
});

test('a re-run keeps passwords and writes nothing; a changed role changes only the role; --reset-password gives a new one', async () => {
  const before = readFileSync(accountsFile, 'utf8');
  const again = await ensureAccounts(dataDir, wanted);
  assert.equal(again.map((c) => [c.status, c.password]), [['unchanged', undefined], ['unchanged', undefined]]);
  assert.is(readFileSync(accountsFile, 'utf8'), before);

  const changed = await ensureAccounts(dataDir, [wanted[0]!, { username: 'canhsat.bn', role: 'technician' }]);
  assert.equal(changed.map((c) => c.status), ['unchanged', 'role-changed']);
  assert.ok(await verifyAccountPassword(dataDir, 'canhsat.bn', first[1]!.password!), 'the password survived the role change');

  const reset = await ensureAccounts(dataDir, [wanted[0]!], { resetPassword: ['kythuat'] });
  assert.equal(reset.map((c) => [c.username, c.status]), [['kythuat', 'password-reset'], ['canhsat.bn', 'kept']]);
  assert.is(await verifyAccountPassword(dataDir, 'kythuat', first[0]!.password!), undefined);
  assert.ok(await verifyAccountPassword(dataDir, 'kythuat', reset[0]!.password!));
  try {
    await ensureAccounts(dataDir, wanted, { resetPassword: ['ghost'] });
    assert.unreachable();
  } catch (error) {
    assert.ok(isXacminhError(error, 'INVALID_INPUT'));
  }
});

test.run();
