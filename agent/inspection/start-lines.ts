/**
 * What `xacminh start` prints about the inspection page: where it is, the certificate fingerprint to compare
 * with the browser's, and in the demo a demo inspector whose password is new on every start (shown once).
 */
import { ensureAccounts } from '../accounts/accounts.ts';
import type { InspectionInfo } from './part.ts';

export const DEMO_INSPECTOR = 'canbo.demo';

/** Creates the demo inspector, or gives it a new password: the old one was shown once and is gone. */
export async function demoInspectorPassword(dataDir: string): Promise<string> {
  const changes = await ensureAccounts(dataDir, [{ username: DEMO_INSPECTOR, role: 'inspector' }], { resetPassword: [DEMO_INSPECTOR] });
  return changes.find((c) => c.username === DEMO_INSPECTOR)!.password!;
}

export function inspectionStartLines(info: InspectionInfo | null, demo?: { username: string; password: string }): string[] {
  if (!info) return ['  trang kiểm tra của công an: không chạy, xem lỗi ở trên (inspection page not running)'];
  const certificate = info.certificate === 'self-signed' ? 'chứng thư tự ký: trình duyệt sẽ cảnh báo, hãy so dấu vân tay' : 'chứng thư của thiết bị';
  return [
    `  trang kiểm tra của công an (police inspection page): ${info.url}/login`,
    `    ${certificate}; SHA-256 ${info.fingerprint}`,
    ...(demo ? [`    cán bộ demo: ${demo.username} · mật khẩu (chỉ hiện lần này): ${demo.password}`] : []),
  ];
}
