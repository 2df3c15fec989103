import { X509Certificate, createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dataDirPaths } from '../datadir.ts';
import { fingerprintOf, loadInspectionTls, selfSignedPaths } from './tls.ts';

const test = suite('inspection TLS identity');
let dir = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-inspection-tls-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('before enrolment: a self-signed P-256 certificate made once (key 0600), the same on the next start', async () => {
  const paths = dataDirPaths(join(dir, 'a'));
  const first = await loadInspectionTls(paths);
  assert.is(first.source, 'self-signed');
  const cert = new X509Certificate(first.cert);
  assert.is(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.ok(cert.checkIP('127.0.0.1'), 'valid for 127.0.0.1');
  assert.is(first.fingerprint, createHash('sha256').update(cert.raw).digest('hex').toUpperCase().match(/../g)!.join(':'));
  assert.is(statSync(selfSignedPaths(paths).key).mode & 0o777, 0o600);
  const again = await loadInspectionTls(paths);
  assert.is(again.fingerprint, first.fingerprint);
});

test('enrolled: the device certificate and key are served, with the CA chain after the leaf', async () => {
  const paths = dataDirPaths(join(dir, 'b'));
  // Any certificate stands in for the enrolled one here: what matters is which files are served.
  const donor = await loadInspectionTls(dataDirPaths(join(dir, 'donor')));
  mkdirSync(join(paths.root, 'identity'), { recursive: true });
  writeFileSync(paths.deviceCert, donor.cert);
  writeFileSync(paths.deviceKey, donor.key);
  writeFileSync(paths.caChain, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  const tls = await loadInspectionTls(paths);
  assert.is(tls.source, 'device-certificate');
  assert.is(tls.fingerprint, fingerprintOf(donor.cert));
  assert.ok(tls.cert.startsWith(donor.cert.trim()));
  assert.match(tls.cert, 'AAAA');
});

test.run();
