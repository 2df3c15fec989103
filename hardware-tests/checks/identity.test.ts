// Identity checks against real material: a certificate issued by openssl for the device key judged by an
// injected clock, the clock's skew against a real HTTPS server's Date header, NTP state, trust store.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runOne } from '../runner.ts';
import { issueDeviceCertificate, testContext, testDataDir } from '../test-support.ts';
import { certificateDays, clockSkew, clockSynchronised, trustStore } from './identity.ts';

const DAY = 86_400_000;

test('cert.days-left: skipped on a demo data dir, fails when absent on an enrolled one, passes, marginal under 7 days, fails once expired', async () => {
  const data = testDataDir();
  try {
    assert.is((await runOne(certificateDays, testContext(data), 5000)).status, 'skip');
    writeFileSync(data.paths.enrolment, JSON.stringify({ url: 'https://127.0.0.1:1/.well-known/est' }));
    const absent = await runOne(certificateDays, testContext(data), 5000);
    assert.equal([absent.status, absent.measured.present], ['fail', false]);
    assert.match(absent.hint!, /xacminh provision/);

    issueDeviceCertificate(data, 'terminal-1', 60);
    const now = Date.now();
    const at = (ms: number) => testContext(data, { now: () => new Date(ms) });
    const fresh = await runOne(certificateDays, at(now), 5000);
    assert.is(fresh.status, 'pass', JSON.stringify(fresh));
    assert.ok((fresh.measured.daysLeft as number) >= 58 && (fresh.measured.daysLeft as number) <= 60);
    assert.is(fresh.measured.matchesDeviceKey, true);
    const late = await runOne(certificateDays, at(now + 55 * DAY), 5000);
    assert.is(late.status, 'marginal');
    const expired = await runOne(certificateDays, at(now + 61 * DAY), 5000);
    assert.is(expired.status, 'fail');
    assert.match(expired.hint!, /expired/);
  } finally {
    data.remove();
  }
});

test('cert.days-left: a certificate for another key fails', async () => {
  const data = testDataDir();
  const other = testDataDir();
  try {
    issueDeviceCertificate(other, 'terminal-2', 60);
    writeFileSync(data.paths.deviceCert, readFileSync(other.paths.deviceCert));
    const result = await runOne(certificateDays, testContext(data), 5000);
    assert.equal([result.status, result.measured.matchesDeviceKey], ['fail', false]);
  } finally {
    data.remove();
    other.remove();
  }
});

test('clock.skew against a real HTTPS Date: the true clock passes, 5 s ahead is marginal, 2 minutes ahead fails with the hint', async () => {
  const data = testDataDir();
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe', cwd: data.dir });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'est.key', '-out', 'est.crt', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '2');
  const server = createServer({ key: readFileSync(join(data.dir, 'est.key')), cert: readFileSync(join(data.dir, 'est.crt')) }, (_req, res) => res.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    writeFileSync(data.paths.caChain, readFileSync(join(data.dir, 'est.crt')));
    writeFileSync(data.paths.enrolment, JSON.stringify({ url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/est` }));
    const skewed = (ms: number) => testContext(data, { now: () => new Date(Date.now() + ms) });
    const right = await runOne(clockSkew, skewed(0), 10_000);
    assert.is(right.status, 'pass', JSON.stringify(right));
    assert.ok(Math.abs(right.measured.skewMs as number) <= 1000, JSON.stringify(right.measured));
    assert.is((await runOne(clockSkew, skewed(5000), 10_000)).status, 'marginal');
    const off = await runOne(clockSkew, skewed(120_000), 10_000);
    assert.is(off.status, 'fail');
    assert.ok(Math.abs((off.measured.skewMs as number) - 120_000) <= 1500, JSON.stringify(off.measured));
    assert.match(off.hint!, /timedatectl set-ntp true/);
    assert.match(off.hintVi!, /Đồng hồ lệch/);
  } finally {
    server.close();
    data.remove();
  }
});

test('clock.skew: no enrolment record is a skip; an unreachable service is a fail', async () => {
  const data = testDataDir();
  try {
    assert.is((await runOne(clockSkew, testContext(data), 5000)).status, 'skip');
    writeFileSync(data.paths.enrolment, JSON.stringify({ url: 'https://127.0.0.1:1/.well-known/est' }));
    const down = await runOne(clockSkew, testContext(data), 5000);
    assert.is(down.status, 'fail');
    assert.match(down.hint!, /Cannot reach the enrolment service/);
  } finally {
    data.remove();
  }
});

test('clock.ntp: synchronised passes, not synchronised is marginal, no timedatectl is a skip with the reason', async () => {
  const data = testDataDir();
  try {
    const with_ = (value: boolean | null) => runOne(clockSynchronised, testContext(data, { overrides: { ntpSynchronized: async () => value } }), 1000);
    assert.is((await with_(true)).status, 'pass');
    assert.is((await with_(false)).status, 'marginal');
    const none = await with_(null);
    assert.equal([none.status, none.hint], ['skip', 'timedatectl is not available here: cannot tell whether NTP runs']);
  } finally {
    data.remove();
  }
});

test('trust.store: empty on an enrolled terminal fails, empty on a demo one is marginal', async () => {
  const data = testDataDir();
  try {
    assert.is((await runOne(trustStore, testContext(data), 5000)).status, 'marginal');
    writeFileSync(data.paths.enrolment, '{}');
    const enrolled = await runOne(trustStore, testContext(data), 5000);
    assert.equal([enrolled.status, enrolled.measured.anchors], ['fail', 0]);
  } finally {
    data.remove();
  }
});

test.run();
