// What every page after login shares: JSON requests (a lost session goes back to the login page), the
// header with the inspector's name and logout, and the chain's state said plainly.
/* global document, location, fetch */
import { formatTime } from './labels.js';

export async function getJson(path) {
  const response = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (response.status === 401) {
    location.assign('/login');
    throw new Error('Cần đăng nhập');
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.messageVi ?? body.message ?? `Lỗi ${response.status}`);
  return body;
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

export function showError(message) {
  const box = document.getElementById('error');
  box.textContent = message;
  box.hidden = !message;
}

/** Fills the header; returns { inspector, timeZone }. */
export async function startPage() {
  const me = await getJson('/api/me');
  document.getElementById('inspector').textContent = me.inspector;
  document.getElementById('logout').addEventListener('click', async () => {
    await fetch('/api/logout', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    location.assign('/login');
  });
  void showChain(me.timeZone);
  return me;
}

async function showChain(timeZone) {
  const box = document.getElementById('chain');
  if (!box) return;
  try {
    const state = await getJson('/api/chain');
    box.dataset.status = state.status;
    const when = state.checkedAt ? ` (kiểm tra lúc ${formatTime(state.checkedAt, timeZone)})` : '';
    box.textContent = `${state.messageVi}${when}`;
    // A check still running: ask again shortly, the page says it is being checked meanwhile.
    if (state.checking || state.status === 'not-checked') setTimeout(() => void showChain(timeZone), 3000);
  } catch (error) {
    box.dataset.status = 'check-failed';
    box.textContent = `Không lấy được trạng thái chuỗi: ${error.message}`;
  }
}
