import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atFar, equalErrorRate } from './roc.ts';

test('atFar picks the lowest threshold that keeps false accepts within the rate', () => {
  const impostor = Array.from({ length: 1000 }, (_, i) => i / 1000); // 0 … 0.999
  const genuine = [0.9985, 0.995, 0.99, 0.5];
  const p = atFar(genuine, impostor, 0.001); // one impostor (0.999) may pass
  assert.ok(p.threshold > 0.998 && p.threshold <= 0.999, String(p.threshold));
  assert.is(p.far, 0.001);
  assert.is(p.tar, 0.25);
  const p1 = atFar(genuine, impostor, 0.01);
  assert.ok(p1.far <= 0.01);
  assert.is(p1.tar, 0.75);
});

test('equal error rate of separable and overlapping scores', () => {
  assert.is(equalErrorRate([0.9, 0.95], [0.1, 0.2]).eer, 0);
  const { eer } = equalErrorRate([0.4, 0.6, 0.8, 0.9], [0.1, 0.2, 0.5, 0.7]);
  assert.ok(eer > 0.2 && eer < 0.3, String(eer));
});

test.run();
