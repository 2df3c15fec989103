import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from './atomic-file.ts';
import { isXacminhError } from './errors.ts';

let dir: string;
test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xacminh-atomic-'));
});
test.after(async () => rm(dir, { recursive: true, force: true }));

test('replaces the content, keeps the permissions, leaves no temporary file', async () => {
  const path = join(dir, 'spec.json');
  await writeFile(path, 'old');
  await chmod(path, 0o640);
  await writeFileAtomic(path, 'new');
  assert.is(await readFile(path, 'utf8'), 'new');
  assert.is((await stat(path)).mode & 0o777, 0o640);
  assert.equal(await readdir(dir), ['spec.json']);
});

test('through a symlink: the link stays a link, its target gets the content; a new file gets the given mode', async () => {
  const real = join(dir, 'real.json');
  const link = join(dir, 'link.json');
  await writeFile(real, 'old');
  await symlink(real, link);
  await writeFileAtomic(link, 'new');
  assert.ok((await lstat(link)).isSymbolicLink());
  assert.is(await readFile(real, 'utf8'), 'new');
  const fresh = join(dir, 'fresh.json');
  await writeFileAtomic(fresh, 'x', 0o600);
  assert.is((await stat(fresh)).mode & 0o777, 0o600);
});

test('a failed replacement leaves the target as it was and no temporary file', async () => {
  const target = join(dir, 'a-directory');
  await mkdir(target);
  let failed = false;
  await writeFileAtomic(target, 'x').catch(() => (failed = true)); // a file cannot be renamed over a directory
  assert.ok(failed);
  assert.ok((await stat(target)).isDirectory());
  assert.not.ok((await readdir(dir)).some((f) => f.endsWith('.tmp')), String(await readdir(dir)));
});

test('a rename onto a folder: a clear STORAGE_FAILED, no temp file left, and the temp fd closed exactly once', () => {
  const target = join(dir, 'a-folder');
  fs.mkdirSync(target);
  const closes: number[] = [];
  const realClose = fs.closeSync;
  fs.closeSync = (fd: number) => {
    closes.push(fd);
    realClose(fd);
  };
  let caught: unknown;
  try {
    writeFileAtomicSync(target, 'x');
  } catch (error) {
    caught = error;
  } finally {
    fs.closeSync = realClose;
  }
  assert.ok(isXacminhError(caught, 'STORAGE_FAILED'), String(caught));
  assert.match((caught as Error).message, /Could not replace .*a-folder \(EISDIR\): check that it is a file, not a folder/);
  // One close for the temp file: a second would close whatever file another thread got that number for.
  assert.is(closes.length, 1, `closeSync calls: ${closes.join(', ')}`);
  assert.not.ok(fs.readdirSync(dir).some((f) => f.endsWith('.tmp')), String(fs.readdirSync(dir)));
});

test('a file or symlink planted at a guessable temp name is neither followed nor overwritten; the temp file is opened exclusively', async () => {
  const victim = join(dir, 'victim');
  await writeFile(victim, 'precious');
  const path = join(dir, 'key.pem');
  // The names the old writers used: `${path}.${pid}.tmp` and `${path}.tmp`.
  await symlink(victim, `${path}.${process.pid}.tmp`);
  await symlink(victim, `${path}.tmp`);
  const opened: { path: string; flags: unknown }[] = [];
  const realOpen = fs.openSync;
  fs.openSync = ((p: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
    opened.push({ path: String(p), flags });
    return realOpen(p, flags ?? 'r', mode);
  }) as typeof fs.openSync;
  try {
    writeFileAtomicSync(path, 'secret', 0o600);
    writeFileAtomicSync(path, 'secret 2', 0o600);
  } finally {
    fs.openSync = realOpen;
  }
  assert.is(await readFile(victim, 'utf8'), 'precious');
  assert.is(await readFile(path, 'utf8'), 'secret 2');
  assert.not.ok((await lstat(path)).isSymbolicLink());
  const temps = opened.filter((o) => o.path.endsWith('.tmp'));
  assert.is(temps.length, 2);
  assert.ok(temps.every((t) => t.flags === 'wx'), JSON.stringify(temps));
  assert.is.not(temps[0]!.path, temps[1]!.path);
  assert.not.ok(temps.some((t) => t.path.includes(String(process.pid))), JSON.stringify(temps));
  await rm(`${path}.${process.pid}.tmp`);
  await rm(`${path}.tmp`);
});

test('the folder is fsynced after the rename, so the new name survives a power cut', async () => {
  const sub = join(dir, 'sub');
  await mkdir(sub);
  const synced: { dir: boolean; ino: number }[] = [];
  const realSync = fs.fsyncSync;
  fs.fsyncSync = (fd: number) => {
    const s = fs.fstatSync(fd);
    synced.push({ dir: s.isDirectory(), ino: s.ino });
    realSync(fd);
  };
  try {
    await writeFileAtomic(join(sub, 'calibration.json'), '{}');
  } finally {
    fs.fsyncSync = realSync;
  }
  const folder = await stat(sub);
  assert.equal(synced.map((s) => s.dir), [false, true]);
  assert.is(synced[1]!.ino, folder.ino);
});

test('a new file gets exactly the given mode whatever the umask; keepMode false tightens an existing file', async () => {
  const old = process.umask(0o077);
  try {
    writeFileAtomicSync(join(dir, 'public.pem'), 'x', 0o644);
    process.umask(0o022);
    writeFileAtomicSync(join(dir, 'private.pem'), 'x', 0o600);
    const loose = join(dir, 'export.jsonl');
    await writeFile(loose, 'old');
    await chmod(loose, 0o644);
    writeFileAtomicSync(loose, 'new', 0o600, { keepMode: false });
    assert.is((await stat(loose)).mode & 0o777, 0o600);
  } finally {
    process.umask(old);
  }
  assert.is((await stat(join(dir, 'public.pem'))).mode & 0o777, 0o644);
  assert.is((await stat(join(dir, 'private.pem'))).mode & 0o777, 0o600);
});

test.run();
