/**
 * What the technician reads after `xacminh provision` and `provision status`: one block per step, in
 * Vietnamese by default or English (--lang en). New passwords appear here once and nowhere else.
 */
import type { ProvisionResult, StepName, StepStatus } from './run.ts';
import type { Item, ItemName, ProvisionStatus } from './status.ts';

export type Lang = 'vi' | 'en';

const STEP: Record<Lang, Record<StepName, string>> = {
  vi: { identity: 'Danh tính thiết bị (chứng thư)', trust: 'Kho tin cậy (CSCA, danh sách chủ, CRL)', site: 'Cấu hình cơ sở (site.json)', accounts: 'Tài khoản' },
  en: { identity: 'Device identity (certificate)', trust: 'Trust store (CSCA, master lists, CRLs)', site: 'Site config (site.json)', accounts: 'Accounts' },
};
const STATUS: Record<Lang, Record<StepStatus, string>> = {
  vi: { changed: 'ĐÃ CẬP NHẬT', unchanged: 'không đổi', failed: 'LỖI', skipped: 'BỎ QUA' },
  en: { changed: 'CHANGED', unchanged: 'unchanged', failed: 'FAILED', skipped: 'SKIPPED' },
};
const ACCOUNT: Record<Lang, Record<string, string>> = {
  vi: { created: 'tạo mới', unchanged: 'không đổi', 'role-changed': 'đổi vai trò', 'password-reset': 'đặt lại mật khẩu', kept: 'giữ nguyên (không có trong câu trả lời)', technician: 'kỹ thuật viên', inspector: 'cán bộ kiểm tra' },
  en: { created: 'created', unchanged: 'unchanged', 'role-changed': 'role changed', 'password-reset': 'password reset', kept: 'kept (not in the answers)', technician: 'technician', inspector: 'inspector' },
};

/** What to check when a step fails, for the technician; the English detail follows. */
const FAILED_VI: Record<StepName, string> = {
  identity: 'Không đăng ký được: kiểm tra địa chỉ dịch vụ, dấu vân tay CA và mã đăng ký (mỗi mã dùng một lần, hết hạn sau 15 phút, chỉ cho đúng cơ sở).',
  trust: 'Có tệp không được nhận: xem lý do từng tệp (danh sách chủ cần ghim dấu vân tay người ký; CRL cần CSCA đã ký nó).',
  site: 'Không ghi được cấu hình cơ sở: xem các trường bên dưới.',
  accounts: 'Không ghi được tài khoản: kiểm tra quyền ghi thư mục dữ liệu.',
};

export function renderProvision(result: ProvisionResult, lang: Lang): string {
  const vi = lang === 'vi';
  const out: string[] = [vi ? `Cài đặt thiết bị — thư mục dữ liệu ${result.dataDir}` : `Provisioning — data dir ${result.dataDir}`];
  const passwords: string[] = [];
  for (const step of result.steps) {
    out.push(`  [${STATUS[lang][step.status]}] ${STEP[lang][step.step]}`);
    if (step.identity) out.push(`      ${vi ? 'chứng thư hết hạn' : 'certificate expires'} ${step.identity.notAfter}`);
    if (step.trust) {
      for (const file of step.trust.files) {
        out.push(`      ${file.source}: ${fileStatus(file.status, lang)}${file.certificates !== undefined ? ` (${file.certificates} ${vi ? 'chứng thư' : 'certificate(s)'})` : ''}`);
        if (file.status === 'refused' && file.message) out.push(`        ${file.message}`);
      }
      const s = step.trust.summary;
      out.push(`      ${vi ? 'tổng' : 'total'}: ${s.cscas} CSCA, ${s.masterLists} ${vi ? 'danh sách chủ' : 'master list(s)'}, ${s.crls} CRL${s.outdatedCrls ? ` (${s.outdatedCrls} ${vi ? 'quá hạn' : 'outdated'})` : ''}`);
      for (const file of step.trust.files) if (file.signerSha256) out.push(`      ${vi ? 'nếu tin danh sách này, ghim dấu vân tay người ký' : 'if you trust this list, pin its signer'}: ${file.signerSha256}`);
    }
    if (step.site) {
      if (step.site.migration) out.push(`      ${vi ? 'đã nâng cấp cấu hình' : 'config migrated'} v${step.site.migration.from} → v${step.site.migration.to}${step.site.migration.backup ? ` (${vi ? 'bản cũ' : 'original'}: ${step.site.migration.backup})` : ''}`);
      if (step.site.fields.length) out.push(`      ${vi ? 'trường thay đổi' : 'fields changed'}: ${step.site.fields.join(', ')}`);
    }
    for (const account of step.accounts ?? []) {
      out.push(`      ${account.username} (${ACCOUNT[lang][account.role]}): ${ACCOUNT[lang][account.status]}`);
      if (account.password) passwords.push(`      ${account.username}: ${account.password}`);
    }
    for (const warning of step.warnings) out.push(`      ${vi ? 'CHÚ Ý' : 'WARNING'}: ${warning[lang]}`);
    if (step.error) {
      if (vi) out.push(`      ${FAILED_VI[step.step]}`);
      for (const line of vi ? (step.error.linesVi ?? []) : []) out.push(`      ${line}`);
      out.push(`      ${step.error.message.replace(/\n/g, '\n      ')} [${step.error.code}]`);
    }
  }
  if (passwords.length) {
    out.push(vi ? '  Mật khẩu ban đầu (CHỈ HIỆN MỘT LẦN — ghi lại và trao tận tay; không được lưu ở dạng đọc được):' : '  First passwords (SHOWN ONCE ONLY — write them down and hand them over; they are not stored readably):');
    out.push(...passwords);
  }
  out.push(
    result.exitCode === 0
      ? vi ? 'Hoàn tất.' : 'Done.'
      : result.exitCode === 2
        ? vi ? 'Câu trả lời chưa đúng: sửa các trường trên rồi chạy lại.' : 'The answers are wrong: fix the fields above and run again.'
        : vi ? 'Có bước bị lỗi: xem trên, sửa rồi chạy lại (các bước đã xong sẽ không bị làm lại).' : 'A step failed: see above, fix it and run again (steps already done are not redone).',
  );
  return `${out.join('\n')}\n`;
}

function fileStatus(status: string, lang: Lang): string {
  if (lang === 'en') return status;
  return ({ imported: 'đã nhập', unchanged: 'không đổi', refused: 'BỊ TỪ CHỐI' } as Record<string, string>)[status] ?? status;
}

const ITEM: Record<Lang, Record<ItemName, string>> = {
  vi: { identity: 'Danh tính (chứng thư)', siteProfile: 'Hồ sơ cơ sở', broker: 'Máy chủ MQTT', authorityKey: 'Khóa công khai cơ quan', trustStore: 'Kho tin cậy', accounts: 'Tài khoản', service: 'Dịch vụ hệ thống' },
  en: { identity: 'Identity (certificate)', siteProfile: 'Site profile', broker: 'MQTT broker', authorityKey: 'Authority public key', trustStore: 'Trust store', accounts: 'Accounts', service: 'System service' },
};

export function renderStatus(status: ProvisionStatus, lang: Lang): string {
  const vi = lang === 'vi';
  const out = [vi ? `Trạng thái cài đặt — ${status.dataDir}` : `Provisioning status — ${status.dataDir}`];
  for (const [name, item] of Object.entries(status.items) as [ItemName, Item][]) {
    out.push(`  [${item.ok ? (vi ? 'CÓ' : 'OK') : vi ? 'THIẾU' : 'MISSING'}] ${ITEM[lang][name]}: ${vi ? item.detailVi : item.detail}`);
  }
  out.push(`  ${vi ? 'Địa chỉ đăng ký' : 'Enrolment URL'}: ${status.enrolmentUrl ?? '—'}`);
  if (status.trust.earliestExpiry) out.push(`  ${vi ? 'CSCA còn hạn hết hạn sớm nhất' : 'Earliest expiry of a valid CSCA'}: ${status.trust.earliestExpiry.notAfter} (${status.trust.earliestExpiry.subject})`);
  if (status.trust.expiredCscas) out.push(`  ${vi ? 'CSCA đã hết hạn (vẫn dùng cho giấy tờ cũ)' : 'Expired CSCAs (still anchor older documents)'}: ${status.trust.expiredCscas}`);
  if (status.trust.outdatedCrls) out.push(`  ${vi ? 'CRL quá hạn' : 'Outdated CRLs'}: ${status.trust.outdatedCrls}`);
  out.push(
    `  ${vi ? 'Tự kiểm tra lần cuối' : 'Last self-test'}: ${status.selfTest ? `${status.selfTest.status} ${status.selfTest.finishedAt ?? ''}`.trim() : vi ? 'chưa chạy lần nào' : 'never run'}`,
  );
  out.push(status.complete ? (vi ? 'Đầy đủ.' : 'Complete.') : `${vi ? 'Còn thiếu' : 'Missing'}: ${status.missing.map((m) => ITEM[lang][m]).join(', ')}`);
  return `${out.join('\n')}\n`;
}
