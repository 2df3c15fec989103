// Retry the face step: a new record linked to the first, while the chip data is held; refused (in Vietnamese)
// for anything else, and the held data goes when the window ends, a new card comes or the operator cancels.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FaceEvidence } from '../../models/types.ts';
import { FACE_RETRY_WINDOW_MS, FaceRetryHold, MAX_FACE_RETRIES, RETRY_REFUSALS_VI } from './face-retry.ts';
import type { VerificationRecord } from './record.ts';
import { ScriptedFace, clone, genuine, harness } from './session-test-support.ts';

const noMatch: Partial<FaceEvidence> = { decision: 'no-match', similarity: 0.61 };

async function rejectedForFace(h: ReturnType<typeof harness>): Promise<VerificationRecord> {
  const finished = h.done();
  h.cards.place(genuine);
  h.session.submitAccessKey(genuine.persona.idNumber);
  const record = await finished;
  assert.is(record.decision, 'rejected');
  return record;
}

test('a face no-match retried: a new verification, retryOf the first, same identity and chip, recorded and published', async () => {
  const face = new ScriptedFace([noMatch, {}]);
  const h = harness({ face });
  h.session.setReference('HD-2026-0042');
  const first = await rejectedForFace(h);
  assert.equal(first.reasons.map((r) => r.code), ['face-no-match']);
  h.cards.lift(); // the customer took the card back: the retry does not need it
  const finished = h.done();
  assert.equal(await h.session.retryFace(first.id), { accepted: true });
  const retry = await finished;
  assert.is(retry.decision, 'verified');
  assert.is(retry.retryOf, first.id);
  assert.is.not(retry.id, first.id);
  assert.equal(retry.identity, first.identity);
  assert.equal(retry.chip, first.chip);
  assert.is(retry.accessKeySource, first.accessKeySource);
  assert.is(retry.operatorReference, 'HD-2026-0042', 'the same customer\'s contract');
  assert.equal(retry.steps.map((s) => s.step), ['face', 'record']);
  assert.equal(face.photos[1], face.photos[0], 'the same chip photo, held in memory');
  assert.equal(h.records.map((r) => r.id), [first.id, retry.id]);
  assert.ok(h.updates.some((u) => u.state === 'result' && u.record?.id === retry.id));
  assert.not.ok('retryOf' in first, 'other records carry no retryOf');
  // A verified retry holds nothing more.
  assert.equal(await h.session.retryFace(retry.id), { accepted: false, reasonVi: RETRY_REFUSALS_VI.notHeld });
  await h.session.stop();
});

test('refused with a Vietnamese reason: another verification, a chip failure, a verified card, an unknown id', async () => {
  const h = harness({ face: new ScriptedFace([noMatch, {}]) });
  const first = await rejectedForFace(h);
  assert.equal(await h.session.retryFace('01HZZZZZZZZZZZZZZZZZZZZZZZ'), { accepted: false, reasonVi: RETRY_REFUSALS_VI.notHeld });
  // A new card laid down: a new customer, and the previous one's chip data is gone.
  const next = h.done();
  h.cards.place(genuine);
  const busy = await h.session.retryFace(first.id);
  assert.equal(busy, { accepted: false, reasonVi: RETRY_REFUSALS_VI.busy });
  h.session.submitAccessKey(genuine.persona.idNumber);
  assert.is((await next).decision, 'verified');
  assert.equal(await h.session.retryFace(first.id), { accepted: false, reasonVi: RETRY_REFUSALS_VI.notHeld });
  const cloned = h.done();
  h.cards.place(clone);
  h.session.submitAccessKey(clone.persona.idNumber);
  assert.equal(await h.session.retryFace((await cloned).id), { accepted: false, reasonVi: RETRY_REFUSALS_VI.notHeld });
  assert.match(RETRY_REFUSALS_VI.notHeld, /khuôn mặt/);
  await h.session.stop();
});

test('held for 2 minutes from the chip read at most (injected clock), then refused and dropped', async () => {
  let now = 1_000_000;
  const h = harness({ face: new ScriptedFace(noMatch), now: () => now });
  const first = await rejectedForFace(h);
  now += FACE_RETRY_WINDOW_MS - 1;
  const finished = h.done();
  assert.equal(await h.session.retryFace(first.id), { accepted: true });
  const retry = await finished;
  assert.is(retry.decision, 'rejected');
  now += 1; // the window counts from the read, not from the retry
  const late = await h.session.retryFace(retry.id);
  assert.equal(late, { accepted: false, reasonVi: RETRY_REFUSALS_VI.expired });
  assert.match(late.reasonVi!, /2 phút/);
  assert.equal(await h.session.retryFace(retry.id), { accepted: false, reasonVi: RETRY_REFUSALS_VI.notHeld }, 'dropped');
  await h.session.stop();
});

test(`at most ${MAX_FACE_RETRIES} retries per chip read; the operator cancelling drops the held data`, async () => {
  const face = new ScriptedFace(noMatch);
  const h = harness({ face });
  let last = await rejectedForFace(h);
  for (let i = 0; i < MAX_FACE_RETRIES; i++) {
    const finished = h.done();
    assert.equal(await h.session.retryFace(last.id), { accepted: true });
    const retry = await finished;
    assert.is(retry.retryOf, last.id, 'each retry links to the one it retried');
    last = retry;
  }
  assert.equal(await h.session.retryFace(last.id), { accepted: false, reasonVi: RETRY_REFUSALS_VI.exhausted });
  await h.session.stop();
  const h2 = harness({ face: new ScriptedFace(noMatch) });
  const first = await rejectedForFace(h2);
  h2.session.cancel();
  assert.equal(await h2.session.retryFace(first.id), { accepted: false, reasonVi: RETRY_REFUSALS_VI.notHeld });
  await h2.session.stop();
});

test('no face engine on the terminal: the retry is refused, saying why', async () => {
  const h = harness({ face: null });
  const finished = h.done();
  h.cards.place(genuine);
  h.session.submitAccessKey(genuine.persona.idNumber);
  const record = await finished;
  assert.equal(record.reasons.map((r) => r.code), ['face-not-available']);
  assert.equal(await h.session.retryFace(record.id), { accepted: false, reasonVi: RETRY_REFUSALS_VI.noFace });
  await h.session.stop();
});

test('the hold keeps its own copy of the photo and zeroes it when dropped; the caller\'s bytes are untouched', () => {
  const hold = new FaceRetryHold(() => 0);
  const photo = new Uint8Array([1, 2, 3, 4]);
  const record = { id: 'A', decision: 'rejected', chip: { verdict: 'genuine' }, reasons: [{ code: 'face-not-live', messageVi: '' }] } as unknown as VerificationRecord;
  hold.offer(record, photo, 0);
  const taken = hold.take('A');
  assert.ok('held' in taken);
  const held = (taken as { held: { photo: Uint8Array } }).held.photo;
  assert.is.not(held, photo);
  hold.clear();
  assert.equal([...held], [0, 0, 0, 0]);
  assert.equal([...photo], [1, 2, 3, 4]);
  // Not a face failure: nothing is held.
  hold.offer({ ...record, reasons: [{ code: 'no-photo', messageVi: '' }] } as VerificationRecord, photo, 0);
  assert.is(hold.holding, undefined);
});

test.run();
