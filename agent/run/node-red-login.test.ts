import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LoginThrottle } from './node-red-login.ts';

test('after `limit` failures in the window no password is checked, until the window has passed', () => {
  let now = 1_000_000;
  const throttle = new LoginThrottle(3, 60_000, () => now);
  for (let i = 0; i < 3; i++) {
    assert.ok(throttle.allowed(), `attempt ${i + 1}`);
    throttle.failed();
    now += 1000;
  }
  assert.not.ok(throttle.allowed(), 'the fourth guess within a minute');
  now += 57_001; // the first failure is now older than the window
  assert.ok(throttle.allowed());
  throttle.failed();
  assert.not.ok(throttle.allowed());
});

test.run();
