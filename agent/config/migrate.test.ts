// Site config versions: v1 (no version) → v2 in memory and on disk with a backup; a newer version refused.
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { loadConfigFile, parseConfig } from './load.ts';
import { migrateSiteConfig, migrateSiteConfigFile } from './migrate.ts';
import { CONFIG_VERSION } from './schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'xacminh-migrate-'));
const v1 = { siteId: 'hcm-01', deviceId: 'quay-1', reader: { kind: 'pcsc' }, face: { required: false }, timeouts: { faceMs: 15_000 } };

test('a file without version is version 1 and becomes the current version, its fields unchanged', () => {
  const migration = migrateSiteConfig(v1);
  assert.equal({ from: migration.from, to: migration.to, changed: migration.changed }, { from: 1, to: CONFIG_VERSION, changed: true });
  assert.equal(migration.config, { ...v1, version: 2 });
  assert.equal(v1, { siteId: 'hcm-01', deviceId: 'quay-1', reader: { kind: 'pcsc' }, face: { required: false }, timeouts: { faceMs: 15_000 } }, 'the input is not modified');
  const config = parseConfig(v1);
  assert.is(config.version, 2);
  assert.is(config.face.required, false);
  assert.is(config.timeouts.faceMs, 15_000);
});

test('the current version is left as it is', () => {
  const migration = migrateSiteConfig({ ...v1, version: 2 });
  assert.is(migration.changed, false);
  assert.is(migration.from, 2);
});

test('a version newer than this code knows is a clear error, on load too', async () => {
  for (const attempt of [() => migrateSiteConfig({ ...v1, version: 3 }), () => parseConfig({ ...v1, version: 3 })]) {
    try {
      attempt();
      assert.unreachable();
    } catch (error) {
      assert.ok(isXacminhError(error, 'CONFIG_INVALID'), String(error));
      assert.match(error.message, 'version 3, written by a newer xacminh; this one knows up to version 2');
    }
  }
  const path = join(dir, 'newer.json');
  writeFileSync(path, JSON.stringify({ version: 9 }));
  try {
    await loadConfigFile(path);
    assert.unreachable();
  } catch (error) {
    assert.ok(isXacminhError(error, 'CONFIG_INVALID'));
    assert.match(error.message, 'version 9');
  }
});

test('a version that is not a whole number from 1 is refused', () => {
  for (const version of ['2', 0, 1.5, null]) {
    try {
      migrateSiteConfig({ version });
      assert.unreachable(String(version));
    } catch (error) {
      assert.ok(isXacminhError(error, 'CONFIG_INVALID'), String(error));
      assert.match(error.message, 'is not a site config version');
    }
  }
});

test('migrating the file writes the current version atomically and keeps the original as site.json.v1.bak', async () => {
  const path = join(dir, 'site.json');
  const original = `${JSON.stringify(v1, null, 2)}\n`;
  writeFileSync(path, original, { mode: 0o600 });
  const result = migrateSiteConfigFile(path);
  assert.equal(result, { from: 1, to: 2, changed: true, backup: `${path}.v1.bak` });
  assert.is(readFileSync(`${path}.v1.bak`, 'utf8'), original);
  assert.is(statSync(`${path}.v1.bak`).mode & 0o777, 0o600);
  const written = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  assert.is(written.version, 2);
  assert.equal({ ...written, version: undefined }, { ...v1, version: undefined });
  const { config } = await loadConfigFile(path);
  assert.is(config.siteId, 'hcm-01');
  // Again: nothing to do, nothing written.
  const before = statSync(path).mtimeMs;
  assert.equal(migrateSiteConfigFile(path), { from: 2, to: 2, changed: false });
  assert.is(statSync(path).mtimeMs, before);
  assert.is(migrateSiteConfigFile(join(dir, 'absent.json')), undefined);
  assert.not.ok(existsSync(join(dir, 'absent.json.v1.bak')));
});

test.run();
