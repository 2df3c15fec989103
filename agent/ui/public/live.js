// The one connection both pages keep to the agent: the session's updates over Server-Sent Events.
// EventSource reconnects by itself (the server asks for 2 s), and after an error answer this opens a new one;
// onStatus tells the page whether it is live.
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

/** How long to wait before opening a new stream when the browser gave up on one (it does after a non-200 answer). */
const REOPEN_AFTER_MS = 5000;

// The operator page passes path '/operator/events': the stream that names who was verified (see server.ts).
export function connectLive({ onUpdate, onHistory, onStatus, onAlarms, onNotice, onTerminal, path = '/events' }) {
  const token = operatorToken();
  const open = () => {
    const source = new EventSource(token ? `${path}?token=${encodeURIComponent(token)}` : path);
    source.onmessage = (event) => onUpdate(JSON.parse(event.data));
    source.addEventListener('history', (event) => onHistory?.(JSON.parse(event.data)));
    source.addEventListener('alarms', (event) => onAlarms?.(JSON.parse(event.data)));
    source.addEventListener('notice', (event) => onNotice?.(JSON.parse(event.data)));
    source.addEventListener('terminal', (event) => onTerminal?.(JSON.parse(event.data)));
    source.onopen = () => onStatus?.(true);
    source.onerror = () => {
      onStatus?.(false);
      // A dropped connection is retried by EventSource itself; an error answer (a proxy's 502, a 503 while too
      // many pages are open) closes it for good, and a kiosk must come back on its own when the agent does.
      if (source.readyState === EventSource.CLOSED) window.setTimeout(open, REOPEN_AFTER_MS);
    };
  };
  open();
}

export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page element #${id} is missing`);
  return element;
}
