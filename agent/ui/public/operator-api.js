// What the operator page's modules share: the message line, and requests to the agent with the operator token.
/* global fetch */
import { ERROR_TEXT } from './strings.js';
import { byId, operatorToken } from './live.js';

/** One message at a time under the forms: an error (red) or a notice (green). */
export function say(kind, text) {
  byId('error').hidden = kind !== 'error';
  byId('notice').hidden = kind !== 'notice';
  byId(kind).textContent = text;
}

function authHeaders() {
  const token = operatorToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** An <img> cannot send a header: the picture's URL carries the token, as the stream's does. */
export function withToken(path) {
  const token = operatorToken();
  return token ? `${path}?token=${encodeURIComponent(token)}` : path;
}

/** JSON in and out; { ok, answer } — or { ok: false } after saying why when the agent cannot be reached or refused. */
export async function request(path, body) {
  const init = body === undefined ? { headers: authHeaders() } : { method: 'POST', headers: { 'Content-Type': 'application/json', ...authHeaders() }, body: JSON.stringify(body) };
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    say('error', ERROR_TEXT.NETWORK);
    return { ok: false };
  }
  const answer = await response.json().catch(() => ({}));
  if (response.ok) return { ok: true, answer };
  say('error', answer.messageVi ?? ERROR_TEXT[answer.code] ?? ERROR_TEXT.INTERNAL);
  return { ok: false, answer };
}

export async function post(path, body) {
  return (await request(path, body)).ok;
}
