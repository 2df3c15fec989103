// Enrolment against the reference service over real HTTPS on 127.0.0.1.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dataDirPaths } from '../../agent/datadir.ts';
import { certificateStatus, enrolDevice, readSiteBundle } from './enrol.ts';
import { rejection, startTestService, type TestService } from './est-test-support.ts';
import { fetchCaCerts, simpleEnroll } from './client.ts';
import { EC_P256, formatFingerprint, generateP256, x509 } from './pki.ts';

const test = suite('EST enrolment');
let service: TestService;
const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-enrol-'));
  dirs.push(dir);
  return dir;
}

test.before(async () => {
  service = await startTestService({ sites: [{ siteId: 'site-1', profile: { businessName: 'Tiệm cầm đồ Phú Quý' } }, { siteId: 'site-2' }] });
});
test.after(async () => {
  await service.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('enrols from scratch: key 0600, certificate for the device, CA chain, bundle verified, files written', async () => {
  const dir = dataDir();
  const result = await enrolDevice({ dataDir: dir, url: service.url, caFingerprint: formatFingerprint(service.fingerprint), code: service.issueCode('site-1'), siteId: 'site-1', deviceId: 'term-1' });
  assert.is(result.changed, true);
  assert.is(result.bundle.siteId, 'site-1');
  assert.is(result.bundle.profile?.businessName, 'Tiệm cầm đồ Phú Quý');
  const paths = dataDirPaths(dir);
  assert.is(statSync(paths.deviceKey).mode & 0o777, 0o600);
  const cert = new X509Certificate(readFileSync(paths.deviceCert));
  assert.is(cert.subject, 'CN=term-1');
  assert.is(cert.subjectAltName, 'URI:urn:xacminh:device:site-1:term-1');
  assert.ok(cert.verify(new X509Certificate(readFileSync(paths.caChain)).publicKey));
  assert.ok(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(readFileSync(paths.deviceKey))));
  const record = JSON.parse(readFileSync(paths.enrolment, 'utf8')) as Record<string, string>;
  assert.is(record.siteId, 'site-1');
  assert.is(record.caFingerprint, service.fingerprint);
  assert.is(record.serial, result.serial);
  assert.ok(readFileSync(paths.brokerCa, 'utf8').includes('BEGIN CERTIFICATE'));
  assert.ok(readFileSync(paths.authorityPublicKey, 'utf8').includes('BEGIN PUBLIC KEY'));
  assert.is((await readSiteBundle(dir)).siteId, 'site-1');
  const status = certificateStatus(dir, new Date());
  assert.is(status.state, 'ok');
  assert.is(status.daysLeft, 89);
  assert.ok(service.requests.includes('POST /.well-known/est/simpleenroll'));
  assert.ok(service.requests.includes('GET /xacminh/site-bundle'));

  // Again, with another (even a spent) code: already enrolled, nothing sent, nothing written.
  const before = service.requests.length;
  const keyBefore = readFileSync(paths.deviceKey, 'utf8');
  const again = await enrolDevice({ dataDir: dir, url: `${service.url}/.well-known/est`, caFingerprint: service.fingerprint, code: 'SPENT', siteId: 'site-1', deviceId: 'term-1' });
  assert.is(again.changed, false);
  assert.is(again.serial, result.serial);
  assert.is(service.requests.length, before);
  assert.is(readFileSync(paths.deviceKey, 'utf8'), keyBefore);

  // The bundle lost (or damaged): fetched again over mTLS with the certificate held, no second enrolment.
  rmSync(paths.siteBundle);
  const mended = await enrolDevice({ dataDir: dir, url: service.url, caFingerprint: service.fingerprint, code: 'SPENT', siteId: 'site-1', deviceId: 'term-1' });
  assert.is(mended.changed, true);
  assert.is(mended.serial, result.serial);
  assert.equal(service.requests.slice(before), ['GET /xacminh/site-bundle']);
  assert.is((await readSiteBundle(dir)).siteId, 'site-1');
});

test('a wrong CA fingerprint stops after cacerts: no enrol request reaches the service', async () => {
  const before = service.requests.length;
  const wrong = 'ab'.repeat(32);
  const error = await rejection(enrolDevice({ dataDir: dataDir(), url: service.url, caFingerprint: wrong, code: service.issueCode('site-1'), siteId: 'site-1', deviceId: 'term-fp' }));
  assert.is(error.code, 'ACCESS_DENIED');
  assert.match(error.message, /does not match the fingerprint/);
  assert.equal(service.requests.slice(before), ['GET /.well-known/est/cacerts']);
});

test('a malformed fingerprint is refused before any request', async () => {
  const before = service.requests.length;
  const error = await rejection(enrolDevice({ dataDir: dataDir(), url: service.url, caFingerprint: '12:34', code: 'x', siteId: 'site-1', deviceId: 'term-x' }));
  assert.is(error.code, 'INVALID_INPUT');
  assert.is(service.requests.length, before);
});

test('a reused code, an expired code and a code for another site are refused; the device gets no files', async () => {
  const code = service.issueCode('site-1');
  await enrolDevice({ dataDir: dataDir(), url: service.url, caFingerprint: service.fingerprint, code, siteId: 'site-1', deviceId: 'term-2' });
  const reusedDir = dataDir();
  const reused = await rejection(enrolDevice({ dataDir: reusedDir, url: service.url, caFingerprint: service.fingerprint, code, siteId: 'site-1', deviceId: 'term-3' }));
  assert.is(reused.code, 'ACCESS_DENIED');
  assert.match(reused.message, /already used/);
  assert.not.ok(existsSync(dataDirPaths(reusedDir).deviceCert));

  const expired = service.codes.issue('site-1', 1, new Date(Date.now() - 2 * 60_000)).code;
  const late = await rejection(enrolDevice({ dataDir: dataDir(), url: service.url, caFingerprint: service.fingerprint, code: expired, siteId: 'site-1', deviceId: 'term-3' }));
  assert.match(late.message, /expired/);

  const other = await rejection(enrolDevice({ dataDir: dataDir(), url: service.url, caFingerprint: service.fingerprint, code: service.issueCode('site-2'), siteId: 'site-1', deviceId: 'term-3' }));
  assert.match(other.message, /another site/);
});

test('one code used by two terminals at once: exactly one is enrolled', async () => {
  const code = service.issueCode('site-1');
  const attempts = await Promise.allSettled(['term-race-a', 'term-race-b'].map((deviceId) => enrolDevice({ dataDir: dataDir(), url: service.url, caFingerprint: service.fingerprint, code, siteId: 'site-1', deviceId })));
  assert.equal(attempts.map((a) => a.status).sort(), ['fulfilled', 'rejected']);
  const failed = attempts.find((a): a is PromiseRejectedResult => a.status === 'rejected')!;
  assert.match((failed.reason as Error).message, /already used/);
});

test('the code may come as HTTP Basic (device id : code), as other EST CAs take it', async () => {
  const result = await enrolDevice({ dataDir: dataDir(), url: service.url, caFingerprint: service.fingerprint, code: service.issueCode('site-1'), siteId: 'site-1', deviceId: 'term-basic', codeAuth: 'basic' });
  assert.is(result.changed, true);
});

test('no code at all: refused with a clear reason', async () => {
  const error = await rejection(enrolDevice({ dataDir: dataDir(), url: service.url, caFingerprint: service.fingerprint, code: 'NOT-A-CODE', siteId: 'site-1', deviceId: 'term-nocode' }));
  assert.match(error.message, /HTTP 403\): unknown enrolment code/);
});

test('a CSR whose CN and SAN disagree is refused, and does not spend the code', async () => {
  const ca = await fetchCaCerts(service.url, service.fingerprint);
  const { pair } = await generateP256();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=term-a', keys: pair, signingAlgorithm: EC_P256, extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: 'urn:xacminh:device:site-1:term-b' }])] });
  const code = service.issueCode('site-1');
  const error = await rejection(simpleEnroll(service.url, ca, csr.rawData, code));
  assert.match(error.message, /the CN term-a and the SAN device term-b disagree/);
  assert.is(service.codes.problem(code, 'site-1', new Date()), null, 'the code is still usable');
});

test('a device id already active is refused until it is revoked', async () => {
  await enrolDevice({ dataDir: dataDir(), url: service.url, caFingerprint: service.fingerprint, code: service.issueCode('site-1'), siteId: 'site-1', deviceId: 'term-4' });
  const code = service.issueCode('site-1');
  const twice = await rejection(enrolDevice({ dataDir: dataDir(), url: service.url, caFingerprint: service.fingerprint, code, siteId: 'site-1', deviceId: 'term-4' }));
  assert.match(twice.message, /already enrolled and active/);
  service.registry.revoke('term-4', new Date());
  // The refused attempt did not spend the code.
  const replaced = await enrolDevice({ dataDir: dataDir(), url: service.url, caFingerprint: service.fingerprint, code, siteId: 'site-1', deviceId: 'term-4' });
  assert.is(replaced.changed, true);
});

test.run();
