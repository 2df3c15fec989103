// Search by date range (days on the terminal's clock), ID number, name and decision, 50 per page, newest first.
/* global document, URLSearchParams */
import { el, getJson, showError, startPage } from './common.js';
import { DECISION_TEXT, formatTime, label } from './labels.js';

const me = await startPage();
const form = document.getElementById('search-form');
const fields = ['from', 'to', 'idNumber', 'name', 'decision'];
let page = 1;
let pages = 1;

function filterParams() {
  const params = new URLSearchParams();
  for (const field of fields) {
    const value = document.getElementById(field).value.trim();
    if (value) params.set(field, value);
  }
  return params;
}

function updateLinks(params) {
  document.getElementById('print-link').href = `/print?${params}`;
  const range = new URLSearchParams();
  for (const key of ['from', 'to']) if (params.get(key)) range.set(key, params.get(key));
  if (document.getElementById('export-frames').checked) range.set('frames', '1');
  document.getElementById('export-link').href = `/api/export?${range}`;
}

async function run() {
  showError('');
  const params = filterParams();
  updateLinks(params);
  params.set('page', String(page));
  let result;
  try {
    result = await getJson(`/api/search?${params}`);
  } catch (error) {
    return showError(error.message);
  }
  pages = Math.max(1, Math.ceil(result.total / result.pageSize));
  const counts = result.counts ? Object.entries(result.counts).map(([decision, n]) => `${label(DECISION_TEXT, decision)}: ${n}`).join(' · ') : null;
  document.getElementById('counts').textContent = `Tìm thấy ${result.total} mục.${counts === null ? '' : ` Trong khoảng ngày đã chọn: ${counts || 'không có mục nào'}.`}`;
  const body = document.querySelector('#results tbody');
  body.replaceChildren(
    ...result.items.map((item) => {
      const link = el('a', { href: `/entry?seq=${item.seq}`, text: String(item.seq) });
      const name = item.purged ? 'đã xóa theo thời hạn lưu trữ' : (item.fullName ?? '—');
      return el('tr', { 'data-seq': String(item.seq) }, el('td', {}, link), el('td', { text: formatTime(item.recordedAt, me.timeZone) }), el('td', { text: name }), el('td', { text: item.idNumber ?? '—' }), el('td', { class: `decision ${item.decision}`, text: label(DECISION_TEXT, item.decision) }));
    }),
  );
  document.getElementById('results').hidden = result.items.length === 0;
  document.getElementById('page').textContent = `Trang ${result.page} / ${pages}`;
  document.getElementById('previous').disabled = page <= 1;
  document.getElementById('next').disabled = page >= pages;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  page = 1;
  void run();
});
document.getElementById('previous').addEventListener('click', () => {
  page = Math.max(1, page - 1);
  void run();
});
document.getElementById('next').addEventListener('click', () => {
  page = Math.min(pages, page + 1);
  void run();
});
document.getElementById('export-frames').addEventListener('change', () => updateLinks(filterParams()));
if (!me.verifier) document.getElementById('verifier-link').hidden = true;
void run();
