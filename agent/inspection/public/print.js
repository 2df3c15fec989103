// The date range laid out like the paper guest/pawn register, one line per verification, oldest first.
/* global document, window, location */
import { el, getJson, showError, startPage } from './common.js';
import { DECISION_TEXT, formatDate, formatTime, label } from './labels.js';

const me = await startPage();
document.getElementById('print-button').addEventListener('click', () => window.print());
const day = (value) => (value ? formatDate(value) : '…');

try {
  const data = await getJson(`/api/print${location.search}`);
  document.getElementById('range').textContent = `Từ ngày ${day(data.range.from)} đến ngày ${day(data.range.to)} — ${data.rows.length} mục`;
  document.querySelector('#book tbody').replaceChildren(
    ...data.rows.map((row, index) => {
      const purged = row.personalData === 'purged' ? 'đã xóa theo thời hạn lưu trữ' : '—';
      return el(
        'tr',
        { 'data-seq': String(row.seq) },
        el('td', { text: String(index + 1) }),
        el('td', { text: formatTime(row.recordedAt, me.timeZone) }),
        el('td', { text: row.fullName ?? purged }),
        el('td', { text: row.idNumber ?? '—' }),
        el('td', { text: row.dateOfBirth ? formatDate(row.dateOfBirth) : '—' }),
        el('td', { text: row.address ?? '—' }),
        el('td', { text: label(DECISION_TEXT, row.decision) }),
      );
    }),
  );
  document.getElementById('printed').textContent = `In lúc ${formatTime(new Date().toISOString(), me.timeZone)} bởi cán bộ ${me.inspector}. Mỗi dòng là một mục của sổ điện tử (số mục trong cột STT theo thứ tự thời gian).`;
} catch (error) {
  showError(error.message);
}
