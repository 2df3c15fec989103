import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { assertRejectsCode } from '../../drivers/test-assert.ts';
import { loadConfigFile, parseConfig } from './load.ts';

const dir = mkdtempSync(join(tmpdir(), 'xacminh-config-'));

test('no file: the embedded demo defaults', async () => {
  const { config, fromFile } = await loadConfigFile(join(dir, 'absent.json'));
  assert.is(fromFile, false);
  assert.equal(config.reader, { kind: 'simulated', everySeconds: 6 });
  assert.equal(config.mqtt, { kind: 'embedded', port: 0 });
  assert.is(config.face.required, true);
  assert.is(config.timeouts.faceMs, 10_000);
});

test('a site file says only what differs', () => {
  const config = parseConfig({ siteId: 'hanoi-01', mqtt: { kind: 'broker', url: 'mqtts://broker.example:8883', certFile: 'identity/cert.pem' } });
  assert.is(config.siteId, 'hanoi-01');
  assert.is(config.deviceId, 'demo-terminal');
  assert.equal(config.mqtt, { kind: 'broker', url: 'mqtts://broker.example:8883', certFile: 'identity/cert.pem', protocolVersion: 5 });
});

test('every wrong field is named in one error', () => {
  try {
    parseConfig({ siteId: 'a/b', mqtt: { kind: 'broker', url: 'http://x' }, timeouts: { faceMs: 5 }, colour: 'red' });
    assert.unreachable();
  } catch (error) {
    assert.ok(isXacminhError(error, 'CONFIG_INVALID'));
    for (const field of ['siteId', 'mqtt.url', 'timeouts.faceMs', 'colour']) assert.match(error.message, field);
  }
});

test('malformed JSON is an error, not a silent default', async () => {
  const path = join(dir, 'bad.json');
  writeFileSync(path, '{ "siteId": ');
  await assertRejectsCode(loadConfigFile(path), 'CONFIG_INVALID');
});

test.run();
