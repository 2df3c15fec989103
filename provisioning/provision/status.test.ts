// provision status's self-test line: the newest signed report (JWS) or JSON, a damaged newest one skipped.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign } from 'jose';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lastSelfTest } from './status.ts';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jws = (payload: object) => new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', typ: 'xacminh-selftest+jws' }).sign(privateKey);

function put(folder: string, name: string, content: string, secondsAgo: number): void {
  writeFileSync(join(folder, name), content);
  const at = new Date(Date.UTC(2026, 10, 30, 2, 0, 0) - secondsAgo * 1000);
  utimesSync(join(folder, name), at, at);
}

test('no folder, or no report: never run', () => {
  const folder = mkdtempSync(join(tmpdir(), 'xacminh-selftests-'));
  assert.is(lastSelfTest(join(folder, 'absent')), null);
  put(folder, 'notes.txt', 'x', 0);
  put(folder, '.2026-11-30.jws.1234.tmp', 'x', 0);
  assert.is(lastSelfTest(folder), null);
});

test('the newest report wins, a signed JWS as the self-test writes it; a damaged newest one is skipped', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'xacminh-selftests-'));
  put(folder, '2026-11-30T01-00-00-000Z_fail_aaaaaa.jws', `${await jws({ status: 'fail', finishedAt: '2026-11-30T01:00:00.000Z' })}\n`, 3600);
  put(folder, '2026-11-30T01-30-00-000Z_pass_bbbbbb.jws', `${await jws({ status: 'pass', finishedAt: '2026-11-30T01:30:00.000Z' })}\n`, 1800);
  assert.equal(lastSelfTest(folder), { file: join(folder, '2026-11-30T01-30-00-000Z_pass_bbbbbb.jws'), status: 'pass', finishedAt: '2026-11-30T01:30:00.000Z' });
  put(folder, '2026-11-30T01-59-00-000Z_pass_cccccc.jws', 'eyJhbGciOiJFUzI1NiJ9.bm90LWpzb24.c2ln', 60);
  assert.is(lastSelfTest(folder)?.status, 'pass', 'the damaged newest file is skipped');
  put(folder, 'manual.json', JSON.stringify({ status: 'marginal', finishedAt: '2026-11-30T01:59:30Z' }), 30);
  assert.is(lastSelfTest(folder)?.status, 'marginal');
});

test.run();
