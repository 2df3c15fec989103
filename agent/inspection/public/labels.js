// Vietnamese labels for the codes the register stores (decisions, chip and face verdicts), and times shown
// in the terminal's time zone whatever the inspector's laptop is set to.

export const DECISION_TEXT = { verified: 'ĐẠT', rejected: 'KHÔNG ĐẠT', error: 'LỖI' };
export const CHIP_VERDICT_TEXT = { genuine: 'thẻ thật', 'not-genuine': 'không phải thẻ thật', 'cannot-tell': 'không đủ căn cứ kết luận' };
export const CHECK_TEXT = { passed: 'đạt', failed: 'không đạt', 'not-checked': 'không kiểm tra' };
export const FACE_TEXT = {
  match: 'khớp với ảnh trong chip',
  'no-match': 'không khớp với ảnh trong chip',
  'not-live': 'không phải người thật',
  'no-face': 'không thấy khuôn mặt',
  'not-available': 'không chạy được trên máy này',
  error: 'lỗi',
};
export const LIVENESS_TEXT = { live: 'người thật', spoof: 'nghi giả mạo (ảnh in hoặc màn hình)', inconclusive: 'chưa kết luận được' };
export const PERSONAL_DATA_TEXT = {
  present: '',
  purged: 'Dữ liệu cá nhân và ảnh đã xóa theo thời hạn lưu trữ (mục vẫn giữ mã băm, thời gian và kết quả).',
  locked: 'Dữ liệu cá nhân đang khóa (máy không có khóa dữ liệu).',
  none: 'Mục này không có dữ liệu cá nhân.',
};

/** A stored code shown as stored when it has no label (a newer agent's code). */
export const label = (table, value) => (value == null ? '—' : (table[value] ?? String(value)));

/** ISO instant → "22/11/2026 17:00:04" in the terminal's zone. */
export function formatTime(iso, timeZone) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(date);
  const get = (type) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('day')}/${get('month')}/${get('year')} ${get('hour')}:${get('minute')}:${get('second')}`;
}

/** "1990-01-15" → "15/01/1990"; anything else as is. */
export function formatDate(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value ?? '');
  return match ? `${match[3]}/${match[2]}/${match[1]}` : (value ?? '—');
}
