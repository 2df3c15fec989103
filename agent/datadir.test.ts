import { mkdtempSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertThrowsCode } from '../drivers/test-assert.ts';
import { dataDirPaths, loadAuthorityKey, loadDeviceIdentity } from './datadir.ts';

test('first demo start creates a P-256 device key (0600) and a demo authority; the second start reuses them', () => {
  const paths = dataDirPaths(mkdtempSync(join(tmpdir(), 'xacminh-data-')));
  const first = loadDeviceIdentity(paths, { create: true });
  assert.is(statSync(paths.deviceKey).mode & 0o777, 0o600);
  const again = loadDeviceIdentity(paths, { create: true });
  assert.is(again.keyId, first.keyId);
  const authority = loadAuthorityKey(paths, { createDemo: true });
  assert.ok(authority.demoPrivateKey);
  assert.is(loadAuthorityKey(paths, { createDemo: true }).publicKey.export({ format: 'jwk' }).x, authority.publicKey.export({ format: 'jwk' }).x);
});

test('a provisioned terminal without keys, or with a wrong key, gets a clear CONFIG_INVALID', () => {
  const paths = dataDirPaths(mkdtempSync(join(tmpdir(), 'xacminh-data-')));
  assertThrowsCode(() => loadDeviceIdentity(paths, { create: false }), 'CONFIG_INVALID');
  assertThrowsCode(() => loadAuthorityKey(paths, { createDemo: false }), 'CONFIG_INVALID');
  mkdirSync(dirname(paths.deviceKey), { recursive: true });
  writeFileSync(paths.deviceKey, 'not a key');
  assertThrowsCode(() => loadDeviceIdentity(paths, { create: true }), 'CONFIG_INVALID');
});

test('outside the demo, an authority private key on the device is refused with what to do', () => {
  const paths = dataDirPaths(mkdtempSync(join(tmpdir(), 'xacminh-data-')));
  loadAuthorityKey(paths, { createDemo: true });
  const error = assertThrowsCode(() => loadAuthorityKey(paths, { createDemo: false }), 'CONFIG_INVALID');
  assert.match(error.message, /authority's private key is on this device .*authority-private\.pem.*remove it, and install the public key/);
  assert.ok(loadAuthorityKey(paths, { createDemo: true }).demoPrivateKey, 'the demo still uses it');
});

test.run();
