// The customer's screen: one instruction in large type with a line and a picture saying what to do now, the
// chip progress, the live camera picture inside the face guide with the guidance drawn on it, then the result
// and what to do next. Shows no personal data except the verified holder's name (the server sends nothing
// more), and never a reason's technical text: that is the clerk's (operator page).
/* global document, window, fetch, Audio */
import { STATE_TEXT, GUIDANCE_TEXT, CHALLENGE_TEXT, RESULT_TEXT, UI_TEXT, KIOSK_HINT, PREVIEW_TEXT, NOTICE_TEXT, customerOutcome } from './strings.js';
import { connectLive, byId } from './live.js';

/** How long the stream may be down before the screen says the terminal is out of service (EventSource retries every 2 s). */
const OUT_OF_SERVICE_AFTER_MS = 4000;

// The customer's steps, in order. A verification goes through some of them (the access key is skipped when the
// clerk typed it before the card was laid down; the face step is skipped when the card fails): the page numbers
// the ones this verification has shown so far, so the numbers run 1, 2, 3 without gaps. No total is shown, as it
// is not known in advance.
const PHASES = ['key', 'card', 'face'];
const PHASE_OF = { 'access-key': 'key', 'reading-chip': 'card', 'checking-authenticity': 'card', face: 'face', deciding: 'face' };
let journey = { id: undefined, seen: new Set() };

function stepLabel(update, title) {
  const phase = PHASE_OF[update.state];
  if (!phase || !update.verificationId) return title;
  if (journey.id !== update.verificationId) journey = { id: update.verificationId, seen: new Set() };
  journey.seen.add(phase);
  const number = PHASES.filter((p) => journey.seen.has(p)).indexOf(phase) + 1;
  return `Bước ${number} · ${title}`;
}

/** Where words are slow, a picture: the card onto the reader, the QR to the scanner. */
const PICTURE_OF = { idle: 'picture-card', 'access-key': 'picture-qr' };
const WAITING = new Set(['checking-authenticity', 'deciding', 'recording']);
/** States in which the camera picture may show: the face step, and the read before it when the face is tracked early. */
const CAMERA_STATES = new Set(['reading-chip', 'checking-authenticity', 'face']);

function render(update) {
  const state = update.state;
  const text = STATE_TEXT[state] ?? STATE_TEXT.offline;
  document.body.dataset.state = state;
  byId('step').textContent = state === 'offline' ? '' : stepLabel(update, text.title);

  const showResult = state === 'result' && Boolean(update.record);
  byId('instruction').hidden = showResult;
  // Offline: the session's message names the technical cause (for the clerk); the customer gets the plain one.
  byId('instruction').textContent = state === 'offline' ? UI_TEXT.outOfService : update.messageVi || text.instruction;
  byId('hint').textContent = KIOSK_HINT[state] ?? '';
  for (const id of ['picture-card', 'picture-qr']) byId(id).hidden = PICTURE_OF[state] !== id;
  byId('wait').hidden = !WAITING.has(state);

  byId('chip').hidden = state !== 'reading-chip';
  const percent = Math.round(Math.min(1, Math.max(0, update.progress ?? 0)) * 100);
  byId('chip-progress').value = percent;
  byId('chip-percent').textContent = `${percent}%`;

  renderFace(state === 'face' ? update : null);
  // While the card is read the face may already be tracked (face.overlap): its picture shows as soon as it
  // comes, in the same place as in the face step, so the customer can line up early.
  byId('face').hidden = !CAMERA_STATES.has(state);
  preview(CAMERA_STATES.has(state));
  renderResult(showResult ? update.record : null);
  speak(clipFor(update));
}

function renderFace(update) {
  if (!update) {
    byId('challenge').hidden = true;
    byId('guidance').textContent = '';
    return;
  }
  const challenge = CHALLENGE_TEXT[update.guidance];
  byId('instruction').hidden = Boolean(challenge); // the challenge box is the instruction then
  byId('challenge').hidden = !challenge;
  byId('challenge').textContent = challenge ?? ''; // the prompt itself, in the customer's words (no "challenge" label)
  byId('challenge').dataset.kind = update.guidance ?? '';
  const hint = challenge ? '' : (GUIDANCE_TEXT[update.guidance] ?? '');
  // The session usually puts the guidance in the instruction already; do not say it twice.
  byId('guidance').textContent = hint === byId('instruction').textContent ? '' : hint;
  byId('guidance').dataset.kind = update.guidance ?? '';
}

/** What this terminal has, from /kiosk.json: a camera preview, the spoken prompts' clip ids. */
let features = { preview: false, clips: new Set() };

// The camera picture: an MJPEG stream the <img> plays by itself, opened when the chip read starts (pictures come
// then only when the face is tracked during the read) and closed when the face step ends (the server ends it too). Mirrored by CSS, so moving left moves the picture left, as in a mirror.
let previewOpen = false;
let previewWanted = false;
function preview(wanted) {
  previewWanted = wanted;
  applyPreview();
}
function applyPreview() {
  const open = previewWanted && features.preview; // a terminal without a camera has no stream to open
  if (open === previewOpen) return;
  previewOpen = open;
  const img = byId('preview');
  if (open) {
    byId('preview-waiting').textContent = PREVIEW_TEXT.waiting;
    byId('preview-waiting').hidden = false;
    img.hidden = true;
    img.src = `/preview.mjpeg?step=${Date.now()}`; // a new request per step, never a cached picture
  } else {
    img.removeAttribute('src'); // aborts the stream
    img.hidden = true;
    delete document.body.dataset.picture;
  }
}
byId('preview').addEventListener('load', () => {
  if (!previewOpen) return;
  byId('preview').hidden = false;
  byId('preview-waiting').hidden = true;
  document.body.dataset.picture = 'on'; // the read's screens make room for the picture only once there is one
});

function renderResult(record) {
  byId('result').hidden = !record;
  document.body.dataset.decision = record ? record.decision : '';
  if (!record) return;
  const outcome = customerOutcome(record);
  byId('result-title').textContent = RESULT_TEXT[record.decision] ?? RESULT_TEXT.error;
  byId('holder-name').textContent = record.decision === 'verified' ? (record.holderName ?? '') : '';
  byId('outcome').textContent = outcome.text;
  byId('next-step').textContent = outcome.next;
}

// Spoken prompts (ui.audio): the server lists the clips it has (none when audio is off); each state change
// plays its clip once. The kiosk browser runs with --autoplay-policy=no-user-gesture-required (README).
let wanted; // the clip for what the screen shows now
let spoken; // the last clip played for it
function clipFor(update) {
  if (update.state === 'offline') return 'out-of-service';
  if (update.state === 'result') return update.record?.decision === 'verified' ? 'verified' : 'not-verified';
  if (update.state === 'face' && CHALLENGE_TEXT[update.guidance]) return update.guidance;
  return ['idle', 'access-key', 'reading-chip', 'face'].includes(update.state) ? update.state : undefined;
}
function speak(clip) {
  if (clip === wanted) return; // progress and guidance updates within one state say nothing new
  wanted = clip;
  spoken = undefined;
  play();
}
function play() {
  if (!wanted || wanted === spoken || !features.clips.has(wanted)) return;
  spoken = wanted;
  new Audio(`/audio/${wanted}.wav`).play().catch(() => undefined); // blocked autoplay: silent, not broken
}
/** What this terminal has (kiosk.json): a camera preview, spoken prompts. */
function loadFeatures() {
  fetch('/kiosk.json')
    .then((response) => (response.ok ? response.json() : { preview: false, clips: [] }))
    .then((body) => {
      features = { preview: body.preview === true, clips: new Set(body.clips) };
      applyPreview(); // the first state may have arrived before the answer
      play();
    })
    .catch(() => undefined);
}

/** The agent is gone: nothing of the last customer stays up, and the next one is told to ask the staff. */
function outOfService() {
  renderNotice({ notice: null }); // out of service says more than closed
  render({ state: 'offline', messageVi: UI_TEXT.outOfService });
  document.body.dataset.state = 'out-of-service';
  journey = { id: undefined, seen: new Set() };
}

/** A site flow's notice over everything (outside business hours: the counter is closed); null takes it down. */
function renderNotice({ notice, messageVi }) {
  byId('notice').hidden = !notice;
  if (notice) document.body.dataset.notice = notice;
  else delete document.body.dataset.notice;
  byId('notice-text').textContent = notice ? (messageVi || NOTICE_TEXT[notice] || NOTICE_TEXT['counter-closed']) : '';
}

let downTimer;
connectLive({
  onUpdate: render,
  onNotice: renderNotice,
  onStatus: (live) => {
    byId('connection').hidden = live;
    byId('connection').textContent = live ? UI_TEXT.connected : UI_TEXT.disconnected;
    if (live) {
      window.clearTimeout(downTimer);
      downTimer = undefined;
      loadFeatures(); // the agent may have come back with another config
    } else downTimer ??= window.setTimeout(outOfService, OUT_OF_SERVICE_AFTER_MS);
  },
});
