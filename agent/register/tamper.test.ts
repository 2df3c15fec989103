// The tamper matrix (issue 17 "Tests"): each way of rewriting history, on the database and on an export, found
// and located by entry number, and which check catches it. A real register filled as the agent fills it (genesis,
// events anchored in the chain), the anchors as the central side received them, then the file or the export edited.
//   verify()            edits, deletions, insertions, reordering, checkpoints of another key or register
//   anchors             all of those too, and what verify() cannot see: a cut tail, an older copy, a replacement
//   marker (at start)   a replaced or deleted database
//   export signature    a patched header, a re-signed or replayed export signature
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { dataDirPaths, keyIdOf, loadDeviceIdentity, loadRegisterDataKey, type DataDirPaths } from '../datadir.ts';
import { buildVerificationEvent } from '../events/event.ts';
import { sampleRecord } from '../events/events-test-support.ts';
import { checkAnchors, parseAnchors, type AnchorReport } from './anchors.ts';
import { GENESIS_HASH, entryHash, signCheckpoint, type ChainedEntry } from './chain.ts';
import { exportRegister, headerDigest, parseExport, serializeExport, signExport, verifyExport, type ExportBundle } from './export.ts';
import { openWithGenesis } from './genesis.ts';
import { Register } from './register.ts';

const test = suite('register tamper matrix');
const authority = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const quiet = { warn() {}, info() {} };
let root = '';
let base = '';
/** The same register when it held entries 1..6 (the genesis and five verifications), taken while the agent ran. */
let olderCopy = '';
/** Another register of the same device (its own genesis), to put in this one's place. */
let other = '';
let anchorsText = '';

function writer(dir: string): Register {
  const paths = dataDirPaths(dir);
  const identity = loadDeviceIdentity(paths, { create: true });
  const dataKey = loadRegisterDataKey(paths, { create: true });
  const open = () => Register.open(paths.register, { deviceKey: identity.privateKey, ...(dataKey ? { dataKey } : {}), outboxCapacity: 10_000, checkpointEvery: 5 });
  return openWithGenesis({ paths, siteId: 'hcm-q1', deviceId: 'quay-3', deviceKey: identity.privateKey, keyId: identity.keyId, log: quiet }, open).register;
}

function reader(dir: string): Register {
  const paths = dataDirPaths(dir);
  const dataKey = loadRegisterDataKey(paths, { create: false });
  return Register.open(paths.register, { deviceKey: loadDeviceIdentity(paths, { create: false }).privateKey, ...(dataKey ? { dataKey } : {}), outboxCapacity: 0, readOnly: true });
}

async function verifications(dir: string, register: Register, count: number): Promise<void> {
  const identity = loadDeviceIdentity(dataDirPaths(dir), { create: false });
  const keys = { deviceKey: identity.privateKey, deviceKeyId: identity.keyId, authorityPublicKey: authority.publicKey };
  for (let i = 0; i < count; i++) {
    const record = sampleRecord({ decision: i % 2 ? 'rejected' : 'verified' });
    await register.appendAnchored(record, { events: async (anchor) => [await buildVerificationEvent(record, keys, anchor)] });
  }
}

/** What the central side received: events (JWS) as JSON strings, checkpoints and the genesis announcement as objects. */
function outboxLines(dir: string): string[] {
  const register = reader(dir);
  try {
    return register.outbox.peek(100_000).map((m) => (m.topic.startsWith('register/') ? m.payload : JSON.stringify(m.payload)));
  } finally {
    register.close();
  }
}

test.before(async () => {
  root = mkdtempSync(join(tmpdir(), 'xacminh-tamper-'));
  base = join(root, 'base');
  let register = writer(base);
  await verifications(base, register, 5);
  // Copied while running: entry 6 is not under a checkpoint yet (the close signs it).
  olderCopy = join(root, 'older');
  cpSync(base, olderCopy, { recursive: true });
  register.close();
  register = writer(base);
  await verifications(base, register, 7);
  register.close();
  anchorsText = `${outboxLines(base).join('\n')}\n`;

  other = join(root, 'other');
  cpSync(join(base, 'identity'), join(other, 'identity'), { recursive: true });
  register = writer(other);
  await verifications(other, register, 3);
  register.close();
});
test.after(() => rmSync(root, { recursive: true, force: true }));

function copyOf(name: string, from = base): DataDirPaths {
  const dir = join(root, name);
  cpSync(from, dir, { recursive: true });
  return dataDirPaths(dir);
}

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

/** An export's entries held against the anchors (checkAnchors over the export's lines instead of the database). */
async function exportAgainstAnchors(bundle: ExportBundle, dir = base): Promise<AnchorReport> {
  const register = reader(dir);
  try {
    const parsed = await parseAnchors(anchorsText, register.verificationKeys);
    assert.equal(parsed.ignored, [], 'every line the central side holds is a usable anchor, the genesis announcement included');
    const { entries, start, notExported } = exportEntries(bundle);
    return checkAnchors(entries, parsed.anchors.filter((a) => !notExported(a.seq)), parsed.ignored, start);
  } finally {
    register.close();
  }
}

async function againstAnchors(paths: DataDirPaths): Promise<string> {
  const register = reader(paths.root);
  const parsed = await parseAnchors(anchorsText, register.verificationKeys);
  const report = register.snapshot(() => checkAnchors(register.entries(), parsed.anchors, parsed.ignored));
  register.close();
  return report.problems.map((p) => `${p.seq}:${p.kind}`).join(' ');
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
    if (existsSync(`${dataDirPaths(olderCopy).register}${suffix}`)) copyFileSync(`${dataDirPaths(olderCopy).register}${suffix}`, `${paths.register}${suffix}`);
  }
  assert.equal(chain(paths), { ok: true, first: '' });
  assert.is(await againstAnchors(paths), '7:rolled-back');
  // The agent runs on the old copy and stops: it signs entry 6 anew, after the central side holds entry 10's.
  writer(paths.root).close();
  const replayedLines = outboxLines(paths.root).filter((line) => line.startsWith('{"seq":6,'));
  assert.is(replayedLines.length, 1);
  const saved = anchorsText;
  anchorsText = `${saved}${replayedLines[0]}\n`;
  try {
    assert.is(await againstAnchors(paths), '7:rolled-back 6:replayed');
  } finally {
    anchorsText = saved;
  }
});

test('database, replaced by another register of the same device, or deleted: verify() passes; the marker refuses it at start; the anchors at entry 1', async () => {
  const paths = copyOf('db-replaced');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${paths.register}${suffix}`, { force: true });
  const db = new Database(dataDirPaths(other).register);
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
  const theirs = new Database(dataDirPaths(other).register, { readonly: true });
  const row = theirs.prepare('SELECT * FROM checkpoints WHERE seq = 1').get() as { seq: number; head_hash: Buffer; signed_at: string; key_id: string; signature: Buffer };
  theirs.close();
  sql(paths, `DELETE FROM checkpoints WHERE seq = 1; INSERT INTO checkpoints (seq, head_hash, signed_at, key_id, signature) VALUES (1, x'${row.head_hash.toString('hex')}', '${row.signed_at}', '${row.key_id}', x'${row.signature.toString('hex')}')`);
  assert.is(chain(paths).first, '1:checkpoint-mismatch');
});

// --- exports: the file an inspector carries away, checked offline with the device's public key ---

function exportOf(dir: string, range: { fromSeq?: number; toSeq?: number } = {}): ExportBundle {
  const register = reader(dir);
  try {
    return parseExport(serializeExport(exportRegister(register, { signingKey: loadDeviceIdentity(dataDirPaths(dir), { create: false }).privateKey, ...range })));
  } finally {
    register.close();
  }
}

function problems(bundle: ExportBundle): string[] {
  const key = loadDeviceIdentity(dataDirPaths(base), { create: false }).publicKey;
  return verifyExport(parseExport(serializeExport(bundle)), { trustedPublicKey: key }).problems.map((p) => `${p.seq}:${p.kind}`);
}

test('export: intact verifies; edit, delete, insert, reorder and a cut tail are each found at their entry', () => {
  const bundle = exportOf(base);
  assert.equal(problems(bundle), []);

  const edited = structuredClone(bundle);
  edited.entries.find((e) => e.seq === 8)!.recordedAt = '2026-01-01T00:00:00.000Z';
  assert.is(problems(edited)[0], '8:hash-mismatch');

  const deleted = structuredClone(bundle);
  deleted.entries = deleted.entries.filter((e) => e.seq !== 8);
  assert.is(problems(deleted)[0], '9:gap');

  const inserted = structuredClone(bundle);
  const at = inserted.entries.findIndex((e) => e.seq === 8);
  inserted.entries.splice(at, 0, { ...inserted.entries[at]!, id: `${inserted.entries[at]!.id}-forged` });
  for (const entry of inserted.entries.slice(at + 1)) entry.seq += 1;
  // Its sealed part no longer opens either: the per-entry key and the AAD are bound to the entry id.
  assert.ok(problems(inserted)[0]!.startsWith('8:') && problems(inserted).includes('8:hash-mismatch'), problems(inserted).join(' '));

  const reordered = structuredClone(bundle);
  const i = reordered.entries.findIndex((e) => e.seq === 8);
  [reordered.entries[i], reordered.entries[i + 1]] = [reordered.entries[i + 1]!, reordered.entries[i]!];
  assert.is(problems(reordered)[0], '8:gap');

  const cut = structuredClone(bundle);
  cut.entries = cut.entries.filter((e) => e.seq <= 10);
  cut.checkpoints = cut.checkpoints.filter((c) => c.seq <= 10);
  assert.ok(problems(cut).includes('11:gap'), problems(cut).join(' '));
});

test('export: the head dropped and the header patched, an older signature replayed on a cut export, a re-signed export: the signature catches each', () => {
  const slice = exportOf(base, { fromSeq: 5 });
  const headless = structuredClone(slice);
  headless.entries = headless.entries.filter((e) => e.seq >= 7);
  headless.checkpoints = headless.checkpoints.filter((c) => c.seq >= 7);
  headless.header.range = { ...headless.header.range, fromSeq: 7, entries: headless.entries.length };
  headless.header.previousHash = slice.entries.find((e) => e.seq === 6)!.hash;
  assert.equal(problems(headless), ['0:header-mismatch']);

  const older = exportOf(base, { toSeq: 6 });
  const replayed = structuredClone(exportOf(base));
  replayed.entries = replayed.entries.filter((e) => e.seq <= 6);
  replayed.checkpoints = replayed.checkpoints.filter((c) => c.seq <= 6);
  replayed.exportCheckpoint = older.exportCheckpoint;
  assert.ok(problems(replayed).includes('0:header-mismatch'), problems(replayed).join(' '));

  // Edited, re-chained and re-signed throughout by a forger's key: only the device's key, brought by the inspector, is believed.
  const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const forgerKeyId = keyIdOf(forger.publicKey);
  const resigned = exportOf(base);
  resigned.entries.find((e) => e.seq === 8)!.recordedAt = '2026-01-01T00:00:00.000Z';
  const rechained = new Map<number, string>();
  let previous: Uint8Array = GENESIS_HASH;
  for (const [index, entry] of exportEntries(resigned).entries.entries()) {
    previous = entryHash(previous, entry);
    resigned.entries[index]!.hash = Buffer.from(previous).toString('hex');
    rechained.set(entry.seq, resigned.entries[index]!.hash);
  }
  const resign = (c: ExportBundle['checkpoints'][number]) => {
    const signed = signCheckpoint(forger.privateKey, forgerKeyId, c.seq, new Uint8Array(Buffer.from(rechained.get(c.seq)!, 'hex')), c.signedAt);
    Object.assign(c, { headHash: rechained.get(c.seq)!, keyId: forgerKeyId, signature: Buffer.from(signed.signature).toString('base64url') });
  };
  resigned.checkpoints.forEach(resign);
  resigned.header.device = { keyId: forgerKeyId };
  const last = resigned.exportCheckpoint!;
  resign(last);
  last.headerSha256 = headerDigest(resigned.header);
  last.exportSignature = signExport(forger.privateKey, last.headerSha256, last.seq, last.headHash, last.signedAt);
  const found = problems(resigned);
  assert.is(found[0], '0:key-mismatch', found.join(' '));
  assert.ok(found.includes('1:bad-checkpoint'), 'even the genesis checkpoint, which the forger had to re-sign with the rest');
  // The same forgery checked against the forger's own key passes: the key must come from the authority, never the file.
  const withForgerKey = verifyExport(parseExport(serializeExport(resigned)), { trustedPublicKey: forger.publicKey });
  assert.ok(withForgerKey.ok, JSON.stringify(withForgerKey.problems));
});

/**
 * An export's entries as the chain sees them. A slice starts at the hash before it; entries after it up to the
 * head the device reported when exporting are simply not in the file, but anchors beyond that head mean the
 * register the export came from is shorter than what the central side holds.
 */
function exportEntries(bundle: ExportBundle): { entries: ChainedEntry[]; start: { seq: number; hash: Uint8Array }; notExported: (seq: number) => boolean } {
  const hex = (h: string | null | undefined) => (h ? new Uint8Array(Buffer.from(h, 'hex')) : null);
  const entries = bundle.entries.map((e): ChainedEntry => ({
    seq: e.seq,
    id: e.id,
    recordedAt: e.recordedAt,
    recordJson: (e.format === 2 ? e.publicJson : e.recordJson) ?? '',
    frameSha256: hex(e.frameSha256),
    format: e.format,
    kind: e.kind,
    sealedSha256: hex(e.sealedSha256),
  }));
  const { fromSeq, toSeq } = bundle.header.range;
  const start = { seq: fromSeq - 1, hash: fromSeq === 1 ? GENESIS_HASH : new Uint8Array(Buffer.from(bundle.header.previousHash, 'hex')) };
  return { entries, start, notExported: (seq) => seq > toSeq && seq <= bundle.header.registerHeadSeq };
}

test('export of a rolled-back or replaced register: it verifies offline (the device signed it), the anchors find where it departs', async () => {
  const rolledBack = copyOf('export-rollback', olderCopy);
  const fromOld = exportOf(rolledBack.root);
  assert.equal(problems(fromOld), [], 'a genuine export of what the device holds now');
  const oldReport = await exportAgainstAnchors(fromOld);
  assert.equal(oldReport.problems.map((p) => `${p.seq}:${p.kind}`), ['7:rolled-back']);

  const fromOther = exportOf(other);
  assert.equal(problems(fromOther), []);
  const otherReport = await exportAgainstAnchors(fromOther, other);
  assert.is(otherReport.problems[0]?.kind, 'replaced');
  assert.is(otherReport.firstDifference, 1);

  const slice = exportOf(base, { fromSeq: 5, toSeq: 9 });
  const sliceReport = await exportAgainstAnchors(slice);
  assert.ok(sliceReport.ok, JSON.stringify(sliceReport.problems));
  const editedSlice = structuredClone(slice);
  editedSlice.entries.find((e) => e.seq === 7)!.recordedAt = '2026-01-01T00:00:00.000Z';
  assert.is((await exportAgainstAnchors(editedSlice)).firstDifference, 7);
});

test.run();
