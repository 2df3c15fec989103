// A native binding that does not load is NATIVE_MODULE with what to run, never "storage full or damaged".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { realDlopenError } from '../../drivers/native-module-test-support.ts';
import { storageError } from './storage-error.ts';

/** Node's own text for an ABI mismatch (src/node_binding.cc), as seen running Node 24 on a Node 20 build. */
function abiMismatch(): Error {
  const error = new Error(
    "The module '/opt/xacminh/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
      'was compiled against a different Node.js version using\n' +
      'NODE_MODULE_VERSION 115. This version of Node.js requires\n' +
      'NODE_MODULE_VERSION 137. Please try re-compiling or re-installing\n' +
      'the module (for instance, using `npm rebuild` or `npm install`).',
  );
  return Object.assign(error, { code: 'ERR_DLOPEN_FAILED' });
}

test('a binding built for another Node.js ABI: NATIVE_MODULE naming the module, both ABIs and the command to run', () => {
  const error = storageError(abiMismatch(), '/var/lib/xacminh/register.db', 'open');
  assert.is(error.code, 'NATIVE_MODULE');
  assert.match(error.message, /^better-sqlite3 was built for another Node\.js \(ABI 115; this is Node\.js v\d+.*ABI \d+/);
  assert.match(error.message, /sh provisioning\/bootstrap\.sh start.*npm rebuild better-sqlite3/);
  assert.not.match(error.message, /full|damaged|corrupt/);
  assert.is(error.evidence.builtForAbi, '115');
});

test("a .node file Node's dlopen refuses (wrong platform): NATIVE_MODULE, not a storage failure", () => {
  const cause = realDlopenError('better-sqlite3/build/Release/better_sqlite3.node');
  assert.is((cause as NodeJS.ErrnoException).code, 'ERR_DLOPEN_FAILED');
  const error = storageError(cause, '/var/lib/xacminh/register.db', 'open');
  assert.is(error.code, 'NATIVE_MODULE');
  assert.match(error.message, /^better-sqlite3 cannot be loaded by this Node\.js .*invalid ELF header.*npm rebuild better-sqlite3/);
});

test('SQLite errors are still storage errors with their advice', () => {
  const full = storageError(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), '/d/register.db', 'append');
  assert.is(full.code, 'STORAGE_FAILED');
  assert.match(full.message, /disk .* is full/);
});

test.run();
