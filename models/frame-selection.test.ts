import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keepBest, selectDiverse } from './frame-selection.ts';

const frame = (name: string, score: number, yaw: number, pitch = 0) => ({ name, quality: { score }, face: { yaw, pitch } });

test('the best frame comes first; near-copies of a chosen pose give way to other poses', () => {
  const frames = [frame('a', 0.9, 0, 0), frame('a-again', 0.89, 0.5, 0.3), frame('turned', 0.8, 6, 0), frame('nodded', 0.7, 0, 5), frame('low', 0.2, -8, 0)];
  assert.equal(selectDiverse(frames, 3).map((f) => f.name), ['a', 'turned', 'nodded']);
  assert.equal(selectDiverse(frames, 1).map((f) => f.name), ['a']);
});

test('when every frame has the same pose, the best by quality are used', () => {
  const frames = [frame('x', 0.5, 0.1), frame('y', 0.9, 0.2), frame('z', 0.7, 0.3), frame('w', 0.6, 0)];
  assert.equal(selectDiverse(frames, 3).map((f) => f.name), ['y', 'z', 'w']);
  assert.equal(selectDiverse([], 3), []);
});

test('the pool keeps only the best few while frames arrive', () => {
  const pool: ReturnType<typeof frame>[] = [];
  for (const [i, score] of [0.3, 0.9, 0.1, 0.5, 0.8, 0.2].entries()) keepBest(pool, frame(`f${i}`, score, i * 3), 3);
  assert.equal(pool.map((f) => f.name), ['f1', 'f4', 'f3']);
});

test.run();
