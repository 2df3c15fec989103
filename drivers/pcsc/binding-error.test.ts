// The reader binding that cannot load under this Node.js is reported as an installation problem with the
// rebuild to run, not as "pcscd not running" or a build that never happened.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { realDlopenError } from '../native-module-test-support.ts';
import { pcscBindingError } from './context.ts';

test('a pcsclite binding Node cannot load is NATIVE_MODULE naming the package and the rebuild', () => {
  const error = pcscBindingError(realDlopenError('@pokusew/pcsclite/build/Release/pcsclite.node'));
  assert.is(error.code, 'NATIVE_MODULE');
  assert.match(error.message, /^@pokusew\/pcsclite cannot be loaded by this Node\.js .*npm rebuild @pokusew\/pcsclite/);
});

test('a binding that was never built (no .node file) stays PCSC_UNAVAILABLE with its advice', () => {
  const missing = Object.assign(new Error("Cannot find module '../build/Release/pcsclite.node'"), { code: 'MODULE_NOT_FOUND' });
  const error = pcscBindingError(missing);
  assert.is(error.code, 'PCSC_UNAVAILABLE');
  assert.match(error.message, /npm ci/);
});

test('a binding whose system library is missing (libpcsclite.so.1) says to install the packages, not to rebuild', () => {
  // Node's text when the addon loads but the dynamic linker cannot find a library it needs.
  const cause = Object.assign(new Error('libpcsclite.so.1: cannot open shared object file: No such file or directory'), { code: 'ERR_DLOPEN_FAILED' });
  const error = pcscBindingError(cause);
  assert.is(error.code, 'NATIVE_MODULE');
  assert.is(error.evidence.library, 'libpcsclite.so.1');
  assert.match(error.message, /^@pokusew\/pcsclite needs the system library libpcsclite\.so\.1, which is not installed\. Run `sh provisioning\/bootstrap\.sh start` as root .*pcscd and libpcsclite1/);
  assert.not.match(error.message, 'npm rebuild');
});

test.run();
