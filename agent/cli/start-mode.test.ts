// The demo runs only when asked for; every other half-configured start is an error that says what to do.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertRejectsCode } from '../../drivers/test-assert.ts';
import { dataDirPaths, markConfigured } from '../datadir.ts';
import { resolveStartMode } from './start-mode.ts';

let root = '';
let cwd = '';
test.before.each(() => {
  root = mkdtempSync(join(tmpdir(), 'xacminh-start-mode-'));
  cwd = process.cwd();
  process.chdir(root);
});
test.after.each(() => {
  process.chdir(cwd);
  rmSync(root, { recursive: true, force: true });
});

const noEnv = {};
const site = (fields: Record<string, unknown>) => JSON.stringify({ siteId: 's', deviceId: 'd', ...fields });

test('no --data-dir, no --config, no $XACMINH_DATA_DIR: the demo in ./.data (npm start)', async () => {
  const mode = await resolveStartMode({}, noEnv);
  assert.ok(mode.demo);
  assert.is(mode.paths.root, join(root, '.data'));
  assert.is(mode.configPath, undefined);
});

test('--config naming a missing file is "no such file", never the demo', async () => {
  const error = await assertRejectsCode(resolveStartMode({ config: join(root, 'sitee.json') }, noEnv), 'CONFIG_INVALID');
  assert.match(error.message, /sitee\.json: no such file/);
});

test('a --data-dir (or $XACMINH_DATA_DIR) without site.json: "no site config … provision it, or use --demo", and nothing is created there', async () => {
  const typo = join(root, 'var-lib-xacminhh');
  const error = await assertRejectsCode(resolveStartMode({ dataDir: typo }, noEnv), 'CONFIG_INVALID');
  assert.match(error.message, /no site config in .*var-lib-xacminhh.*provision it, or use --demo/);
  await assertRejectsCode(resolveStartMode({}, { XACMINH_DATA_DIR: typo }), 'CONFIG_INVALID');
  assert.not.ok(existsSync(typo));
  assert.ok((await resolveStartMode({ dataDir: typo, demo: true }, noEnv)).demo, '--demo asks for it');
});

test('a site file without reader, or with a simulated camera for the face step, names the field; without --demo', async () => {
  const dir = join(root, 'site');
  mkdirSync(dir);
  writeFileSync(join(dir, 'site.json'), site({ camera: { kind: 'v4l2' } }));
  let error = await assertRejectsCode(resolveStartMode({ dataDir: dir }, noEnv), 'CONFIG_INVALID');
  assert.match(error.message, /site\.json: reader is "simulated" \(the default when the file has no reader\).*--demo/);
  assert.is(error.evidence.field, 'reader');
  writeFileSync(join(dir, 'site.json'), site({ reader: { kind: 'pcsc' }, camera: { kind: 'simulated' } }));
  error = await assertRejectsCode(resolveStartMode({ dataDir: dir }, noEnv), 'CONFIG_INVALID');
  assert.is(error.evidence.field, 'camera');
  // No face step: the camera is never opened, so its kind does not matter.
  writeFileSync(join(dir, 'site.json'), site({ reader: { kind: 'pcsc' }, face: { enabled: false } }));
  const mode = await resolveStartMode({ dataDir: dir }, noEnv);
  assert.not.ok(mode.demo);
  assert.is(mode.configPath, join(dir, 'site.json'));
});

test('a site file with simulated devices runs only with --demo, and --demo with a real reader is refused', async () => {
  const file = join(root, 'demo-site.json');
  writeFileSync(file, site({ reader: { kind: 'simulated', everySeconds: 1 } }));
  assert.ok((await resolveStartMode({ config: file, demo: true }, noEnv)).demo);
  writeFileSync(file, site({ reader: { kind: 'pcsc' } }));
  const error = await assertRejectsCode(resolveStartMode({ config: file, demo: true }, noEnv), 'CONFIG_INVALID');
  assert.match(error.message, /reader to "pcsc": leave --demo out/);
});

test('a data dir that has run a site config never runs the demo, asked for or by default', async () => {
  const paths = dataDirPaths(join(root, '.data'));
  markConfigured(paths);
  const first = readdirSync(paths.root);
  markConfigured(paths);
  assert.equal(readdirSync(paths.root), first, 'marking twice leaves one marker');
  for (const options of [{}, { demo: true }, { dataDir: paths.root, demo: true }]) {
    const error = await assertRejectsCode(resolveStartMode(options, noEnv), 'CONFIG_INVALID');
    assert.match(error.message, /has run as a configured terminal: the demo never runs there/);
  }
});

test.run();
