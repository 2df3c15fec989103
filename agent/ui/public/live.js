// The one connection both pages keep to the agent: the session's updates over Server-Sent Events.
// EventSource reconnects by itself (the server asks for 2 s); onStatus tells the page whether it is live.
// The operator token arrives once as ?token=…; it is kept in sessionStorage and removed from the address bar.
// From another machine the stream needs it too, and EventSource cannot send a header: it goes in the stream's URL.
// The kiosk screen on the terminal itself is opened without one (the server lets loopback clients in).
/* global document, window, sessionStorage, EventSource, URL */

const TOKEN_KEY = 'xacminh.operatorToken';
const here = new URL(window.location.href);
if (here.searchParams.has('token')) {
  sessionStorage.setItem(TOKEN_KEY, here.searchParams.get('token') ?? '');
  here.searchParams.delete('token');
  window.history.replaceState(null, '', here.pathname + here.search);
}

export function operatorToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function connectLive({ onUpdate, onHistory, onStatus, onAlarms }) {
  const token = operatorToken();
  const source = new EventSource(token ? `/events?token=${encodeURIComponent(token)}` : '/events');
  source.onmessage = (event) => onUpdate(JSON.parse(event.data));
  source.addEventListener('history', (event) => onHistory?.(JSON.parse(event.data)));
  source.addEventListener('alarms', (event) => onAlarms?.(JSON.parse(event.data)));
  source.onopen = () => onStatus?.(true);
  source.onerror = () => onStatus?.(false);
  return source;
}

export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page element #${id} is missing`);
  return element;
}
