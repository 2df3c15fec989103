// The day's verifications: a list of the register's entries for one day in the terminal's time zone, searched by
// name or whole ID number, a page at a time, with the day's count by decision (GET /operator/day).
/* global document, URLSearchParams */
import { DAY_TEXT, DAY_DECISION_TEXT, terminalTime } from './operator-format.js';
import { request } from './operator-api.js';
import { byId } from './live.js';

let page = 0;
let filter = ''; // a decision, or '' for all
let last; // the last answer: its day, page and total drive the pager

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function render(answer, timeZone) {
  last = answer;
  byId('day-date').value = answer.date;
  // The counts are the whole day's; each is a button that lists only that decision ("Tổng" lists all again).
  const counts = byId('day-counts');
  const total = answer.counts.verified + answer.counts.rejected + answer.counts.error;
  counts.replaceChildren(...['total', 'verified', 'rejected', 'error'].map((decision) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.decision = decision;
    button.textContent = decision === 'total' ? `${DAY_TEXT.total}: ${total}` : `${DAY_DECISION_TEXT[decision]}: ${answer.counts[decision]}`;
    button.setAttribute('aria-pressed', String((answer.decision ?? 'total') === decision));
    button.addEventListener('click', () => {
      filter = decision === 'total' ? '' : decision;
      page = 0;
      void loadDay(timeZone);
    });
    return button;
  }));

  const rows = answer.items.map((item) => {
    const tr = document.createElement('tr');
    tr.dataset.id = item.id;
    tr.dataset.decision = item.decision;
    const hidden = item.purged ? DAY_TEXT.purged : DAY_TEXT.locked;
    tr.append(cell(terminalTime(item.recordedAt, timeZone)), cell(item.fullName ?? hidden), cell(item.idNumberMasked ?? ''), cell(DAY_DECISION_TEXT[item.decision] ?? item.decision));
    return tr;
  });
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const empty = cell(DAY_TEXT.none);
    empty.colSpan = 4;
    tr.append(empty);
    rows.push(tr);
  }
  byId('day-list').tBodies[0].replaceChildren(...rows);
  const pages = Math.max(1, Math.ceil(answer.total / answer.pageSize));
  byId('day-page').textContent = `${DAY_TEXT.page} ${answer.page + 1}/${pages}`;
  byId('day-prev').disabled = answer.page === 0;
  byId('day-next').disabled = answer.page + 1 >= pages;
}

/** Loads the day (today in the terminal's zone when none is chosen) and the search, at `page`. */
export async function loadDay(timeZone) {
  const params = new URLSearchParams();
  const date = byId('day-date').value;
  const q = byId('day-q').value.trim();
  if (date) params.set('date', date);
  if (q) params.set('q', q);
  if (filter) params.set('decision', filter);
  params.set('page', String(page));
  const { ok, answer } = await request(`/operator/day?${params}`);
  if (ok) render(answer, timeZone);
}

export function setupDay(timeZone) {
  byId('day-form').addEventListener('submit', (event) => {
    event.preventDefault();
    page = 0;
    void loadDay(timeZone());
  });
  byId('day-prev').addEventListener('click', () => {
    page = Math.max(0, page - 1);
    void loadDay(timeZone());
  });
  byId('day-next').addEventListener('click', () => {
    if (last && (page + 1) * last.pageSize < last.total) page += 1;
    void loadDay(timeZone());
  });
}
