/** The terminal's identity and trust: certificate days left, the trust store, the clock (NTP and skew). */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { basename } from 'node:path';
import { wasConfigured } from '../../agent/datadir.ts';
import { pemCertificates } from '../../drivers/emrtd/authenticity/pem.ts';
import type { Check, SelfTestContext } from '../types.ts';
import { fail, failFrom, skip } from './outcome.ts';

const DAY_MS = 86_400_000;

/** Provisioned: enrolled, or run with a site's config; a demo data dir is neither. */
function provisioned(ctx: SelfTestContext): boolean {
  return existsSync(ctx.paths.enrolment) || existsSync(ctx.paths.deviceCert) || wasConfigured(ctx.paths);
}

export const certificateDays: Check = {
  id: 'cert.days-left',
  title: 'Device certificate valid',
  titleVi: 'Chứng thư thiết bị còn hạn',
  async run(ctx) {
    const limits = { marginalBelowDays: ctx.limits.certMarginalDays, failBelowDays: 0 };
    if (!existsSync(ctx.paths.deviceCert)) {
      if (!provisioned(ctx)) return skip({ en: 'not provisioned (demo data dir): no device certificate expected', vi: 'máy chưa được cấp phát (thư mục demo): chưa cần chứng thư' });
      return fail(`No device certificate at ${ctx.paths.deviceCert}: run xacminh provision`, `Không có chứng thư thiết bị tại ${ctx.paths.deviceCert}: chạy xacminh provision`, { present: false }, limits);
    }
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pemCertificates(readFileSync(ctx.paths.deviceCert, 'utf8'))[0] ?? '');
    } catch (error) {
      return failFrom(error, `${ctx.paths.deviceCert} is not a certificate: run xacminh provision again`, `${ctx.paths.deviceCert} không phải chứng thư hợp lệ: chạy lại xacminh provision`);
    }
    const daysLeft = Math.floor((new Date(cert.validTo).getTime() - ctx.now().getTime()) / DAY_MS);
    const matchesKey = existsSync(ctx.paths.deviceKey) ? cert.checkPrivateKey(createPrivateKey(readFileSync(ctx.paths.deviceKey))) : false;
    const measured = { daysLeft, notAfter: new Date(cert.validTo).toISOString(), matchesDeviceKey: matchesKey };
    if (!matchesKey) return fail('The certificate is not for this device key: run xacminh provision again', 'Chứng thư không khớp với khóa của máy: chạy lại xacminh provision', measured, limits);
    if (ctx.now().getTime() >= new Date(cert.validTo).getTime()) {
      return fail('The device certificate has expired: the broker refuses the terminal. Re-enrol: xacminh provision with a new enrolment code', 'Chứng thư thiết bị đã hết hạn: máy chủ MQTT sẽ từ chối. Cấp lại: chạy xacminh provision với mã đăng ký mới', measured, limits);
    }
    if (daysLeft < ctx.limits.certMarginalDays) {
      return { status: 'marginal', measured, limits, hint: `Only ${daysLeft} days left: check that the terminal reaches the enrolment service so it renews`, hintVi: `Chỉ còn ${daysLeft} ngày: kiểm tra máy kết nối được dịch vụ đăng ký để tự gia hạn` };
    }
    return { status: 'pass', measured, limits };
  },
};

export const trustStore: Check = {
  id: 'trust.store',
  title: 'Trust store loaded (CSCA certificates, master lists, CRLs)',
  titleVi: 'Kho chứng thư tin cậy (CSCA, danh sách gốc, CRL)',
  async run(ctx) {
    const trust = await ctx.trust();
    const problems = trust.problemsAt(ctx.now()).map((p) => ({ file: basename(p.file), message: p.message }));
    const measured = { anchors: trust.size, problems };
    // An unpinned master list, a CRL no CSCA signed or a stale CRL weakens every chip verdict.
    if (problems.length > 0) return fail(`Trust store problems: ${problems.map((p) => `${p.file}: ${p.message}`).join('; ')}`, `Kho tin cậy có lỗi (${problems.map((p) => p.file).join(', ')}): cập nhật CRL/danh sách gốc theo hướng dẫn`, measured);
    if (trust.size === 0 && !provisioned(ctx)) {
      return { status: 'marginal', measured, hint: 'No CSCA certificate yet: no card can be proven genuine until the trust store is imported (xacminh provision)', hintVi: 'Chưa có chứng thư CSCA: chưa thẻ nào được xác thực là thật cho đến khi nhập kho tin cậy (xacminh provision)' };
    }
    if (trust.size === 0) {
      return fail(`No CSCA certificate in ${ctx.paths.trust}: no card can be proven genuine. Import the ICAO master list or CSCA certificates (xacminh provision)`, `Chưa có chứng thư CSCA trong ${ctx.paths.trust}: không thẻ nào được xác thực là thật. Nhập danh sách gốc ICAO hoặc chứng thư CSCA (xacminh provision)`, measured);
    }
    return { status: 'pass', measured };
  },
};

export const clockSynchronised: Check = {
  id: 'clock.ntp',
  title: 'Clock synchronised (NTP)',
  titleVi: 'Đồng hồ được đồng bộ (NTP)',
  async run(ctx) {
    const synced = await (ctx.ntpSynchronized ?? timedatectlSynchronized)();
    if (synced === null) return skip({ en: 'timedatectl is not available here: cannot tell whether NTP runs', vi: 'không có timedatectl: không kiểm tra được NTP' });
    if (synced) return { status: 'pass', measured: { ntpSynchronized: true } };
    // Marginal, not fail: the skew check judges the time itself; unsynchronised, it will drift.
    return { status: 'marginal', measured: { ntpSynchronized: false }, hint: 'The clock is not synchronised: enable NTP (timedatectl set-ntp true) and check the network reaches an NTP server', hintVi: 'Đồng hồ chưa được đồng bộ: bật NTP (timedatectl set-ntp true) và kiểm tra mạng tới máy chủ NTP' };
  },
};

export const clockSkew: Check = {
  id: 'clock.skew',
  title: 'Clock agrees with the enrolment service',
  titleVi: 'Đồng hồ khớp với dịch vụ đăng ký',
  timeoutMs: 15_000,
  async run(ctx, signal) {
    const url = enrolmentUrl(ctx);
    if (!url) return skip({ en: 'no enrolment record: nothing to compare the clock with', vi: 'chưa có hồ sơ đăng ký: không có mốc để so đồng hồ' });
    const limits = { marginalAboveMs: ctx.limits.skewMarginalMs, failAboveMs: ctx.limits.skewFailMs, resolutionMs: 1000 };
    let remote: { date: Date; roundTripMs: number };
    try {
      remote = await httpDate(url, existsSync(ctx.paths.caChain) ? readFileSync(ctx.paths.caChain) : undefined, ctx.now, signal);
    } catch (error) {
      return failFrom(error, `Cannot reach the enrolment service ${new URL(url).origin} to compare clocks: check the network`, `Không kết nối được dịch vụ đăng ký ${new URL(url).origin} để so đồng hồ: kiểm tra mạng`, {}) ;
    }
    // The Date header has 1 s resolution and was stamped somewhere within the round trip: judge its middle.
    const local = ctx.now().getTime() - remote.roundTripMs / 2;
    const skewMs = Math.round(local - (remote.date.getTime() + 500));
    const measured = { skewMs, roundTripMs: Math.round(remote.roundTripMs), against: new URL(url).origin };
    const abs = Math.abs(skewMs);
    const fix = 'enable NTP (timedatectl set-ntp true) or set the time (timedatectl set-time)';
    const fixVi = 'bật NTP (timedatectl set-ntp true) hoặc chỉnh giờ (timedatectl set-time)';
    if (abs > ctx.limits.skewFailMs) return fail(`The clock is off by ${Math.round(skewMs / 1000)} s: records and certificates will carry wrong times. ${fix}`, `Đồng hồ lệch ${Math.round(skewMs / 1000)} giây: giờ ghi trong sổ và chứng thư sẽ sai. ${fixVi}`, measured, limits);
    if (abs > ctx.limits.skewMarginalMs) return { status: 'marginal', measured, limits, hint: `The clock is off by ${(skewMs / 1000).toFixed(1)} s. ${fix}`, hintVi: `Đồng hồ lệch ${(skewMs / 1000).toFixed(1)} giây. ${fixVi}` };
    return { status: 'pass', measured, limits };
  },
};

function enrolmentUrl(ctx: SelfTestContext): string | null {
  if (!existsSync(ctx.paths.enrolment)) return null;
  try {
    const record = JSON.parse(readFileSync(ctx.paths.enrolment, 'utf8')) as { url?: unknown };
    return typeof record.url === 'string' && /^https?:\/\//.test(record.url) ? record.url : null;
  } catch {
    return null;
  }
}

/** The server's Date header (HEAD of the enrolment URL), trusting the EST CA chain when there is one. */
function httpDate(url: string, ca: Buffer | undefined, now: () => Date, signal: AbortSignal): Promise<{ date: Date; roundTripMs: number }> {
  return new Promise((resolve, reject) => {
    const sent = now().getTime();
    const req = request(url, { method: 'HEAD', signal, timeout: 10_000, ...(ca ? { ca } : {}) }, (res) => {
      res.resume();
      const header = res.headers.date;
      const date = header ? new Date(header) : null;
      if (!date || Number.isNaN(date.getTime())) reject(new Error('the server sent no Date header'));
      else resolve({ date, roundTripMs: Math.max(0, now().getTime() - sent) });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end();
  });
}

function timedatectlSynchronized(): Promise<boolean | null> {
  return new Promise((resolve) => {
    execFile('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { timeout: 5000 }, (error, stdout) => {
      if (error) return resolve(null);
      const value = stdout.trim();
      resolve(value === 'yes' ? true : value === 'no' ? false : null);
    });
  });
}
