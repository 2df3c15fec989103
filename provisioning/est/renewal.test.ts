// Renewal through simplereenroll over mTLS against the reference service, with a faked client clock.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createPublicKey } from 'node:crypto';
import { dataDirPaths, keyIdOf } from '../../agent/datadir.ts';
import { knownDeviceKeys } from './key-history.ts';
import { enrolDevice, makeCsr } from './enrol.ts';
import { simpleReenroll } from './client.ts';
import { readEnrolment, readPinnedCa } from './identity-store.ts';
import { rejection, startTestService, type TestService } from './est-test-support.ts';
import { generateP256 } from './pki.ts';
import { recoverInterruptedRenewal, renewIdentity, renewalTime } from './renewal.ts';

const DAY = 86_400_000;
const test = suite('EST renewal');
let service: TestService;
let foreign: TestService;
const dirs: string[] = [];

test.before(async () => {
  service = await startTestService({ certLifetimeMs: 30 * DAY });
  foreign = await startTestService({ certLifetimeMs: 30 * DAY });
});
test.after(async () => {
  await service.dispose();
  await foreign.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function enrolled(deviceId: string, on: TestService = service): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-renew-'));
  dirs.push(dir);
  await enrolDevice({ dataDir: dir, url: on.url, caFingerprint: on.fingerprint, code: on.issueCode('site-1'), siteId: 'site-1', deviceId });
  return dir;
}

test('renewal time: two thirds of the lifetime, up to 5 % earlier with jitter', () => {
  const from = new Date('2026-01-01T00:00:00Z');
  const to = new Date(from.getTime() + 90 * DAY);
  assert.is(renewalTime(from, to, () => 0).getTime(), from.getTime() + 60 * DAY);
  assert.is(renewalTime(from, to, () => 1).getTime(), from.getTime() + 90 * DAY * (2 / 3 - 0.05));
});

test('not due yet: success with nothing to do, nothing sent', async () => {
  const dir = await enrolled('ren-1');
  const before = service.requests.length;
  const result = await renewIdentity({ dataDir: dir, now: () => new Date(Date.now() + 5 * DAY) });
  assert.is(result.renewed, false);
  assert.is(service.requests.length, before);
});

test('due (faked clock at 2/3): simplereenroll over mTLS brings a new key and certificate; the record follows', async () => {
  const dir = await enrolled('ren-2');
  const paths = dataDirPaths(dir);
  const oldKey = readFileSync(paths.deviceKey, 'utf8');
  const oldRecord = readEnrolment(paths)!;
  const result = await renewIdentity({ dataDir: dir, now: () => new Date(Date.now() + 21 * DAY) });
  assert.is(result.renewed, true);
  assert.is.not(result.serial, oldRecord.serial);
  assert.is.not(readFileSync(paths.deviceKey, 'utf8'), oldKey, 'the key rotates');
  // The old key's public half stays known: what it signed (register checkpoints, sent events) still verifies.
  const known = knownDeviceKeys(dir);
  assert.is(known.size, 2);
  assert.ok(known.has(keyIdOf(createPublicKey(oldKey))));
  assert.ok(known.has(keyIdOf(createPublicKey(readFileSync(paths.deviceKey, 'utf8')))));
  const record = readEnrolment(paths)!;
  assert.is(record.serial, result.serial);
  assert.ok(record.renewedAt);
  assert.is(result.bundleProblem, undefined);
  assert.ok(service.requests.includes('POST /.well-known/est/simplereenroll'));
  const again = await renewIdentity({ dataDir: dir, now: () => new Date(Date.now() + 10 * DAY) });
  assert.is(again.renewed, false, 'the new certificate (issued now for 30 days) is not due 10 days on');
});

test('a renewal cut short after the certificate was written: the new key waiting beside it is adopted; a stray one is dropped', async () => {
  const dir = await enrolled('ren-7');
  const paths = dataDirPaths(dir);
  const currentKey = readFileSync(paths.deviceKey, 'utf8');
  // As if the cut came after the certificate: the key in place is the old one, the certified one waits in .next.
  writeFileSync(`${paths.deviceKey}.next`, currentKey, { mode: 0o600 });
  writeFileSync(paths.deviceKey, (await generateP256()).pem, { mode: 0o600 });
  recoverInterruptedRenewal(dir);
  assert.is(readFileSync(paths.deviceKey, 'utf8'), currentKey);
  assert.not.ok(existsSync(`${paths.deviceKey}.next`));

  writeFileSync(`${paths.deviceKey}.next`, (await generateP256()).pem, { mode: 0o600 });
  recoverInterruptedRenewal(dir);
  assert.is(readFileSync(paths.deviceKey, 'utf8'), currentKey, 'a key the certificate does not certify is not adopted');
  assert.not.ok(existsSync(`${paths.deviceKey}.next`));
});

test('expired (faked clock past notAfter): the plain re-enrolment error, and no request', async () => {
  const dir = await enrolled('ren-3');
  const before = service.requests.length;
  const error = await rejection(renewIdentity({ dataDir: dir, now: () => new Date(Date.now() + 31 * DAY) }));
  assert.match(error.message, /^The device certificate expired on .+: re-enrol with `xacminh provision` and a new enrolment code$/);
  assert.is(service.requests.length, before);
});

test('a revoked device cannot renew', async () => {
  const dir = await enrolled('ren-4');
  service.registry.revoke('ren-4', new Date());
  const error = await rejection(renewIdentity({ dataDir: dir, force: true }));
  assert.is(error.code, 'ACCESS_DENIED');
  assert.match(error.message, /revoked/);
});

test('a certificate from another CA cannot renew here, nor can a CSR for another device', async () => {
  const stranger = await enrolled('ren-5', foreign);
  const paths = dataDirPaths(stranger);
  const mine = await enrolled('ren-6');
  const pinned = readPinnedCa(dataDirPaths(mine), readEnrolment(dataDirPaths(mine))!);
  const next = await generateP256();
  const strangerIdentity = { certPem: readFileSync(paths.deviceCert, 'utf8'), keyPem: readFileSync(paths.deviceKey, 'utf8') };
  const foreignError = await rejection(simpleReenroll(service.url, pinned, await makeCsr(next.pair, 'site-1', 'ren-5'), strangerIdentity));
  assert.match(foreignError.message, /not issued by this enrolment CA/);

  const mineIdentity = { certPem: readFileSync(dataDirPaths(mine).deviceCert, 'utf8'), keyPem: readFileSync(dataDirPaths(mine).deviceKey, 'utf8') };
  const otherName = await rejection(simpleReenroll(service.url, pinned, await makeCsr(next.pair, 'site-1', 'ren-1'), mineIdentity));
  assert.match(otherName.message, /the CSR names site-1\/ren-1 but the client certificate is site-1\/ren-6/);
});

test.run();
