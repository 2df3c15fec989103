import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { monotonicNow } from '../../drivers/camera/types.ts';
import { XacminhError } from '../../drivers/errors.ts';
import type { FaceEvidence } from '../../models/types.ts';
import type { VerificationRecord } from './record.ts';
import { parseAccessKeyText } from './session.ts';
import { SimulatedCardPort } from './sim-card-port.ts';
import { ScriptedFace, clone, genuine, harness, qrOf, until } from './session-test-support.ts';

test('genuine card, key scanned, face matches → verified, with identity, chip summary and step timings', async () => {
  const h = harness();
  const finished = h.done();
  h.cards.place(genuine);
  h.session.setReference('HD-2026-0042');
  h.session.submitAccessKey(qrOf(genuine));
  const record = await finished;
  assert.is(record.decision, 'verified');
  assert.equal(record.reasons, []);
  assert.is(record.identity?.idNumber, genuine.persona.idNumber);
  assert.is(record.identity?.fullName, genuine.persona.fullName);
  assert.is(record.chip?.verdict, 'genuine');
  assert.is(record.accessKeySource, 'qr');
  assert.is(record.operatorReference, 'HD-2026-0042');
  assert.equal(record.steps.map((s) => s.step), ['access-key', 'read-chip', 'authenticity', 'face', 'record']);
  assert.ok(record.steps.every((s) => s.outcome === 'ok'));
  assert.equal(h.records.map((r) => r.id), [record.id]);
  assert.equal(h.signals, ['ready', 'busy', 'verified']);
  const states = [...new Set(h.updates.map((u) => u.state))];
  assert.equal(states, ['access-key', 'reading-chip', 'checking-authenticity', 'face', 'recording', 'result']);
  assert.ok(h.updates.some((u) => u.state === 'reading-chip' && (u.progress ?? 0) > 0.5), 'read progress reported');
  await h.session.stop();
});

test('an ID number typed before the card is laid down is used for that card', async () => {
  const h = harness();
  h.session.submitAccessKey(genuine.persona.idNumber);
  const finished = h.done();
  h.cards.place(genuine);
  const record = await finished;
  assert.is(record.decision, 'verified');
  assert.is(record.accessKeySource, 'id-number');
  assert.not.ok(h.updates.some((u) => u.state === 'access-key'), 'no prompt for a key already given');
  await h.session.stop();
});

test('no face engine: the face step says "not available" and the verification is never a pass', async () => {
  const h = harness({ face: null });
  const finished = h.done();
  h.cards.place(genuine);
  h.session.submitAccessKey(genuine.persona.idNumber);
  const record = await finished;
  assert.is(record.decision, 'error');
  assert.is(record.face?.decision, 'not-available');
  assert.equal(record.reasons.map((r) => r.code), ['face-not-available']);
  assert.equal(h.signals.at(-1), 'error');
  await h.session.stop();
});

test('a site that does not require the face passes on the chip alone, and the record says the face was not checked', async () => {
  const h = harness({ face: null, config: { face: { required: false } } });
  const finished = h.done();
  h.cards.place(genuine);
  h.session.submitAccessKey(genuine.persona.idNumber);
  const record = await finished;
  assert.is(record.decision, 'verified');
  assert.equal(record.reasons.map((r) => r.code), ['face-not-checked']);
});

test('a cloned chip is rejected with the Vietnamese reason, and the face step is skipped', async () => {
  const face = new ScriptedFace({});
  const h = harness({ face });
  const finished = h.done();
  h.cards.place(clone);
  h.session.submitAccessKey(clone.persona.idNumber);
  const record = await finished;
  assert.is(record.decision, 'rejected');
  assert.is(record.chip?.verdict, 'not-genuine');
  assert.ok(record.reasons.some((r) => r.code === 'CA_FAILED' && /sao chép/.test(r.messageVi)));
  assert.is(face.calls, 0);
  assert.equal(record.steps.find((s) => s.step === 'face')?.outcome, 'skipped');
  await h.session.stop();
});

test('the face step is told to use no frame from before the card was laid down', async () => {
  const face = new ScriptedFace({});
  const h = harness({ face });
  const finished = h.done();
  const beforeCard = monotonicNow();
  h.cards.place(genuine);
  h.session.submitAccessKey(genuine.persona.idNumber);
  await finished;
  const afterRead = monotonicNow();
  assert.ok(face.notBefore !== undefined && face.notBefore >= beforeCard && face.notBefore <= afterRead, String(face.notBefore));
  await h.session.stop();
});

test('face no-match, not-live and no usable face are rejections with their reasons', async () => {
  for (const [evidence, ...codes] of [
    [{ decision: 'no-match', similarity: 0.61 } as Partial<FaceEvidence>, 'face-no-match'],
    [{ decision: 'not-live', reasons: ['challenge-not-done'] } as Partial<FaceEvidence>, 'face-not-live'],
    // A chip photo too small to match reliably: the operator is told the card's photo is the likely cause.
    [{ decision: 'no-match', similarity: 0.88, reasons: ['chip-photo-small'], photoResolution: 0.22 } as Partial<FaceEvidence>, 'face-no-match', 'chip-photo-small'],
    [{ decision: 'no-face', similarity: null, reasons: ['quality-too-small'] } as Partial<FaceEvidence>, 'face-no-face'],
    // Good faces, every one with the eyes shut: the operator is told to ask the customer to open them.
    [{ decision: 'no-face', similarity: null, reasons: ['eyes-closed'] } as Partial<FaceEvidence>, 'face-eyes-closed'],
  ] as [Partial<FaceEvidence>, ...string[]][]) {
    const h = harness({ face: new ScriptedFace(evidence) });
    const finished = h.done();
    h.cards.place(genuine);
    h.session.submitAccessKey(genuine.persona.idNumber);
    const record = await finished;
    assert.is(record.decision, 'rejected');
    assert.equal(record.reasons.map((r) => r.code), codes);
    if (codes.includes('chip-photo-small')) assert.match(record.reasons[1]!.messageVi, /Ảnh trong chip quá nhỏ/);
    if (codes.includes('face-eyes-closed')) assert.match(record.reasons[0]!.messageVi, /mở mắt/);
    await h.session.stop();
  }
});

test('a wrong key asks again; the right key then completes the same verification', async () => {
  const h = harness();
  const finished = h.done();
  h.cards.place(genuine);
  const wrong = String((Number(genuine.persona.idNumber.slice(6)) + 1) % 1_000_000).padStart(6, '0');
  h.session.submitAccessKey(genuine.persona.idNumber.slice(0, 6) + wrong);
  await until(() => h.updates.some((u) => u.state === 'access-key' && /từ chối/.test(u.messageVi)));
  h.session.submitAccessKey(genuine.persona.idNumber);
  const record = await finished;
  assert.is(record.decision, 'verified');
  assert.equal(h.records.length, 1);
  await h.session.stop();
});

test('card lifted while the chip is read → error CARD_REMOVED, recorded; the session takes the next card', async () => {
  const h = harness();
  const first = h.done();
  h.cards.place(genuine);
  h.session.on('update', (u) => {
    if (u.state === 'reading-chip' && (u.progress ?? 0) > 0) h.cards.lift();
  });
  h.session.submitAccessKey(genuine.persona.idNumber);
  const record = await first;
  assert.is(record.decision, 'error');
  assert.is(record.reasons[0]?.code, 'CARD_REMOVED');
  assert.is(record.identity, null);
  h.session.removeAllListeners('update');
  const second = h.done();
  h.cards.place(genuine);
  h.session.submitAccessKey(genuine.persona.idNumber);
  assert.is((await second).decision, 'verified');
  await h.session.stop();
});

test('the operator cancels while the key is awaited; no key in time is a timeout', async () => {
  const h = harness();
  let finished = h.done();
  h.cards.place(genuine);
  await until(() => h.session.current().state === 'access-key');
  h.session.cancel();
  assert.is((await finished).reasons[0]?.code, 'CANCELLED');
  finished = h.done();
  h.cards.place(genuine);
  const timedOut = await finished;
  assert.is(timedOut.decision, 'error');
  assert.is(timedOut.reasons[0]?.code, 'TIMEOUT');
  await h.session.stop();
});

test('a second card while busy is refused politely; the first verification completes', async () => {
  const cards2 = new SimulatedCardPort();
  const h = harness({ face: new ScriptedFace({}, 300) });
  const finished = h.done();
  h.cards.place(genuine);
  h.session.submitAccessKey(genuine.persona.idNumber);
  await until(() => h.session.current().state === 'face');
  // A second reader's card arriving mid-verification (same port object emits it).
  h.cards.emit('card', { transport: cards2 as never, readerName: 'second', removed: new AbortController().signal, release: async () => {} });
  assert.ok(h.updates.at(-1)?.messageVi.includes('vui lòng chờ'));
  assert.throws(() => h.session.submitAccessKey(genuine.persona.idNumber), (e: unknown) => (e as XacminhError).code === 'BUSY');
  assert.is((await finished).decision, 'verified');
  assert.is(h.records.length, 1);
  await h.session.stop();
});

test('storage failure: the operator is told, the session keeps running', async () => {
  let fail = true;
  const stored: VerificationRecord[] = [];
  const h = harness({
    record: async (record) => {
      if (fail) throw new XacminhError('STORAGE_FAILED', 'disk full');
      stored.push(record);
    },
  });
  let finished = h.done();
  h.cards.place(genuine);
  h.session.submitAccessKey(genuine.persona.idNumber);
  const failed = await finished;
  assert.is(failed.decision, 'error');
  assert.ok(failed.reasons.some((r) => r.code === 'STORAGE_FAILED'));
  fail = false;
  finished = h.done();
  h.cards.place(genuine);
  h.session.submitAccessKey(genuine.persona.idNumber);
  assert.is((await finished).decision, 'verified');
  assert.is(stored.length, 1);
  await h.session.stop();
});

test('access key text: ID number, QR and MRZ lead to keys; anything else is INVALID_INPUT', () => {
  assert.is(parseAccessKeyText(` ${genuine.persona.idNumber} `).source, 'id-number');
  assert.is(parseAccessKeyText(qrOf(genuine)).source, 'qr');
  assert.throws(() => parseAccessKeyText('hello'), (e: unknown) => (e as XacminhError).code === 'INVALID_INPUT');
  assert.throws(() => parseAccessKeyText('12345'), (e: unknown) => (e as XacminhError).code === 'INVALID_INPUT');
});

test.run();
