// What the operator page writes of a result (OperatorRecord, agent/ui/operator-view.ts): plain functions, so the
// page and a Node test read the same text. Vietnamese, as the clerk reads it.

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
