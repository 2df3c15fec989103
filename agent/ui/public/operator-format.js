// What the operator page writes of a result (OperatorRecord, agent/ui/operator-view.ts): plain functions, so the
// page and a Node test read the same text. Vietnamese, as the clerk reads it.
import { RESULT_TEXT } from './strings.js';

export const OPERATOR_TEXT = {
  name: 'Họ và tên',
  idNumber: 'Số định danh',
  dateOfBirth: 'Ngày sinh',
  residence: 'Nơi thường trú',
  noIdentity: 'Chưa đọc được thông tin thẻ',
  copy: 'Sao chép thông tin',
  copied: 'Đã sao chép thông tin của',
  copyFailed: 'Không sao chép được — chọn và sao chép bằng tay',
  similarity: 'Độ giống',
  liveness: 'Người thật',
  quality: 'Chất lượng ảnh',
  faceNone: 'Không kiểm tra khuôn mặt',
  chipNone: 'Chưa kiểm tra chip',
};

export const CHIP_VERDICT_TEXT = {
  genuine: 'Chip thật',
  'not-genuine': 'Chip không thật',
  'cannot-tell': 'Chưa kết luận được chip',
};

export const FACE_DECISION_TEXT = {
  match: 'Khớp',
  'no-match': 'Không khớp',
  'not-live': 'Không phải người thật',
  'no-face': 'Không thấy khuôn mặt',
  'not-available': 'Không có camera',
  error: 'Lỗi khi kiểm tra',
};

export const LIVENESS_TEXT = { live: 'có', spoof: 'không', inconclusive: 'chưa rõ' };

/** Only the last 4 digits: enough to match the card in the customer's hand, little to a passer-by. */
export function maskIdNumber(idNumber) {
  const text = String(idNumber ?? '');
  return text.length <= 4 ? text : '•'.repeat(text.length - 4) + text.slice(-4);
}

/** dd/mm/yyyy as printed on the card; an ISO date is turned round, anything else shown as read. */
export function dateText(date) {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date ?? '');
  return iso ? `${iso[3]}/${iso[2]}/${iso[1]}` : (date ?? '');
}

/** What "copy identity" puts on the clipboard for the shop's contract: one labelled field a line, full values. */
export function identityText(identity) {
  return [
    `${OPERATOR_TEXT.name}: ${identity.fullName}`,
    `${OPERATOR_TEXT.idNumber}: ${identity.idNumber}`,
    `${OPERATOR_TEXT.dateOfBirth}: ${dateText(identity.dateOfBirth)}`,
    `${OPERATOR_TEXT.residence}: ${identity.placeOfResidence}`,
  ].join('\n');
}

export function chipText(chip) {
  return chip ? (CHIP_VERDICT_TEXT[chip.verdict] ?? chip.verdict) : OPERATOR_TEXT.chipNone;
}

const score = (value) => (typeof value === 'number' ? value.toFixed(2) : '—');

/** The face step in one line each: decision, similarity against its threshold, liveness, frame quality. */
export function faceLines(face) {
  if (!face) return [OPERATOR_TEXT.faceNone];
  const lines = [FACE_DECISION_TEXT[face.decision] ?? face.decision];
  if (face.similarity !== null) lines.push(`${OPERATOR_TEXT.similarity}: ${score(face.similarity)} (ngưỡng ${score(face.threshold)})`);
  if (face.liveness) lines.push(`${OPERATOR_TEXT.liveness}: ${LIVENESS_TEXT[face.liveness.decision] ?? face.liveness.decision} (${score(face.liveness.passiveScore)})`);
  if (face.qualityScore !== null) lines.push(`${OPERATOR_TEXT.quality}: ${score(face.qualityScore)}`);
  return lines;
}

/** The operator page's own messages beyond strings.js (photos, retry, reference on a recorded verification, day list). */
export const OPERATOR_ERROR_TEXT = {
  noPhoto: 'Không còn ảnh của lượt này (chỉ giữ ảnh của các lượt gần đây)',
  noRegister: 'Sổ ghi chưa mở — không ghi được, gọi kỹ thuật',
  retryUnavailable: 'Máy này chưa hỗ trợ chụp lại khuôn mặt',
  referenceEmpty: 'Nhập số hợp đồng / số phòng trước khi lưu',
};

export const OPERATOR_ACTION_TEXT = {
  chipPhoto: 'Ảnh trong chip',
  liveFrame: 'Ảnh chụp tại quầy',
  noPicture: 'Không có ảnh',
  retryFace: 'Chụp lại khuôn mặt',
  retryOf: '(lượt chụp lại khuôn mặt)',
  retryAccepted: 'Đã bắt đầu chụp lại khuôn mặt — mời khách nhìn vào camera',
  retryRefused: 'Không chụp lại được',
  reference: 'Số HĐ / phòng',
  saveReference: 'Lưu',
  referenceSavedFor: 'Đã lưu số hợp đồng / phòng cho lượt của',
  referenceRefused: 'Không lưu được số hợp đồng / phòng',
};

/** The day list tells rejected (the check said no) from error (cancelled, card lifted, a fault) apart. */
export const DAY_DECISION_TEXT = {
  verified: 'Đã xác minh',
  rejected: 'Không xác minh được',
  error: 'Lỗi / hủy',
};

export const DAY_TEXT = {
  recent: 'Kết quả gần đây',
  day: 'Trong ngày',
  search: 'Tìm theo họ tên hoặc số định danh (12 số)',
  total: 'Tổng',
  none: 'Không có lượt xác minh nào',
  page: 'Trang',
  previous: '← Trước',
  next: 'Sau →',
  purged: '(đã xóa theo thời hạn lưu)',
  locked: '(chưa mở được dữ liệu)',
};

/**
 * "10:04:05 30/11/2026" in the terminal's zone (the agent names it), never the browser's: a clerk's laptop set
 * to another zone must not shift the times, and the register's commands print the same.
 */
export function terminalTime(iso, timeZone, withDate = true) {
  const options = withDate ? { timeStyle: 'medium', dateStyle: 'short', hourCycle: 'h23' } : { timeStyle: 'medium', hourCycle: 'h23' };
  return new Intl.DateTimeFormat('vi-VN', { timeZone, ...options }).format(new Date(iso));
}

/**
 * The clerk's status line: for a result, who and what ("Không xác minh được — Trần Thị Thử (••••0222): Khuôn mặt
 * không khớp…"), not the customer's "Đã có kết quả"; the chip read with its progress; otherwise the session's words.
 */
export function operatorStatus(update, records) {
  if (update.state === 'result' && update.record) {
    const { decision, reasons } = update.record;
    const shown = records.find((r) => r.id === update.record.id);
    const who = shown?.identity ? ` — ${shown.identity.fullName} (${maskIdNumber(shown.identity.idNumber)})` : '';
    const why = decision !== 'verified' && reasons[0] ? `: ${reasons[0].messageVi}` : '';
    return `${RESULT_TEXT[decision] ?? decision}${who}${why}`;
  }
  if (update.state === 'reading-chip' && typeof update.progress === 'number') return `${update.messageVi} (${Math.round(update.progress * 100)}%)`;
  return update.messageVi;
}
