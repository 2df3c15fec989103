// A provisioning run as root on a data dir the service user owns gives back what it wrote.
import { chownSync, lstatSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dataDirOwner, giveDataDir } from './owner.ts';

const isRoot = process.getuid?.() === 0;

test('not root, or a root-owned data dir: nobody to give files to', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-owner-'));
  assert.is(dataDirOwner(dir, 1000), undefined);
  assert.is(dataDirOwner(join(dir, 'absent'), 0), undefined);
  if (isRoot) assert.is(dataDirOwner(dir, 0), undefined);
});

test('as root: files root left in a service-owned data dir go back to its owner, symlink targets untouched', () => {
  if (!isRoot) {
    console.log('  skipped: chown needs root (the sandbox of this suite runs as root; a developer shell may not)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-owner-'));
  const outside = join(mkdtempSync(join(tmpdir(), 'xacminh-outside-')), 'passwd-like');
  writeFileSync(outside, 'x');
  chownSync(dir, 4321, 4322);
  mkdirSync(join(dir, 'trust'));
  writeFileSync(join(dir, 'site.json'), '{}');
  writeFileSync(join(dir, 'trust', 'vn.der'), 'x');
  symlinkSync(outside, join(dir, 'link'));
  const owner = dataDirOwner(dir, 0);
  assert.equal(owner, { uid: 4321, gid: 4322 });
  giveDataDir(dir, owner!);
  for (const path of ['site.json', 'trust', 'trust/vn.der', 'link']) assert.equal([lstatSync(join(dir, path)).uid, lstatSync(join(dir, path)).gid], [4321, 4322], path);
  assert.is(lstatSync(outside).uid, 0, 'the link target is not followed');
});

test.run();
