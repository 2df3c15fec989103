import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ADDRESS_LIMIT, LOCK_MS, LoginThrottle } from './lockout.ts';

const test = suite('inspection login throttle');
let dir = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-lockout-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('an account lock survives a restart (the counts are in a 0600 file), and a success clears the count', () => {
  const file = join(dir, 'lockout.json');
  let now = 1_000_000;
  const first = new LoginThrottle(() => now, file);
  for (let i = 0; i < 4; i++) assert.is(first.failed('canbo.a', '192.0.2.1').locked, false);
  assert.is(first.failed('canbo.a', '192.0.2.1').locked, true);
  assert.is(statSync(file).mode & 0o777, 0o600);
  const restarted = new LoginThrottle(() => now, file);
  assert.equal(restarted.check('canbo.a', '192.0.2.9'), { locked: true, retryAfterMs: LOCK_MS }, 'the account is locked from any address');
  assert.is(restarted.check('canbo.b', '192.0.2.9').locked, false, 'other accounts are not');
  now += LOCK_MS;
  assert.is(restarted.check('canbo.a', '192.0.2.1').locked, false);
  restarted.failed('canbo.a', '192.0.2.1');
  restarted.succeeded('canbo.a', '192.0.2.1');
  for (let i = 0; i < 4; i++) restarted.failed('canbo.a', '192.0.2.1');
  assert.is(restarted.check('canbo.a', '192.0.2.1').locked, false, 'the success reset the count');
});

test('one address guessing across many account names is locked after 20 failures', () => {
  const throttle = new LoginThrottle(() => 0);
  for (let i = 0; i < ADDRESS_LIMIT - 1; i++) assert.is(throttle.failed(`user${i}`, '198.51.100.7').locked, false, `failure ${i + 1}`);
  assert.is(throttle.failed('user-last', '198.51.100.7').locked, true);
  assert.is(throttle.check('someone.else', '198.51.100.7').locked, true);
  assert.is(throttle.check('someone.else', '198.51.100.8').locked, false);
});

test('a damaged counts file starts empty instead of locking everyone out', () => {
  const file = join(dir, 'damaged.json');
  writeFileSync(file, '{not json');
  assert.is(new LoginThrottle(() => 0, file).check('canbo.a', '192.0.2.1').locked, false);
});

test.run();
