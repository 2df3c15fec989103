// The certificate renewal part with a faked clock and timers (no sleeps), against the reference service over HTTPS.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { enrolDevice } from '../../provisioning/est/enrol.ts';
import { startTestService, type TestService } from '../../provisioning/est/est-test-support.ts';
import { IdentityRenewal, type CertificateSummary, type Timers } from './identity-renewal.ts';

const DAY = 86_400_000;
const LIFETIME = 30 * DAY;
const test = suite('identity renewal part');

class FakeTimers implements Timers {
  pending: { fn: () => void; ms: number }[] = [];
  setTimeout(fn: () => void, ms: number): unknown {
    const t = { fn, ms };
    this.pending.push(t);
    return t;
  }
  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter((t) => t !== handle);
  }
  fire(): void {
    const t = this.pending.shift();
    if (!t) throw new Error('no timer pending');
    t.fn();
  }
}

interface Logged {
  level: 'info' | 'warn' | 'error';
  msg: string;
}

const start = Date.now();
let clock = start;
const now = () => new Date(clock);
const dirs: string[] = [];
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function setUp(deviceId: string): Promise<{ service: TestService; dir: string }> {
  clock = start;
  // The service shares the faked clock: certificates it issues start at the faked time.
  const service = await startTestService({ certLifetimeMs: LIFETIME, now });
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-renewal-part-'));
  dirs.push(dir);
  await enrolDevice({ dataDir: dir, url: service.url, caFingerprint: service.fingerprint, code: service.issueCode('site-1'), siteId: 'site-1', deviceId, now });
  return { service, dir };
}

function part(dir: string, timers: FakeTimers, extra: { renewed?: { cert: string; key: string }[]; statuses?: (CertificateSummary | undefined)[] } = {}): { renewal: IdentityRenewal; log: Logged[] } {
  const log: Logged[] = [];
  const logger = { info: (_: object, msg?: string) => log.push({ level: 'info', msg: msg ?? '' }), warn: (_: object, msg?: string) => log.push({ level: 'warn', msg: msg ?? '' }), error: (_: object, msg?: string) => log.push({ level: 'error', msg: msg ?? '' }) };
  const renewal = new IdentityRenewal({
    dataDir: dir,
    log: logger,
    now,
    random: () => 0,
    timers,
    onRenewed: async (identity) => void extra.renewed?.push(identity),
    onStatus: (s) => void extra.statuses?.push(s),
  });
  return { renewal, log };
}

test('waits until 2/3 of the lifetime (a day at a time), then renews with a new key and hands it over', async () => {
  const { service, dir } = await setUp('part-1');
  const timers = new FakeTimers();
  const renewed: { cert: string; key: string }[] = [];
  const { renewal, log } = part(dir, timers, { renewed });
  await renewal.start();
  await renewal.current;
  assert.is(timers.pending.length, 1);
  assert.is(timers.pending[0]!.ms, DAY, 'setTimeout cannot hold 20 days: re-checked daily');
  assert.equal(renewal.certificate && { state: renewal.certificate.state, alarm: renewal.certificate.alarm, daysLeft: renewal.certificate.daysLeft }, { state: 'ok', alarm: false, daysLeft: 29 });

  clock = start + 19 * DAY;
  timers.fire();
  await renewal.current;
  assert.is(renewed.length, 0, 'not due at day 19');
  // X.509 dates have whole seconds: the certificate began up to a second before `start`.
  assert.ok(timers.pending[0]!.ms <= DAY && timers.pending[0]!.ms > DAY - 1000, String(timers.pending[0]!.ms));

  clock = start + 20 * DAY + 1000; // 2/3 of 30 days, jitter 0 (random = 0)
  timers.fire();
  await renewal.current;
  assert.is(renewed.length, 1, log.map((l) => l.msg).join('; '));
  const cert = new X509Certificate(renewed[0]!.cert);
  assert.ok(cert.checkPrivateKey(createPrivateKey(renewed[0]!.key)));
  assert.is(new Date(cert.validFrom).getTime(), Math.floor(clock / 1000) * 1000, 'issued at the faked renewal time');
  assert.is(renewal.certificate?.daysLeft, 29);
  assert.ok(service.requests.includes('POST /.well-known/est/simplereenroll'));
  assert.is(timers.pending.length, 1, 'the next renewal is scheduled');
  await renewal.stop();
  assert.is(timers.pending.length, 0);
  await service.dispose();
});

test('offline: exponential backoff; under 7 days left the alarm is raised; expired: said plainly, no more attempts', async () => {
  const { service, dir } = await setUp('part-2');
  await service.dispose(); // the enrolment service is gone from now on
  const timers = new FakeTimers();
  const statuses: (CertificateSummary | undefined)[] = [];
  const { renewal, log } = part(dir, timers, { statuses });
  clock = start + 21 * DAY;
  await renewal.start();
  await renewal.current;
  assert.ok(log.some((l) => l.level === 'warn' && /renewal failed, retrying in 60 s/.test(l.msg)), log.map((l) => l.msg).join('; '));
  assert.is(timers.pending[0]!.ms, 60_000);
  timers.fire();
  await renewal.current;
  assert.is(timers.pending[0]!.ms, 120_000, 'doubles');

  clock = start + 25 * DAY;
  timers.fire();
  await renewal.current;
  assert.is(renewal.certificate?.alarm, true);
  assert.is(renewal.certificate?.state, 'expiring');
  assert.ok(statuses.some((s) => s?.alarm === true), 'the status is told of the alarm');
  assert.ok(log.some((l) => l.level === 'error' && /expires on .+ \(4 days left/.test(l.msg)), log.map((l) => l.msg).join('; '));

  clock = start + 31 * DAY;
  timers.fire();
  await renewal.current;
  const expired = log.filter((l) => l.level === 'error' && /^The device certificate expired on .+: re-enrol with `xacminh provision` and a new enrolment code$/.test(l.msg));
  assert.is(expired.length, 1);
  assert.is(renewal.certificate?.state, 'expired');
  assert.is(timers.pending.length, 0, 'no renewal attempts after expiry');
  await renewal.stop();
});

test('not enrolled (the demo): nothing to renew, no timer, no certificate summary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-renewal-none-'));
  dirs.push(dir);
  const timers = new FakeTimers();
  const { renewal } = part(dir, timers);
  await renewal.start();
  await renewal.current;
  assert.is(renewal.certificate, undefined);
  assert.is(timers.pending.length, 0);
  await renewal.stop();
});

test.run();
