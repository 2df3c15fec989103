import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalChip, fitSimilarity } from '../face-geometry.ts';
import { fitLogistic, heldOut, identityFolds, logit, type ScorerFactory } from './metrics.ts';

test('fitSimilarity recovers a rotation, scale and shift exactly', () => {
  const from: [number, number][] = [
    [0, 0],
    [10, 0],
    [0, 5],
    [7, 3],
  ];
  const [a, b, tx, ty] = [1.5 * Math.cos(0.3), 1.5 * Math.sin(0.3), 4, -2];
  const to = from.map(([x, y]) => [a * x - b * y + tx, b * x + a * y + ty] as [number, number]);
  const t = fitSimilarity(from, to);
  for (const [k, v] of Object.entries({ a, b, tx, ty })) assert.ok(Math.abs(t[k as keyof typeof t] - v) < 1e-9, `${k} ${t[k as keyof typeof t]} vs ${v}`);
});

test('canonicalChip: null without a mesh, a size² RGB chip with one', () => {
  const image = { rgb: new Uint8Array(100 * 100 * 3).fill(200), width: 100, height: 100 };
  assert.is(canonicalChip(image, undefined, 150), null);
  const mesh = Array.from({ length: 468 }, (_, i) => [30 + (i % 40), 30 + Math.floor(i / 12), 0] as [number, number, number]);
  const chip = canonicalChip(image, mesh, 150)!;
  assert.is(chip.length, 150 * 150 * 3);
  assert.ok(canonicalChip(image, mesh, 112, true, { points: 'arcface5' })!.length === 112 * 112 * 3);
});

test('identity folds never split a person; held-out counts cover every within-fold pair', () => {
  const items = ['a', 'a', 'b', 'b', 'c', 'c', 'd', 'd'].map((person) => ({ person }));
  const folds = identityFolds(items, 2);
  const personFold = new Map<string, number>();
  folds.forEach((f, k) =>
    f.forEach((i) => {
      assert.is(personFold.get(items[i]!.person) ?? k, k, 'one person, one fold');
      personFold.set(items[i]!.person, k);
    }),
  );
  assert.is(personFold.size, 4);
  // A perfect scorer: 1 for the same person, 0 otherwise.
  const perfect: ScorerFactory = () => (i, j) => (items[i]!.person === items[j]!.person ? 1 : 0);
  const r = heldOut(items, perfect, 2);
  assert.is(r.genuine, 4);
  assert.is(r.impostor, 8); // per fold: 2 people × 2 images → 4 impostor pairs
  assert.is(r.accuracy, 1);
  assert.equal(
    r.points.map((p) => p.tar),
    [1, 1, 1],
  );
});

test('fitLogistic orders fused scores by evidence from both inputs', () => {
  const genuine = Array.from({ length: 50 }, (_, i) => [0.9 + (i % 5) * 0.01, 0.6 + (i % 7) * 0.02]);
  const impostor = Array.from({ length: 500 }, (_, i) => [0.7 + (i % 11) * 0.01, 0.2 + (i % 13) * 0.02]);
  const model = fitLogistic(genuine, impostor);
  assert.ok(model.weights.every((w) => w > 0), JSON.stringify(model));
  assert.ok(logit(model, [0.95, 0.7]) > logit(model, [0.95, 0.3]));
  assert.ok(logit(model, [0.95, 0.7]) > logit(model, [0.75, 0.7]));
});

test.run();
