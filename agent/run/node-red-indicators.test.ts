import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FLOW_PATTERNS } from './node-red-protocol.ts';
import { flowPattern } from './node-red-indicators.ts';

test('relay pulse and alarm: on at once, off after the duration, nothing else touched', () => {
  assert.equal(flowPattern({ pattern: 'relay-pulse', durationMs: 1000 }).steps, [
    { atMs: 0, set: { relay: true } },
    { atMs: 1000, set: { relay: false } },
  ]);
  assert.equal(flowPattern({ pattern: 'alarm', durationMs: 3000 }).steps, [
    { atMs: 0, set: { red: true, buzzer: true } },
    { atMs: 3000, set: { red: false, buzzer: false } },
  ]);
});

test('every pattern ends with its outputs off at the duration, and a blink alternates', () => {
  for (const pattern of FLOW_PATTERNS) {
    const steps = flowPattern({ pattern, durationMs: 1000 }).steps;
    const last = steps.at(-1)!;
    assert.is(last.atMs, 1000, pattern);
    assert.ok(Object.values(last.set).every((on) => on === false), pattern);
  }
  assert.equal(flowPattern({ pattern: 'green-blink', durationMs: 600 }).steps.map((s) => s.set.green), [true, false, true, false]);
});

test.run();
