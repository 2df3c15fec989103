// The operator's screen: send the access key, a contract reference, cancel; watch the state and recent results
// with who was verified (from /operator/events, which only the operator gets), and copy their identity.
// The token arrives once as /operator?token=… (live.js keeps it) and goes with every POST as a Bearer header.
/* global document, fetch, navigator */
import { STATE_TEXT, RESULT_TEXT, ERROR_TEXT, UI_TEXT, DEFAULT_TIME_ZONE } from './strings.js';
import { prepareAccessKey, prepareReference } from './validate.js';
import { connectLive, byId, operatorToken } from './live.js';
import { OPERATOR_TEXT, maskIdNumber, identityText, chipText, faceLines } from './operator-format.js';

function say(kind, text) {
  byId('error').hidden = kind !== 'error';
  byId('notice').hidden = kind !== 'notice';
  byId(kind).textContent = text;
}

async function post(path, body) {
  const headers = { 'Content-Type': 'application/json' };
  const token = operatorToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
  } catch {
    say('error', ERROR_TEXT.NETWORK);
    return false;
  }
  if (response.ok) return true;
  const answer = await response.json().catch(() => ({}));
  say('error', answer.messageVi ?? ERROR_TEXT[answer.code] ?? ERROR_TEXT.INTERNAL);
  return false;
}

async function sendKey() {
  const prepared = prepareAccessKey(byId('access-key').value);
  if (prepared.error) return say('error', ERROR_TEXT[prepared.error]);
  if (await post('/api/access-key', { text: prepared.text })) {
    byId('access-key').value = '';
    say('notice', UI_TEXT.sent);
  }
}

byId('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void sendKey();
});
byId('access-key').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    void sendKey();
  }
});

byId('ref-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const prepared = prepareReference(byId('reference').value);
  if (prepared.error) return say('error', ERROR_TEXT[prepared.error]);
  if (await post('/api/reference', { text: prepared.text })) say('notice', UI_TEXT.referenceSaved);
});

byId('cancel').addEventListener('click', async () => {
  if (await post('/api/cancel', {})) say('notice', UI_TEXT.cancelled);
});

const results = new Map(); // id → OperatorRecord (operator-view.ts), newest first
let timeZone = DEFAULT_TIME_ZONE; // the terminal's, as the agent says ('terminal' event): the register's times match

function timeText(iso) {
  // Intl with the terminal's zone, not the browser's: a clerk's laptop set to another zone must not shift the times.
  return new Intl.DateTimeFormat('vi-VN', { timeZone, timeStyle: 'medium', dateStyle: 'short', hourCycle: 'h23' }).format(new Date(iso));
}

function cell(...content) {
  const td = document.createElement('td');
  td.append(...content);
  return td;
}

function list(className, lines) {
  const ul = document.createElement('ul');
  ul.className = className;
  ul.append(...lines.map((line) => {
    const item = document.createElement('li');
    item.textContent = line;
    return item;
  }));
  return ul;
}

// The full values go to the clipboard only, on the clerk's click; the table shows the ID number masked.
async function copyIdentity(identity) {
  try {
    await navigator.clipboard.writeText(identityText(identity));
    say('notice', `${OPERATOR_TEXT.copied} ${identity.fullName}`);
  } catch {
    say('error', OPERATOR_TEXT.copyFailed);
  }
}

function holderCell(identity) {
  if (!identity) return cell(OPERATOR_TEXT.noIdentity);
  const name = document.createElement('p');
  name.className = 'holder-name';
  name.textContent = identity.fullName;
  const id = document.createElement('p');
  id.className = 'id-masked';
  id.textContent = maskIdNumber(identity.idNumber);
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.className = 'copy';
  copy.textContent = OPERATOR_TEXT.copy;
  copy.addEventListener('click', () => void copyIdentity(identity));
  return cell(name, id, copy);
}

function renderResults() {
  const rows = [...results.values()].map((record) => {
    const row = document.createElement('tr');
    row.dataset.decision = record.decision;
    row.dataset.id = record.id;
    // One reason per line: their texts end in full stops and read as one garbled sentence when joined.
    const reasons = document.createElement('ul');
    reasons.className = 'reason-list';
    reasons.append(...record.reasons.map((reason) => {
      const item = document.createElement('li');
      item.dataset.code = reason.code;
      item.textContent = reason.messageVi;
      return item;
    }));
    row.append(
      cell(timeText(record.finishedAt)),
      holderCell(record.identity),
      cell(RESULT_TEXT[record.decision] ?? ''),
      cell(reasons),
      cell(chipText(record.chip)),
      cell(list('face-lines', faceLines(record.face))),
    );
    return row;
  });
  if (rows.length === 0) {
    const row = document.createElement('tr');
    const empty = cell(UI_TEXT.noResults);
    empty.colSpan = 6;
    row.append(empty);
    rows.push(row);
  }
  byId('results').tBodies[0].replaceChildren(...rows);
}

// EventSource does not say why it failed: a 401 (no token, or a wrong one) needs the clerk to reopen the page
// with ?token=…, which "disconnected" alone does not tell them.
async function explainRefusal() {
  const token = operatorToken();
  const response = await fetch('/operator/events', { method: 'HEAD', headers: token ? { Authorization: `Bearer ${token}` } : {} }).catch(() => null);
  if (response?.status === 401) say('error', ERROR_TEXT.UNAUTHORIZED);
}

connectLive({
  path: '/operator/events',
  onUpdate: (update) => {
    byId('state-title').textContent = (STATE_TEXT[update.state] ?? STATE_TEXT.offline).title;
    byId('state-message').textContent = update.messageVi;
    document.body.dataset.state = update.state;
  },
  onHistory: (list) => {
    results.clear();
    for (const record of list) results.set(record.id, record);
    renderResults();
  },
  // What needs a technician (the certificate running out): shown until the agent clears it.
  onAlarms: (alarms) => {
    const list = byId('alarms');
    list.replaceChildren(...alarms.map((alarm) => {
      const item = document.createElement('li');
      item.dataset.code = alarm.code;
      item.textContent = alarm.messageVi;
      return item;
    }));
    list.hidden = alarms.length === 0;
  },
  onTerminal: (terminal) => {
    timeZone = terminal.timeZone || DEFAULT_TIME_ZONE;
    renderResults();
  },
  onStatus: (live) => {
    byId('connection').textContent = live ? UI_TEXT.connected : UI_TEXT.disconnected;
    if (!live) void explainRefusal();
  },
});
renderResults();
