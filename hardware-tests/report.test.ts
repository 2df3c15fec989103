// The signed report: a JWS that verifies with the device key, carries kid and the certificate chain (x5c)
// whose leaf holds that key; kept atomically, the newest 20 only; lastSelfTest reads the newest back.
import { X509Certificate } from 'node:crypto';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildReport, KEEP_REPORTS, lastSelfTest, readReport, signReport, storeReport } from './report.ts';
import { issueDeviceCertificate, testDataDir } from './test-support.ts';
import type { CheckResult } from './types.ts';

const check = (status: CheckResult['status']): CheckResult => ({ id: 'disk.space', status, measured: { freeMiB: 1 }, limits: {}, durationMs: 1, hint: null, hintVi: null });

function report(finishedAt: string, status: 'pass' | 'marginal' | 'fail') {
  return buildReport({ siteId: 'site-1', deviceId: 'terminal-1', via: 'cli', interactive: false, startedAt: finishedAt, finishedAt, status, checks: [check(status === 'marginal' ? 'marginal' : status)] });
}

test('the report verifies with the device key; its header names the key and carries the certificate chain, leaf first', async () => {
  const data = testDataDir();
  try {
    issueDeviceCertificate(data, 'terminal-1', 30);
    const jws = await signReport(report('2026-11-30T01:00:00.000Z', 'pass'), data.identity, data.paths);
    const { payload, protectedHeader } = await compactVerify(jws, data.identity.publicKey);
    assert.is(JSON.parse(new TextDecoder().decode(payload)).status, 'pass');
    assert.equal([protectedHeader.alg, protectedHeader.kid, protectedHeader.typ], ['ES256', data.identity.keyId, 'xacminh-selftest+jws']);
    const chain = (protectedHeader.x5c ?? []).map((der) => new X509Certificate(Buffer.from(der, 'base64')));
    assert.is(chain.length, 2);
    assert.ok(chain[0]!.publicKey.equals(data.identity.publicKey), 'the leaf certifies the signing key');
    assert.ok(chain[0]!.verify(chain[1]!.publicKey), 'the leaf is signed by the next certificate');
  } finally {
    data.remove();
  }
});

test('without a certificate (not yet enrolled) the report is still signed, with kid and no x5c', async () => {
  const data = testDataDir();
  try {
    const jws = await signReport(report('2026-11-30T01:00:00.000Z', 'pass'), data.identity, data.paths);
    const header = decodeProtectedHeader(jws);
    assert.equal([header.kid, header.x5c], [data.identity.keyId, undefined]);
  } finally {
    data.remove();
  }
});

test('stored 0600 under self-tests/, names sort by time, only the newest 20 kept; lastSelfTest gives the newest', async () => {
  const data = testDataDir();
  try {
    assert.is(lastSelfTest(data.paths.root), null);
    let last = '';
    for (let i = 0; i < KEEP_REPORTS + 5; i++) {
      const at = new Date(Date.UTC(2026, 10, 30, 1, 0, i)).toISOString();
      const r = report(at, i === KEEP_REPORTS + 4 ? 'marginal' : 'pass');
      last = storeReport(data.paths, r, await signReport(r, data.identity, data.paths));
    }
    const files = readdirSync(data.paths.selfTests).sort();
    assert.is(files.length, KEEP_REPORTS);
    assert.is(readReport(join(data.paths.selfTests, files[0]!)).finishedAt, '2026-11-30T01:00:05.000Z', 'the five oldest went');
    assert.is(statSync(last).mode & 0o777, 0o600);
    assert.equal(lastSelfTest(data.paths.root), { status: 'marginal', finishedAt: '2026-11-30T01:00:24.000Z', file: last });
    // A damaged newest file does not hide the one before it.
    writeFileSync(join(data.paths.selfTests, '2099-01-01T00-00-00-000Z_pass_000000.jws'), 'not a jws');
    assert.is(lastSelfTest(data.paths.root)?.file, last);
  } finally {
    data.remove();
  }
});

test.run();
