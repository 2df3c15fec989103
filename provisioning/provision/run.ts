/**
 * `xacminh provision` once the answers are known: identity (EST enrolment), trust store, site config,
 * accounts, in that order, each reporting changed / unchanged / failed. Idempotent: every step compares
 * with what the data dir holds and writes only what differs. A failed step does not stop the ones that do
 * not depend on it; the site config needs the identity (its broker comes from the signed site bundle).
 */
import { existsSync } from 'node:fs';
import { XacminhError, isXacminhError } from '../../drivers/errors.ts';
import { dataDirPaths } from '../../agent/datadir.ts';
import { ensureAccounts, type AccountChange } from '../../agent/accounts/accounts.ts';
import type { EnrolOptions } from '../est/enrol.ts';
import type { Answers } from './answers.ts';
import { writeSiteConfig, type BundleFacts, type SiteConfigResult } from './site-config.ts';
import { giveDataDir, type Owner } from './owner.ts';
import { importTrust, type TrustImportResult } from './trust-import.ts';

/** The part of provisioning/est/enrol.ts's enrolDevice that provisioning uses (injected: tests, other CAs). */
export type EnrolFunction = (opts: Omit<EnrolOptions, 'codeAuth'>) => Promise<{ changed: boolean; notAfter: string | Date; bundle: BundleFacts }>;

export type StepName = 'identity' | 'trust' | 'site' | 'accounts';
export type StepStatus = 'changed' | 'unchanged' | 'failed' | 'skipped';

export interface StepReport {
  step: StepName;
  status: StepStatus;
  /** Problems that do not fail the step (an outdated CRL, a profile field the answers overrode), in both languages. */
  warnings: Warning[];
  /** Why the step failed: the typed error's code (UNEXPECTED for anything else) and message. */
  error?: { code: string; message: string; linesVi?: string[] };
  identity?: { notAfter: string };
  trust?: TrustImportResult;
  site?: SiteConfigResult;
  accounts?: AccountChange[];
}

export interface Warning {
  en: string;
  vi: string;
}

export interface ProvisionResult {
  dataDir: string;
  steps: StepReport[];
  /** 0 every step done, 2 the answers were wrong (INVALID_INPUT), 1 a step failed. */
  exitCode: 0 | 1 | 2;
}

export interface ProvisionOptions {
  dataDir: string;
  enrol: EnrolFunction;
  resetPassword?: readonly string[];
  /** Give the data dir's files to this user at the end (see owner.ts). */
  owner?: Owner;
  now?: () => Date;
}

export async function runProvision(answers: Answers, options: ProvisionOptions): Promise<ProvisionResult> {
  const { dataDir } = options;
  const now = options.now ?? (() => new Date());
  const steps: StepReport[] = [];
  let bundle: BundleFacts | undefined;

  steps.push(
    await step('identity', async (report) => {
      const { code } = answers.enrolment;
      if (code === undefined && !existsSync(dataDirPaths(dataDir).enrolment)) {
        throw new XacminhError('INVALID_INPUT', 'enrolment.code: this terminal is not enrolled yet, so the one-time enrolment code is needed (xacminh enrol-service issue-code)', {
          linesVi: ['enrolment.code — thiết bị chưa đăng ký nên cần mã đăng ký một lần (xacminh enrol-service issue-code)'],
        });
      }
      // An empty code is never sent: enrolDevice finds the terminal enrolled for this site and device first.
      const result = await options.enrol({ dataDir, ...answers.enrolment, code: code ?? '', siteId: answers.siteId, deviceId: answers.deviceId, now, ...(options.owner ? { owner: options.owner } : {}) });
      bundle = result.bundle;
      report.identity = { notAfter: new Date(result.notAfter).toISOString() };
      return result.changed;
    }),
  );

  steps.push(
    await step('trust', async (report) => {
      const trust = await importTrust(dataDir, { files: answers.trust.import, pins: answers.trust.masterListSigners, now: now() });
      report.trust = trust;
      for (const file of trust.files) {
        if (file.outdated && file.message) report.warnings.push({ en: `${file.source}: ${file.message}`, vi: `${file.source}: CRL đã quá hạn cập nhật (nextUpdate): tải CRL mới của CSCA này và nhập lại` });
      }
      const refused = trust.files.filter((f) => f.status === 'refused');
      if (refused.length) {
        throw new XacminhError('CONFIG_INVALID', `${refused.length} trust file(s) refused (why: above, with each file)`, { refused: refused.map((f) => f.source) });
      }
      return trust.files.some((f) => f.status === 'imported');
    }),
  );

  if (bundle) {
    const facts = bundle;
    steps.push(
      await step('site', async (report) => {
        const site = writeSiteConfig(dataDir, answers, facts);
        report.site = site;
        for (const field of site.overridden) report.warnings.push({ en: `profile.${field}: the answers' value replaces the site bundle's`, vi: `profile.${field}: dùng giá trị trong câu trả lời thay cho giá trị của gói cấu hình (site bundle)` });
        // A trial on one machine may leave devices simulated; `xacminh start` then refuses without --demo, so say it here.
        const simulated = [...(answers.devices.reader.kind === 'simulated' ? ['devices.reader'] : []), ...(answers.devices.camera.kind === 'simulated' ? ['devices.camera (with the face step on)'] : [])];
        if (simulated.length) {
          report.warnings.push({
            en: `${simulated.join(', ')}: simulated (a trial set-up): xacminh start runs this terminal only with --demo (simulated customers through this site's broker and certificate); set the real devices before it goes into service`,
            vi: `${simulated.join(', ').replace('(with the face step on)', '(khi bật bước khuôn mặt)')}: thiết bị mô phỏng (chạy thử): xacminh start chỉ chạy máy này với --demo (khách hàng mô phỏng qua máy chủ MQTT và chứng thư của cơ sở); khai báo thiết bị thật trước khi đưa vào sử dụng`,
          });
        }
        return site.status === 'changed';
      }),
    );
  } else {
    steps.push({ step: 'site', status: 'skipped', warnings: [{ en: 'needs the identity step (the broker comes from the signed site bundle)', vi: 'cần bước danh tính thành công trước (địa chỉ máy chủ MQTT lấy từ gói cấu hình đã ký)' }] });
  }

  steps.push(
    await step('accounts', async (report) => {
      report.accounts = await ensureAccounts(dataDir, answers.accounts, { resetPassword: options.resetPassword ?? [], now });
      return report.accounts.some((a) => a.status !== 'unchanged' && a.status !== 'kept');
    }),
  );

  if (options.owner) giveDataDir(dataDir, options.owner);
  const failed = steps.filter((s) => s.status === 'failed' || s.status === 'skipped');
  const exitCode = failed.some((s) => s.error?.code === 'INVALID_INPUT') ? 2 : failed.length ? 1 : 0;
  return { dataDir, steps, exitCode };
}

async function step(name: StepName, work: (report: StepReport) => Promise<boolean>): Promise<StepReport> {
  const report: StepReport = { step: name, status: 'unchanged', warnings: [] };
  try {
    report.status = (await work(report)) ? 'changed' : 'unchanged';
  } catch (error) {
    report.status = 'failed';
    const linesVi = isXacminhError(error) && Array.isArray(error.evidence.linesVi) ? error.evidence.linesVi.map(String) : undefined;
    report.error = { code: isXacminhError(error) ? error.code : 'UNEXPECTED', message: error instanceof Error ? error.message : String(error), ...(linesVi ? { linesVi } : {}) };
  }
  return report;
}
