// The customer's screen: one instruction in large type, the chip progress, face guidance, then the result.
// Shows no personal data except the verified holder's name (the server sends nothing more).
/* global document */
import { STATE_TEXT, GUIDANCE_TEXT, CHALLENGE_TEXT, RESULT_TEXT, UI_TEXT } from './strings.js';
import { connectLive, byId } from './live.js';

const steps = ['access-key', 'reading-chip', 'checking-authenticity', 'face', 'deciding'];

function render(update) {
  const state = update.state;
  const text = STATE_TEXT[state] ?? STATE_TEXT.offline;
  document.body.dataset.state = state;
  const step = steps.indexOf(state);
  byId('step').textContent = step >= 0 ? `Bước ${step + 1}/${steps.length} · ${text.title}` : text.title;

  const showResult = state === 'result' && Boolean(update.record);
  byId('instruction').hidden = showResult;
  byId('instruction').textContent = update.messageVi || text.instruction;

  byId('chip').hidden = state !== 'reading-chip';
  const percent = Math.round(Math.min(1, Math.max(0, update.progress ?? 0)) * 100);
  byId('chip-progress').value = percent;
  byId('chip-percent').textContent = `${percent}%`;

  renderFace(state === 'face' ? update : null);
  renderResult(showResult ? update.record : null);
}

function renderFace(update) {
  byId('face').hidden = !update;
  if (!update) return;
  const challenge = CHALLENGE_TEXT[update.guidance];
  byId('instruction').hidden = Boolean(challenge); // the challenge box is the instruction then
  byId('challenge').hidden = !challenge;
  byId('challenge').textContent = challenge ? `Thử thách: ${challenge}` : '';
  byId('challenge').dataset.kind = update.guidance ?? '';
  const hint = challenge ? '' : (GUIDANCE_TEXT[update.guidance] ?? '');
  // The session usually puts the guidance in the instruction already; do not say it twice.
  byId('guidance').textContent = hint === byId('instruction').textContent ? '' : hint;
}

function renderResult(record) {
  byId('result').hidden = !record;
  document.body.dataset.decision = record ? record.decision : '';
  if (!record) return;
  byId('result-title').textContent = RESULT_TEXT[record.decision] ?? RESULT_TEXT.error;
  byId('holder-name').textContent = record.decision === 'verified' ? (record.holderName ?? '') : '';
  const reasons = byId('reasons');
  reasons.replaceChildren(
    ...(record.decision === 'verified' ? [] : record.reasons).map((reason) => {
      const item = document.createElement('li');
      item.textContent = reason.messageVi;
      return item;
    }),
  );
}

connectLive({
  onUpdate: render,
  onStatus: (live) => {
    byId('connection').hidden = live;
    byId('connection').textContent = live ? UI_TEXT.connected : UI_TEXT.disconnected;
  },
});
