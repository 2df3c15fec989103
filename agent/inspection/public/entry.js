// One entry: the frame, the decision and every reason, the chip verdict, the face scores and the personal data.
/* global document, location, URLSearchParams */
import { el, getJson, showError, startPage } from './common.js';
import { CHECK_TEXT, CHIP_VERDICT_TEXT, DECISION_TEXT, FACE_TEXT, LIVENESS_TEXT, PERSONAL_DATA_TEXT, formatDate, formatTime, label } from './labels.js';

const me = await startPage();
const seq = new URLSearchParams(location.search).get('seq') ?? '';

function row(term, value) {
  return [el('dt', { text: term }), el('dd', { text: value == null || value === '' ? '—' : String(value) })];
}

const score = (n) => (typeof n === 'number' ? n.toFixed(3) : '—');

try {
  const entry = await getJson(`/api/entry?seq=${encodeURIComponent(seq)}`);
  document.getElementById('title').textContent = `Mục số ${entry.seq}: ${label(DECISION_TEXT, entry.decision)}`;
  const r = entry.record;
  const id = entry.identity;
  const rows = [
    ...row('Thời gian ghi sổ', formatTime(entry.recordedAt, me.timeZone)),
    ...row('Kết quả', label(DECISION_TEXT, entry.decision)),
    ...row('Mã xác minh', entry.id),
    ...row('Loại mục', entry.kind === 'verification' ? 'xác minh' : entry.kind),
  ];
  if (PERSONAL_DATA_TEXT[entry.personalData]) rows.push(...row('Dữ liệu cá nhân', PERSONAL_DATA_TEXT[entry.personalData]));
  if (id) {
    rows.push(
      ...row('Họ và tên', id.fullName),
      ...row('Số định danh', id.idNumber),
      ...row('Ngày sinh', formatDate(id.dateOfBirth)),
      ...row('Giới tính', id.sex),
      ...row('Quốc tịch', id.nationality),
      ...row('Quê quán', id.placeOfOrigin),
      ...row('Nơi thường trú', id.placeOfResidence),
      ...row('Số giấy tờ', id.documentNumber),
      ...row('Ngày cấp', formatDate(id.dateOfIssue)),
      ...row('Có giá trị đến', formatDate(id.dateOfExpiry)),
    );
  }
  if (r) {
    const chip = r.chip;
    rows.push(...row('Chip', chip ? `${label(CHIP_VERDICT_TEXT, chip.verdict)} (xác thực thụ động: ${label(CHECK_TEXT, chip.passive)}, chủ động: ${label(CHECK_TEXT, chip.active)}, chip: ${label(CHECK_TEXT, chip.chip)})` : 'không đọc được chip'));
    const face = r.face;
    rows.push(...row('Khuôn mặt', face ? label(FACE_TEXT, face.decision) : 'không kiểm tra'));
    if (face) {
      rows.push(...row('Độ giống / ngưỡng', `${score(face.similarity)} / ${score(face.threshold)}`));
      if (face.liveness) rows.push(...row('Người thật', `${label(LIVENESS_TEXT, face.liveness.decision)} (điểm ${score(face.liveness.passiveScore)})`));
    }
    rows.push(...row('Số tham chiếu (hợp đồng, phòng)', r.operatorReference));
  } else if (entry.details) {
    rows.push(...row('Nội dung', JSON.stringify(entry.details)));
  }
  rows.push(...row('Mã băm của mục', entry.hash));
  document.getElementById('details').replaceChildren(...rows);
  const reasons = r?.reasons ?? [];
  document.getElementById('reasons').replaceChildren(...(reasons.length ? reasons.map((reason) => el('li', { text: reason.messageVi })) : [el('li', { text: 'Không có lý do ghi kèm.' })]));
  if (entry.hasFrame) {
    document.getElementById('frame').src = `/api/frame?seq=${entry.seq}`;
    document.getElementById('frame-box').hidden = false;
  }
} catch (error) {
  showError(error.message);
}
