// The operator's screen: send the access key, a contract reference, cancel; watch the state and recent results
// with who was verified (from /operator/events, which only the operator gets), and copy their identity; the
// day's verifications in a second tab. The token arrives once as /operator?token=… (live.js keeps it) and goes
// with every request as a Bearer header (in the URL for the stream and the pictures, which cannot send one).
/* global document, fetch */
import { STATE_TEXT, ERROR_TEXT, UI_TEXT, DEFAULT_TIME_ZONE } from './strings.js';
import { prepareAccessKey, prepareReference } from './validate.js';
import { connectLive, byId, operatorToken } from './live.js';
import { say, post } from './operator-api.js';
import { renderResults } from './operator-results.js';
import { operatorStatus } from './operator-format.js';
import { loadDay, setupDay } from './operator-day.js';

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

let records = []; // OperatorRecord (operator-view.ts), newest first
let timeZone = DEFAULT_TIME_ZONE; // the terminal's, as the agent says ('terminal' event): the register's times match
let lastUpdate;
const redraw = () => renderResults(records, timeZone);
const showStatus = () => {
  if (lastUpdate) byId('state-message').textContent = operatorStatus(lastUpdate, records);
};

// Two tabs: the live recent results, and the day's list, fetched when shown.
function showTab(name) {
  for (const tab of ['recent', 'day']) {
    byId(`tab-${tab}`).setAttribute('aria-selected', String(tab === name));
    byId(tab).hidden = tab !== name;
  }
  if (name === 'day') void loadDay(timeZone);
}
byId('tab-recent').addEventListener('click', () => showTab('recent'));
byId('tab-day').addEventListener('click', () => showTab('day'));
setupDay(() => timeZone);

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
    lastUpdate = update;
    showStatus();
    document.body.dataset.state = update.state;
  },
  onHistory: (list) => {
    records = list;
    redraw();
    showStatus(); // the result's row may arrive after its update
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
    redraw();
  },
  onStatus: (live) => {
    byId('connection').textContent = live ? UI_TEXT.connected : UI_TEXT.disconnected;
    if (!live) void explainRefusal();
  },
});
redraw();
