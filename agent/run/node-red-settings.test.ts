// The Node-RED settings a security reviewer reads (issue 16), checked value by value, and the login hooks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXCLUDED_NODE_FILES, nodeRedSettings, SESSION_EXPIRY_SECONDS } from './node-red-settings.ts';

const runtime = { userDir: '/data/node-red', port: 0, httpNodeEnabled: false, credentialSecret: 'c'.repeat(64), packageDir: '/app/flows/' };
const auth = {
  authenticate: async (username: string, password: string) => (username === 'tech' && password === 'right' ? 'tech' : null),
  isTechnician: async (username: string) => username === 'tech',
};

test('loopback editor, 8-hour sessions, own credentialSecret, no installs, no exec/file/watch, no telemetry, projects, tours', () => {
  const s = nodeRedSettings(runtime, auth, {}) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.is(s.uiHost, '127.0.0.1');
  assert.is(s.flowFile, 'flows.json');
  assert.is(s.credentialSecret, 'c'.repeat(64));
  assert.is(s.adminAuth.type, 'credentials');
  assert.ok(s.adminAuth.sessionExpiryTime <= 8 * 3600 && SESSION_EXPIRY_SECONDS === s.adminAuth.sessionExpiryTime);
  assert.is(s.externalModules.palette.allowInstall, false);
  assert.is(s.externalModules.palette.allowUpload, false);
  assert.is(s.externalModules.modules.allowInstall, false);
  assert.is(s.externalModules.autoInstall, false);
  assert.is(s.functionExternalModules, false);
  for (const file of ['90-exec.js', '10-file.js', '23-watch.js']) assert.ok(EXCLUDED_NODE_FILES.includes(file as never) && s.nodesExcludes.includes(file), file);
  assert.is(s.diagnostics.enabled, false);
  assert.is(s.telemetry.enabled, false);
  assert.is(s.editorTheme.projects.enabled, false);
  assert.is(s.editorTheme.tours, false);
  assert.is(s.httpNodeRoot, false, 'no HTTP-in endpoints unless the site enables them');
  assert.is((nodeRedSettings({ ...runtime, httpNodeEnabled: true }, auth, {}) as { httpNodeRoot: string }).httpNodeRoot, '/endpoints');
});

test('adminAuth asks the agent: a technician with the right password gets in, nobody else', async () => {
  const { adminAuth } = nodeRedSettings(runtime, auth, {}) as { adminAuth: { authenticate(u: string, p: string): Promise<unknown>; users(u: string): Promise<unknown> } };
  assert.equal(await adminAuth.authenticate('tech', 'right'), { username: 'tech', permissions: '*' });
  assert.is(await adminAuth.authenticate('tech', 'wrong'), null);
  assert.equal(await adminAuth.users('tech'), { username: 'tech', permissions: '*' });
  assert.is(await adminAuth.users('inspector'), null);
});

test.run();
