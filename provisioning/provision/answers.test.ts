// Answers: trust paths relative to the answers file, the data dir's order of precedence, unreadable files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { readAnswersFile, resolveDataDir } from './answers.ts';

const dir = mkdtempSync(join(tmpdir(), 'xacminh-answers-'));
const minimal = {
  enrolment: { url: 'https://enrol.example:8443', caFingerprint: 'AB:'.repeat(31) + 'AB', code: 'K7Q2-9XZP' },
  siteId: 'site-1',
  deviceId: 'quay-1',
  accounts: [{ username: 'kythuat', role: 'technician' }],
};

test('defaults for a Pi, and trust files relative to the answers file', () => {
  const path = join(dir, 'answers.json');
  writeFileSync(path, `\uFEFF${JSON.stringify({ ...minimal, trust: { import: ['trust/vn.der', '/abs/list.ml'] } })}`);
  const answers = readAnswersFile(path);
  assert.equal(answers.trust.import, [join(dir, 'trust/vn.der'), '/abs/list.ml']);
  assert.equal(answers.devices.reader, { kind: 'pcsc' });
  assert.is(answers.devices.camera.kind, 'v4l2');
  assert.is(answers.devices.scanner, null);
});

test('a file that is not JSON, or absent, is INVALID_INPUT naming it', () => {
  const path = join(dir, 'broken.json');
  writeFileSync(path, '{ "siteId": ');
  for (const file of [path, join(dir, 'absent.json')]) {
    try {
      readAnswersFile(file);
      assert.unreachable();
    } catch (error) {
      assert.ok(isXacminhError(error, 'INVALID_INPUT'), String(error));
      assert.match(error.message, file);
    }
  }
});

test('data dir: the answers, else --data-dir, else $XACMINH_DATA_DIR, else /var/lib/xacminh as root, else ./.data', () => {
  assert.is(resolveDataDir({ dataDir: '/srv/a' }, '/srv/b', { XACMINH_DATA_DIR: '/srv/c' }, 0), '/srv/a');
  assert.is(resolveDataDir({}, '/srv/b', { XACMINH_DATA_DIR: '/srv/c' }, 0), '/srv/b');
  assert.is(resolveDataDir(undefined, undefined, { XACMINH_DATA_DIR: '/srv/c' }, 0), '/srv/c');
  assert.is(resolveDataDir(undefined, undefined, {}, 0), '/var/lib/xacminh');
  assert.is(resolveDataDir(undefined, undefined, {}, 1000), resolve('.data'));
});

test('the example answers file (for the README) is valid', () => {
  const answers = readAnswersFile(new URL('./answers.example.json', import.meta.url).pathname);
  assert.is(answers.devices.camera.kind, 'rpicam');
  assert.is(answers.profile.businessType, 'pawnshop');
  assert.equal(answers.accounts.map((a) => a.role), ['technician', 'inspector']);
});

test.run();
