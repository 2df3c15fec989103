/** The page's Vietnamese words for the export's codes (English in the code itself); an unknown code is shown as is. */

export const DECISION_LABELS: Readonly<Record<string, string>> = { verified: 'ĐẠT', rejected: 'KHÔNG ĐẠT', error: 'LỖI' };

export const KIND_LABELS: Readonly<Record<string, string>> = {
  verification: 'Xác minh',
  inspection: 'Kiểm tra (công an)',
  operator: 'Nhân viên',
  purge: 'Xóa theo hạn lưu',
  genesis: 'Khởi tạo sổ',
};

export const PROBLEM_LABELS: Readonly<Record<string, string>> = {
  'hash-mismatch': 'mục bị sửa',
  gap: 'thiếu, thừa hoặc sai thứ tự mục',
  'bad-checkpoint': 'chữ ký không hợp lệ',
  'checkpoint-mismatch': 'chữ ký cho một lịch sử khác',
  'frame-mismatch': 'ảnh camera bị thay',
  'sealed-mismatch': 'dữ liệu cá nhân bị thay',
  'decrypt-failed': 'không giải mã được',
  'key-mismatch': 'không phải khóa của thiết bị đã cung cấp',
  unsigned: 'không có chữ ký lúc xuất',
  'register-problem': 'sổ đã không toàn vẹn khi xuất',
  'header-mismatch': 'phần đầu bị sửa',
  format: 'sai định dạng',
};

export const label = (labels: Readonly<Record<string, string>>, code: string): string => labels[code] ?? code;

/** ISO time → "22/11/2026 17:00:04" in Vietnam time (Asia/Ho_Chi_Minh, UTC+7, no daylight saving time). */
export function vietnamTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const t = new Date(ms + 7 * 3600_000).toISOString();
  return `${t.slice(8, 10)}/${t.slice(5, 7)}/${t.slice(0, 4)} ${t.slice(11, 19)}`;
}
