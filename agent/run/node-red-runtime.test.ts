import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { childEnv } from './node-red-runtime.ts';

test('the runtime’s environment: no systemd sockets, credentials or tokens; HOME is its userDir', () => {
  const env = childEnv(
    { PATH: '/usr/bin', TZ: 'Asia/Ho_Chi_Minh', NOTIFY_SOCKET: '/run/systemd/notify', CREDENTIALS_DIRECTORY: '/run/credentials/xacminh', XACMINH_DATA_DIR: '/var/lib/xacminh', MQTT_PASSWORD: 'secret', NODE_OPTIONS: '--inspect', HOME: '/root' },
    '/var/lib/xacminh/node-red',
  );
  assert.equal(env, { HOME: '/var/lib/xacminh/node-red', NODE_ENV: 'production', PATH: '/usr/bin', TZ: 'Asia/Ho_Chi_Minh' });
});

test.run();
