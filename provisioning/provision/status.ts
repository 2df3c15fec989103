/**
 * `xacminh provision status`: what the data dir holds and what is still missing before the terminal can go
 * into service, the certificate's expiry, the trust store in numbers and the last self-test's result.
 * Read-only; it never contacts the enrolment service.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isXacminhError } from '../../drivers/errors.ts';
import { loadConfigFile } from '../../agent/config/load.ts';
import type { AgentConfig } from '../../agent/config/schema.ts';
import { dataDirPaths } from '../../agent/datadir.ts';
import { readAccounts } from '../../agent/accounts/accounts.ts';
import { trustSummary, type TrustSummary } from './trust-import.ts';

/** provisioning/est's certificateStatus, injected so status runs (and is tested) on any data dir. */
export interface CertificateStatusLike {
  enrolled: boolean;
  notBefore: string | null;
  notAfter: string | null;
  daysLeft: number | null;
  state: string;
  url: string | null;
}

export type ItemName = 'identity' | 'siteProfile' | 'broker' | 'authorityKey' | 'trustStore' | 'accounts' | 'service';
export interface Item {
  ok: boolean;
  detail: string;
  detailVi: string;
}

function item(ok: boolean, detail: string, detailVi: string): Item {
  return { ok, detail, detailVi };
}

export interface SelfTestSummary {
  file: string;
  status: string;
  finishedAt: string | null;
}

export interface ProvisionStatus {
  dataDir: string;
  complete: boolean;
  missing: ItemName[];
  items: Record<ItemName, Item>;
  certificate: CertificateStatusLike;
  enrolmentUrl: string | null;
  trust: TrustSummary;
  /** null: never run. */
  selfTest: SelfTestSummary | null;
}

export interface StatusOptions {
  now?: Date;
  certificateStatus: (dataDir: string, now: Date) => CertificateStatusLike;
  /** The systemd unit install-service writes. */
  unitPath?: string;
}

export const DEFAULT_UNIT_PATH = '/etc/systemd/system/xacminh.service';

export async function provisionStatus(dataDir: string, options: StatusOptions): Promise<ProvisionStatus> {
  const now = options.now ?? new Date();
  const paths = dataDirPaths(dataDir);
  const certificate = safely(() => options.certificateStatus(paths.root, now), (message) => ({ enrolled: false, notBefore: null, notAfter: null, daysLeft: null, state: `unreadable: ${message}`, url: null }));
  let config: AgentConfig | undefined;
  let configProblem = 'no site.json: run xacminh provision';
  let configProblemVi = 'chưa có site.json: chạy xacminh provision';
  try {
    const loaded = await loadConfigFile(paths.siteConfig);
    if (loaded.fromFile) config = loaded.config;
  } catch (error) {
    configProblem = `site.json is not valid: ${(error as Error).message}`;
    configProblemVi = 'site.json không hợp lệ: xem chi tiết tiếng Anh, sửa hoặc chạy lại xacminh provision';
  }
  const trust = await trustSummary(paths.root, config?.trust.masterListSigners ?? [], now).catch(
    (error: unknown): TrustSummary => ({ cscas: 0, expiredCscas: 0, masterLists: 0, crls: 0, outdatedCrls: 0, problems: [(error as Error).message] }),
  );
  const accounts = safely(() => readAccounts(paths.root), () => []);
  const technicians = accounts.filter((a) => a.role === 'technician').length;
  const inspectors = accounts.length - technicians;
  const brokerCa = config?.mqtt.kind === 'broker' && config.mqtt.caFile ? join(paths.root, config.mqtt.caFile) : undefined;
  const unitPath = options.unitPath ?? DEFAULT_UNIT_PATH;

  const cert = certificate;
  const items: Record<ItemName, Item> = {
    identity:
      cert.enrolled && cert.state !== 'expired'
        ? item(true, `certificate valid until ${cert.notAfter ?? '?'} (${cert.daysLeft ?? '?'} days left, ${cert.state})`, `chứng thư còn hạn tới ${cert.notAfter ?? '?'} (còn ${cert.daysLeft ?? '?'} ngày, ${cert.state})`)
        : cert.enrolled
          ? item(false, `certificate expired on ${cert.notAfter ?? '?'}: enrol again (xacminh provision with a new code)`, `chứng thư đã hết hạn ngày ${cert.notAfter ?? '?'}: đăng ký lại (xacminh provision với mã mới)`)
          : item(false, `not enrolled (${cert.state})`, `chưa đăng ký (${cert.state})`),
    siteProfile: config?.site
      ? item(true, `${config.site.businessName} (${config.siteId}/${config.deviceId})`, `${config.site.businessName} (${config.siteId}/${config.deviceId})`)
      : config
        ? item(false, 'site.json has no site profile: run xacminh provision', 'site.json chưa có hồ sơ cơ sở: chạy xacminh provision')
        : item(false, configProblem, configProblemVi),
    broker:
      config?.mqtt.kind === 'broker'
        ? brokerCa && !existsSync(brokerCa)
          ? item(false, `broker CA ${brokerCa} is missing`, `thiếu chứng thư CA của máy chủ MQTT (${brokerCa})`)
          : item(true, redactUrl(config.mqtt.url), redactUrl(config.mqtt.url))
        : config
          ? item(false, 'site.json uses the embedded demo broker', 'site.json đang dùng máy chủ MQTT thử nghiệm')
          : item(false, configProblem, configProblemVi),
    authorityKey: existsSync(paths.demoAuthorityKey)
      ? item(false, `the demo's authority private key is in the data dir (${paths.demoAuthorityKey}): remove it`, `khóa bí mật thử nghiệm của cơ quan đang nằm trong thư mục dữ liệu (${paths.demoAuthorityKey}): xóa nó`)
      : existsSync(paths.authorityPublicKey)
        ? item(true, paths.authorityPublicKey, paths.authorityPublicKey)
        : item(false, `no authority public key at ${paths.authorityPublicKey}`, `chưa có khóa công khai của cơ quan (${paths.authorityPublicKey})`),
    trustStore:
      trust.cscas > 0
        ? item(true, `${trust.cscas} CSCA, ${trust.masterLists} master list(s), ${trust.crls} CRL(s)`, `${trust.cscas} CSCA, ${trust.masterLists} danh sách chủ, ${trust.crls} CRL`)
        : item(false, 'no CSCA certificate: no card can be proven genuine', 'chưa có chứng thư CSCA: không thẻ nào chứng minh được là thật'),
    accounts:
      technicians > 0
        ? item(true, `${technicians} technician, ${inspectors} inspector account(s)`, `${technicians} kỹ thuật viên, ${inspectors} cán bộ kiểm tra`)
        : item(false, 'no technician account', 'chưa có tài khoản kỹ thuật viên'),
    service: existsSync(unitPath)
      ? item(true, unitPath, unitPath)
      : item(false, `not installed (${unitPath}): run xacminh install-service`, `chưa cài (${unitPath}): chạy xacminh install-service`),
  };
  const missing = (Object.keys(items) as ItemName[]).filter((name) => !items[name].ok);
  return { dataDir: paths.root, complete: missing.length === 0, missing, items, certificate, enrolmentUrl: certificate.url, trust, selfTest: lastSelfTest(paths.selfTests) };
}

/**
 * The newest readable report in the self-test folder (hardware-tests stores signed JWS files named by time;
 * a JSON file is read too). The payload is read without checking the signature: status only shows it, the
 * report's consumers verify it. A damaged newest file does not hide the one before it.
 */
export function lastSelfTest(folder: string): SelfTestSummary | null {
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => /\.(json|jws)$/.test(name) && !name.startsWith('.'));
  } catch {
    return null;
  }
  const newestFirst = names.map((name) => ({ name, mtime: statSync(join(folder, name)).mtimeMs })).sort((a, b) => b.mtime - a.mtime || b.name.localeCompare(a.name));
  for (const { name } of newestFirst) {
    const file = join(folder, name);
    try {
      const text = readFileSync(file, 'utf8').trim();
      const json: unknown = text.startsWith('{') ? JSON.parse(text) : JSON.parse(Buffer.from(text.split('.')[1] ?? '', 'base64url').toString('utf8'));
      const report = json as { status?: unknown; finishedAt?: unknown };
      if (typeof report.status !== 'string') continue;
      return { file, status: report.status, finishedAt: typeof report.finishedAt === 'string' ? report.finishedAt : null };
    } catch {
      // unreadable: look at the one before
    }
  }
  return null;
}

function safely<T>(work: () => T, fallback: (message: string) => T): T {
  try {
    return work();
  } catch (error) {
    return fallback(isXacminhError(error) || error instanceof Error ? error.message : String(error));
  }
}

/** A broker URL may carry a password. */
function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
