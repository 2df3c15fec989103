import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runPatternSuite } from './pattern-suite.ts';
import { RecordingIndicators } from './recording.ts';

runPatternSuite('RecordingIndicators', (options) => {
  const indicators = new RecordingIndicators(options);
  return { indicators, writes: () => indicators.writes, pressButton: () => indicators.press() };
});

test('the double records the signals asked for, and only outputs the board has', async () => {
  const rec = new RecordingIndicators({ outputs: ['green', 'red'] });
  await rec.show('busy');
  await rec.show('verified');
  assert.equal(rec.signals.map((s) => s.signal), ['busy', 'verified']);
  assert.ok(rec.writes.every((w) => w.output === 'green' || w.output === 'red'));
  assert.ok(rec.level('green'));
  await rec.close();
  assert.ok(rec.closedAt !== undefined);
  assert.not.ok(rec.level('green'));
});

test.run();
