// The face step overlapped with the chip read: it begins when the card is laid down and finishes with the
// chip photo; a lifted card or a chip that is not genuine cancels it; face.overlap false keeps today's order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { monotonicNow } from '../../drivers/camera/types.ts';
import { TrackingFace, clone, genuine, harness, until } from './session-test-support.ts';

test('the face step begins when the card is laid down (before the read), once, and finishes with the chip photo', async () => {
  let face!: TrackingFace;
  const h = harness({ face: (states) => (face = new TrackingFace({}, states)) });
  const finished = h.done();
  const beforeCard = monotonicNow();
  h.cards.place(genuine);
  h.session.submitAccessKey(genuine.persona.idNumber);
  const record = await finished;
  assert.is(record.decision, 'verified');
  assert.is(face.trackings.length, 1);
  const [tracking] = face.trackings;
  assert.not.ok(tracking!.statesBefore.includes('reading-chip'), `begun before the read: ${tracking!.statesBefore.join()}`);
  assert.ok(tracking!.notBefore! >= beforeCard, 'no frame from before the card');
  assert.ok(tracking!.finished);
  assert.is(tracking!.cancelled, undefined);
  assert.is(face.calls, 1, 'the face step ran once, through the tracking');
  assert.ok(face.photos[0]!.length > 1000, 'the chip photo reached finish()');
  assert.is(h.framesOpened.count, 1, 'frames() opened once, when tracking began: one hand-off');
  assert.equal(record.steps.map((s) => s.step), ['access-key', 'read-chip', 'authenticity', 'face', 'record']);
  await h.session.stop();
});

test('a chip that is not genuine, or a card lifted during the read, cancels the tracking; it never finishes', async () => {
  let face!: TrackingFace;
  const h = harness({ face: (states) => (face = new TrackingFace({}, states)) });
  let finished = h.done();
  h.cards.place(clone);
  h.session.submitAccessKey(clone.persona.idNumber);
  assert.is((await finished).decision, 'rejected');
  assert.is(face.trackings[0]!.cancelled, 'chip not genuine');
  assert.not.ok(face.trackings[0]!.finished);
  finished = h.done();
  h.cards.place(genuine);
  const lift = (u: { state: string; progress?: number }) => {
    if (u.state === 'reading-chip' && (u.progress ?? 0) > 0) h.cards.lift();
  };
  h.session.on('update', lift);
  h.session.submitAccessKey(genuine.persona.idNumber);
  const removed = await finished;
  h.session.off('update', lift);
  assert.is(removed.reasons[0]?.code, 'CARD_REMOVED');
  assert.is(face.trackings[1]!.cancelled, 'verification over');
  assert.is(face.calls, 0);
  await h.session.stop();
});

test('the operator cancelling while the key is awaited cancels the tracking too', async () => {
  let face!: TrackingFace;
  const h = harness({ face: (states) => (face = new TrackingFace({}, states)) });
  const finished = h.done();
  h.cards.place(genuine);
  await until(() => h.session.current().state === 'access-key');
  assert.is(face.trackings.length, 1, 'tracking runs while the key is awaited');
  h.session.cancel();
  assert.is((await finished).reasons[0]?.code, 'CANCELLED');
  assert.ok(face.trackings[0]!.cancelled);
  await h.session.stop();
});

test('face.overlap false: the face step starts after the read, as before', async () => {
  let face!: TrackingFace;
  const h = harness({ face: (states) => (face = new TrackingFace({}, states)), config: { face: { overlap: false } } });
  const finished = h.done();
  const beforeCard = monotonicNow();
  h.cards.place(genuine);
  h.session.submitAccessKey(genuine.persona.idNumber);
  assert.is((await finished).decision, 'verified');
  assert.is(face.trackings.length, 0);
  assert.is(face.calls, 1);
  assert.ok(face.notBefore! >= beforeCard, 'still no frame from before the card');
  await h.session.stop();
});

test.run();
