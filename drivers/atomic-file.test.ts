import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.ts';

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

test.run();
