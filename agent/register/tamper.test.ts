// The tamper matrix (issue 17 "Tests") on the database: each way of rewriting history found and located by entry
// number, and which check catches it (tamper-export.test.ts does the same on exports):
//   verify()            edits, deletions, insertions, reordering, checkpoints of another key or register
//   anchors             all of those too, and what verify() cannot see: a cut tail, an older copy, a replacement
//   marker (at start)   a replaced or deleted database
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { dataDirPaths, keyIdOf, loadDeviceIdentity, loadRegisterDataKey, type DataDirPaths } from '../datadir.ts';
import { entryHash, signCheckpoint } from './chain.ts';
import { openWithGenesis } from './genesis.ts';
import { Register } from './register.ts';
import { againstAnchors as anchorsCheck, buildTamperFixture, copyOf as copyFrom, outboxLines, quiet, reader, writer, type TamperFixture } from './tamper-test-support.ts';

const test = suite('register tamper matrix: database');
let fx: TamperFixture;
let base = '';
test.before(async () => {
  fx = await buildTamperFixture('xacminh-tamper-');
  base = fx.base;
});
test.after(() => rmSync(fx.root, { recursive: true, force: true }));

const copyOf = (name: string, from = base): DataDirPaths => copyFrom(fx, name, from);
const againstAnchors = (paths: DataDirPaths, text = fx.anchorsText): Promise<string> => anchorsCheck(paths.root, text);

/** Raw SQL on the file, as someone with root would (the append-only triggers dropped first). */
function sql(paths: DataDirPaths, statements: string): void {
  const db = new Database(paths.register);
  db.exec('DROP TRIGGER IF EXISTS entries_no_update; DROP TRIGGER IF EXISTS entries_no_delete;');
  db.exec(statements);
  db.close();
}

/** Moves entries (and their private rows, if the schema has them) seq → seq + by, for seq ≥ from. */
function renumber(paths: DataDirPaths, from: number, by: number): void {
  const db = new Database(paths.register);
  db.exec('DROP TRIGGER IF EXISTS entries_no_update; DROP TRIGGER IF EXISTS entries_no_delete;');
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('entries', 'entry_private', 'entry_terms')").all() as { name: string }[]).map((t) => t.name);
  for (const table of tables) {
    db.exec(`UPDATE ${table} SET seq = seq + 1000000 WHERE seq >= ${from}; UPDATE ${table} SET seq = seq - 1000000 + ${by} WHERE seq >= 1000000;`);
  }
  db.close();
}

/** Exchanges the places of two entries (and their private rows, if any). */
function swap(paths: DataDirPaths, a: number, b: number): void {
  const db = new Database(paths.register);
  db.exec('DROP TRIGGER IF EXISTS entries_no_update; DROP TRIGGER IF EXISTS entries_no_delete;');
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('entries', 'entry_private', 'entry_terms')").all() as { name: string }[]).map((t) => t.name);
  for (const table of tables) db.exec(`UPDATE ${table} SET seq = -1 WHERE seq = ${a}; UPDATE ${table} SET seq = ${a} WHERE seq = ${b}; UPDATE ${table} SET seq = ${b} WHERE seq = -1;`);
  db.close();
}

/** Recomputes the hash column from `from` on, as a forger without the key would (the chain then hangs together). */
function rehash(paths: DataDirPaths, from: number): Map<number, Uint8Array> {
  const register = reader(paths.root);
  const hashes = new Map<number, Uint8Array>();
  let previous = register.previousHash(from);
  for (const entry of register.entries(from)) {
    previous = entryHash(previous, entry);
    hashes.set(entry.seq, previous);
  }
  register.close();
  const db = new Database(paths.register);
  db.exec('DROP TRIGGER IF EXISTS entries_no_update;');
  const update = db.prepare('UPDATE entries SET hash = ? WHERE seq = ?');
  for (const [seq, hash] of hashes) update.run(hash, seq);
  db.close();
  return hashes;
}

function chain(paths: DataDirPaths): { ok: boolean; first: string } {
  const register = reader(paths.root);
  try {
    const report = register.verify();
    return { ok: report.ok, first: report.problems[0] ? `${report.problems[0].seq}:${report.problems[0].kind}` : '' };
  } finally {
    register.close();
  }
}

function atStart(paths: DataDirPaths): string {
  const identity = loadDeviceIdentity(paths, { create: false });
  const dataKey = loadRegisterDataKey(paths, { create: false });
  const open = () => Register.open(paths.register, { deviceKey: identity.privateKey, ...(dataKey ? { dataKey } : {}), outboxCapacity: 10_000 });
  try {
    const opened = openWithGenesis({ paths, siteId: 'hcm-q1', deviceId: 'quay-3', deviceKey: identity.privateKey, keyId: identity.keyId, log: quiet }, open);
    opened.register.close();
    return opened.state;
  } catch (error) {
    if (isXacminhError(error)) return error.code;
    throw error;
  }
}

test('intact: the chain verifies, every anchor matches, the marker recognises it', async () => {
  assert.equal(chain(dataDirPaths(base)), { ok: true, first: '' });
  assert.is(await againstAnchors(dataDirPaths(base)), '');
  assert.is(atStart(copyOf('intact')), 'recognised');
});

test('database, edit: verify() and the anchors both at the entry edited', async () => {
  const paths = copyOf('db-edit');
  sql(paths, "UPDATE entries SET recorded_at = '2026-01-01T00:00:00.000Z' WHERE seq = 8");
  assert.is(chain(paths).first, '8:hash-mismatch');
  assert.is(await againstAnchors(paths), '8:rewritten');
});

test('database, delete: verify() at the entry after the gap (naming the one missing), the anchors at the one missing', async () => {
  const paths = copyOf('db-delete');
  sql(paths, 'DELETE FROM entries WHERE seq = 8');
  assert.is(chain(paths).first, '9:gap');
  assert.is(await againstAnchors(paths), '8:rewritten');
});

test('database, insert (renumbered, its hash computed): verify() at the entry it displaced, the anchors at the one inserted', async () => {
  const paths = copyOf('db-insert');
  renumber(paths, 8, 1);
  const db = new Database(paths.register);
  const columns = (db.prepare('PRAGMA table_info(entries)').all() as { name: string }[]).map((c) => c.name);
  const values = columns.map((c) => (c === 'seq' ? '8' : c === 'id' ? "id || '-forged'" : c));
  db.exec(`INSERT INTO entries (${columns.join(', ')}) SELECT ${values.join(', ')} FROM entries WHERE seq = 7`);
  db.close();
  const register = reader(paths.root);
  const forged = entryHash(register.previousHash(8), [...register.entries(8, 8)][0]!);
  register.close();
  sql(paths, `UPDATE entries SET hash = x'${Buffer.from(forged).toString('hex')}' WHERE seq = 8`);
  assert.is(chain(paths).first, '9:hash-mismatch');
  assert.is(await againstAnchors(paths), '8:rewritten');
});

test('database, reorder: both at the first entry out of place', async () => {
  const paths = copyOf('db-reorder');
  swap(paths, 8, 9);
  assert.is(chain(paths).first, '8:hash-mismatch');
  assert.is(await againstAnchors(paths), '8:rewritten');
});

test('database, the tail cut after a checkpoint: verify() passes, only the anchors see it', async () => {
  const paths = copyOf('db-truncate');
  sql(paths, 'DELETE FROM entries WHERE seq > 10; DELETE FROM checkpoints WHERE seq > 10');
  assert.equal(chain(paths), { ok: true, first: '' });
  assert.is(await againstAnchors(paths), '11:rolled-back');
  assert.is(atStart(paths), 'recognised', 'the same register, shorter: the marker cannot tell');
});

test('database, rolled back to an older copy: verify() passes; the anchors see it, and the old head signed again is a replayed checkpoint', async () => {
  const paths = copyOf('db-rollback');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${paths.register}${suffix}`, { force: true });
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(`${dataDirPaths(fx.olderCopy).register}${suffix}`)) copyFileSync(`${dataDirPaths(fx.olderCopy).register}${suffix}`, `${paths.register}${suffix}`);
  }
  assert.equal(chain(paths), { ok: true, first: '' });
  assert.is(await againstAnchors(paths), '7:rolled-back');
  // The agent runs on the old copy and stops: it signs entry 6 anew, after the central side holds entry 10's.
  writer(paths.root).close();
  const replayedLines = outboxLines(paths.root).filter((line) => line.startsWith('{"seq":6,'));
  assert.is(replayedLines.length, 1);
  assert.is(await againstAnchors(paths, `${fx.anchorsText}${replayedLines[0]}\n`), '7:rolled-back 6:replayed');
});

test('database, replaced by another register of the same device, or deleted: verify() passes; the marker refuses it at start; the anchors at entry 1', async () => {
  const paths = copyOf('db-replaced');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${paths.register}${suffix}`, { force: true });
  const db = new Database(dataDirPaths(fx.other).register);
  db.exec(`VACUUM INTO '${paths.register.replace(/'/g, "''")}'`);
  db.close();
  assert.equal(chain(paths), { ok: true, first: '' });
  assert.is(await againstAnchors(paths), '1:replaced');
  assert.is(atStart(paths), 'REGISTER_REPLACED');
  const gone = copyOf('db-deleted');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${gone.register}${suffix}`, { force: true });
  assert.is(atStart(gone), 'REGISTER_MISSING');
});

test('database, rewritten and re-signed with another key: verify() at the first checkpoint after the edit, the anchors at the edit', async () => {
  const paths = copyOf('db-resigned');
  sql(paths, "UPDATE entries SET recorded_at = '2026-01-01T00:00:00.000Z' WHERE seq = 8");
  const hashes = rehash(paths, 8);
  const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const deviceKeyId = keyIdOf(loadDeviceIdentity(paths, { create: false }).publicKey);
  const db = new Database(paths.register);
  const update = db.prepare('UPDATE checkpoints SET head_hash = ?, signature = ? WHERE seq = ?');
  for (const row of db.prepare('SELECT seq, signed_at FROM checkpoints WHERE seq >= 8').all() as { seq: number; signed_at: string }[]) {
    const forged = signCheckpoint(forger.privateKey, deviceKeyId, row.seq, hashes.get(row.seq)!, row.signed_at);
    update.run(forged.headHash, forged.signature, row.seq);
  }
  db.close();
  assert.is(chain(paths).first, '10:bad-checkpoint');
  assert.is(await againstAnchors(paths), '8:rewritten');
});

test("database, a checkpoint of another register (same key) replayed into this one: verify() at that checkpoint", async () => {
  const paths = copyOf('db-foreign-checkpoint');
  const theirs = new Database(dataDirPaths(fx.other).register, { readonly: true });
  const row = theirs.prepare('SELECT * FROM checkpoints WHERE seq = 1').get() as { seq: number; head_hash: Buffer; signed_at: string; key_id: string; signature: Buffer };
  theirs.close();
  sql(paths, `DELETE FROM checkpoints WHERE seq = 1; INSERT INTO checkpoints (seq, head_hash, signed_at, key_id, signature) VALUES (1, x'${row.head_hash.toString('hex')}', '${row.signed_at}', '${row.key_id}', x'${row.signature.toString('hex')}')`);
  assert.is(chain(paths).first, '1:checkpoint-mismatch');
});

test.run();
