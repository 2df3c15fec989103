// The one connection both pages keep to the agent: the session's updates over Server-Sent Events.
// EventSource reconnects by itself (the server asks for 2 s); onStatus tells the page whether it is live.
/* global document, EventSource */

export function connectLive({ onUpdate, onHistory, onStatus }) {
  const source = new EventSource('/events');
  source.onmessage = (event) => onUpdate(JSON.parse(event.data));
  source.addEventListener('history', (event) => onHistory?.(JSON.parse(event.data)));
  source.onopen = () => onStatus?.(true);
  source.onerror = () => onStatus?.(false);
  return source;
}

export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page element #${id} is missing`);
  return element;
}
