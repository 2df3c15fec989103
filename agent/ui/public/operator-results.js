// The operator's recent results: one row per verification with who it was (the chip photo beside the best live
// frame, name, masked ID number, copy), the decision, every reason, chip verdict, face scores, and what the clerk
// can still do (the contract/room reference on the recorded verification; retry the face step when it failed).
/* global document, navigator */
import { RESULT_TEXT, UI_TEXT, ERROR_TEXT } from './strings.js';
import { OPERATOR_TEXT, OPERATOR_ACTION_TEXT, identityText, maskIdNumber, chipText, faceLines, terminalTime } from './operator-format.js';
import { say, request, withToken } from './operator-api.js';
import { byId } from './live.js';
import { prepareReference } from './validate.js';

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function cell(...content) {
  const td = document.createElement('td');
  td.append(...content);
  return td;
}

function list(className, lines) {
  const ul = element('ul', className);
  ul.append(...lines.map((line) => element('li', '', line)));
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

/** One picture with its caption; a grey box saying so when there is none or it no longer loads. */
function picture(path, kind, caption) {
  const figure = element('figure', `photo photo-${kind}`);
  const missing = () => figure.replaceChildren(element('div', 'photo-missing', OPERATOR_ACTION_TEXT.noPicture), element('figcaption', '', caption));
  if (!path) {
    missing();
    return figure;
  }
  const img = element('img');
  img.alt = caption;
  img.addEventListener('error', missing);
  img.src = withToken(path);
  figure.append(img, element('figcaption', '', caption));
  return figure;
}

function holderCell(record) {
  const photos = element('div', 'photos');
  photos.append(picture(record.photos?.chip, 'chip', OPERATOR_ACTION_TEXT.chipPhoto), picture(record.photos?.frame, 'frame', OPERATOR_ACTION_TEXT.liveFrame));
  const identity = record.identity;
  if (!identity) return cell(photos, element('p', '', OPERATOR_TEXT.noIdentity));
  const copy = element('button', 'copy', OPERATOR_TEXT.copy);
  copy.type = 'button';
  copy.addEventListener('click', () => void copyIdentity(identity));
  return cell(photos, element('p', 'holder-name', identity.fullName), element('p', 'id-masked', maskIdNumber(identity.idNumber)), copy);
}

async function saveReference(record, input) {
  const prepared = prepareReference(input.value);
  if (prepared.error) return say('error', ERROR_TEXT[prepared.error]);
  const { ok, answer } = await request('/api/reference-for', { verificationId: record.id, text: prepared.text });
  if (!ok) return;
  if (answer.ok) {
    // The row may have been redrawn (the agent announces the reference) while the answer came back.
    for (const shown of [input, document.querySelector(`#results tr[data-id="${record.id}"] .ref-input`)]) if (shown) shown.value = '';
    say('notice', `${OPERATOR_ACTION_TEXT.referenceSavedFor} ${record.identity?.fullName ?? record.id}`);
  } else say('error', `${OPERATOR_ACTION_TEXT.referenceRefused}: ${answer.reasonVi ?? ''}`);
}

async function retryFace(record) {
  const { ok, answer } = await request('/api/retry-face', { verificationId: record.id });
  if (!ok) return;
  if (answer.accepted) say('notice', OPERATOR_ACTION_TEXT.retryAccepted);
  else say('error', `${OPERATOR_ACTION_TEXT.retryRefused}: ${answer.reasonVi ?? ''}`);
}

function actionsCell(record) {
  const form = element('form', 'ref-for');
  form.noValidate = true;
  const input = element('input', 'ref-input');
  input.maxLength = 64;
  input.autocomplete = 'off';
  input.placeholder = OPERATOR_ACTION_TEXT.reference;
  input.setAttribute('aria-label', OPERATOR_ACTION_TEXT.reference);
  const save = element('button', 'ref-save', OPERATOR_ACTION_TEXT.saveReference);
  save.type = 'submit';
  form.append(input, save);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void saveReference(record, input);
  });
  const parts = [];
  if (record.operatorReference) parts.push(element('p', 'ref-current', `${OPERATOR_ACTION_TEXT.reference}: ${record.operatorReference}`));
  parts.push(form);
  if (record.faceFailed) {
    const retry = element('button', 'retry-face', OPERATOR_ACTION_TEXT.retryFace);
    retry.type = 'button';
    retry.addEventListener('click', () => void retryFace(record));
    parts.push(retry);
  }
  return cell(...parts);
}

function row(record, timeZone) {
  const tr = element('tr');
  tr.dataset.decision = record.decision;
  tr.dataset.id = record.id;
  // One reason per line: their texts end in full stops and read as one garbled sentence when joined.
  const reasons = element('ul', 'reason-list');
  reasons.append(...record.reasons.map((reason) => {
    const item = element('li', '', reason.messageVi);
    item.dataset.code = reason.code;
    return item;
  }));
  tr.append(
    cell(terminalTime(record.finishedAt, timeZone)),
    holderCell(record),
    record.retryOf ? cell(RESULT_TEXT[record.decision] ?? '', element('p', 'retry-of', OPERATOR_ACTION_TEXT.retryOf)) : cell(RESULT_TEXT[record.decision] ?? ''),
    cell(reasons),
    cell(chipText(record.chip)),
    cell(list('face-lines', faceLines(record.face))),
    actionsCell(record),
  );
  return tr;
}

/** Redraws the list; a reference being typed (and the focus) survives a redraw brought by another result. */
export function renderResults(records, timeZone) {
  const body = byId('results').tBodies[0];
  const typing = new Map([...body.querySelectorAll('tr[data-id]')].map((tr) => [tr.dataset.id, tr.querySelector('.ref-input')]).filter(([, input]) => input && input.value));
  const focused = document.activeElement?.classList.contains('ref-input') ? document.activeElement.closest('tr')?.dataset.id : undefined;
  const rows = records.map((record) => {
    const tr = row(record, timeZone);
    const input = tr.querySelector('.ref-input');
    const before = typing.get(record.id);
    if (before) input.value = before.value;
    return tr;
  });
  if (rows.length === 0) {
    const empty = cell(UI_TEXT.noResults);
    empty.colSpan = 7;
    const tr = element('tr');
    tr.append(empty);
    rows.push(tr);
  }
  body.replaceChildren(...rows);
  if (focused) body.querySelector(`tr[data-id="${focused}"] .ref-input`)?.focus();
}
