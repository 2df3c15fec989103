// A site flow's pattern (agent/run/node-red-indicators.ts) played over the verification's own signal.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RecordingIndicators } from './recording.ts';

test("a flow's relay pulse changes only the relay, and the signal's pattern plays on to its end", async () => {
  const rec = new RecordingIndicators();
  const verified = rec.show('verified'); // green on, one short beep
  const pulse = rec.overlay({ steps: [{ atMs: 0, set: { relay: true } }, { atMs: 40, set: { relay: false } }] });
  assert.ok(rec.level('relay'), 'the relay is on at once');
  assert.ok(rec.level('green'), 'the signal is untouched');
  await Promise.all([verified, pulse]);
  assert.not.ok(rec.level('relay'), 'the pulse ended');
  assert.not.ok(rec.level('buzzer'), "the signal's beep ended too");
  assert.ok(rec.level('green'));
  assert.equal(rec.writes.filter((w) => w.output === 'relay').map((w) => w.on).slice(-2), [true, false], 'on once, then off');
  await rec.close();
});

test('a new signal does not cut a running flow pattern short, and close() ends it with every output off', async () => {
  const rec = new RecordingIndicators();
  void rec.overlay({ steps: [{ atMs: 0, set: { red: true, buzzer: true } }, { atMs: 60_000, set: { red: false, buzzer: false } }] });
  await rec.show('busy'); // the signal's first step sets every output: the alarm is overridden, not left half on
  assert.not.ok(rec.level('buzzer'));
  await rec.close(); // the minute-long timer must not keep the process alive nor fire after close
  assert.equal(['green', 'red', 'busy', 'buzzer', 'relay'].map((o) => rec.level(o as 'red')), [false, false, false, false, false]);
  const afterClose = rec.writes.length;
  await rec.overlay({ steps: [{ atMs: 0, set: { relay: true } }] });
  assert.is(rec.writes.length, afterClose, 'nothing plays after close');
});

test.run();
