// The register data key at agent start: made 0600 with a new register, loaded after, never silently
// replaced for a register that holds sealed data; a damaged key file is an error, not a new key.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { dataDirPaths, loadRegisterDataKey } from '../datadir.ts';
import { sampleRecord } from '../events/events-test-support.ts';
import { openRegisterDataKey } from './data-key.ts';
import { Register } from './register.ts';

const deviceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const test = suite('register data key');
let dir = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-data-key-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('made with a new register (0600 whatever the umask), the same key after, none made by a reader', () => {
  const paths = dataDirPaths(join(dir, 'a'));
  assert.is(loadRegisterDataKey(paths, { create: false }), undefined, 'a reader never makes one');
  const old = process.umask(0o022);
  let key: Uint8Array;
  try {
    key = openRegisterDataKey(paths);
  } finally {
    process.umask(old);
  }
  assert.is(key.length, 32);
  assert.is(statSync(paths.registerDataKey).mode & 0o777, 0o600);
  assert.equal(Array.from(openRegisterDataKey(paths)), Array.from(key), 'loaded, not replaced');
  assert.equal(Array.from(loadRegisterDataKey(paths, { create: false })!), Array.from(key));
});

test('a missing key for a register holding sealed data stops the start with what to do; a damaged key is an error', () => {
  const paths = dataDirPaths(join(dir, 'b'));
  const dataKey = openRegisterDataKey(paths);
  const register = Register.open(paths.register, { deviceKey, dataKey, outboxCapacity: 10 });
  register.append(sampleRecord(), { events: [] });
  register.close();
  const saved = readFileSync(paths.registerDataKey, 'utf8');
  rmSync(paths.registerDataKey);
  try {
    openRegisterDataKey(paths);
    assert.unreachable('a new key was made for sealed data');
  } catch (error) {
    assert.ok(isXacminhError(error, 'CONFIG_INVALID'), String(error));
    assert.match((error as Error).message, /khôi phục tệp khóa từ bản sao lưu/);
  }
  writeFileSync(paths.registerDataKey, 'not a key\n', { mode: 0o600 });
  assert.throws(() => openRegisterDataKey(paths), (e: unknown) => isXacminhError(e, 'CONFIG_INVALID') && /bị hỏng/.test((e as Error).message));
  writeFileSync(paths.registerDataKey, saved, { mode: 0o600 });
  assert.equal(Array.from(openRegisterDataKey(paths)), Array.from(dataKey), 'the restored key is used');
});

test.run();
