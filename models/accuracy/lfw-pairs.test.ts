import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isXacminhError } from '../../drivers/errors.ts';
import { bestAccuracyThreshold, foldAccuracy, lfwImage, lfwPairsAccuracy, parseLfwPairs } from './lfw-pairs.ts';

test('parseLfwPairs reads LFW pairs format: folds of n same-person then n different-person lines, 1-based image numbers', () => {
  const text = '2\t1\nAnn\t1\t3\nBob\t2\tCy\t1\nDee\t1\t2\nEd\t1\tFay\t12\n';
  const folds = parseLfwPairs(text);
  assert.equal(folds, [
    [
      { a: 'Ann/Ann_0001.jpg', b: 'Ann/Ann_0003.jpg', same: true },
      { a: 'Bob/Bob_0002.jpg', b: 'Cy/Cy_0001.jpg', same: false },
    ],
    [
      { a: 'Dee/Dee_0001.jpg', b: 'Dee/Dee_0002.jpg', same: true },
      { a: 'Ed/Ed_0001.jpg', b: 'Fay/Fay_0012.jpg', same: false },
    ],
  ]);
  assert.is(lfwImage('A_B', 123), 'A_B/A_B_0123.jpg');
});

test('parseLfwPairs refuses a malformed file with the line at fault', () => {
  const refuse = (text: string, re: RegExp) => {
    try {
      parseLfwPairs(text);
      assert.unreachable('accepted');
    } catch (error) {
      assert.ok(isXacminhError(error, 'INVALID_INPUT'), String(error));
      assert.match((error as Error).message, re);
    }
  };
  refuse('two 1\n', /line 1: expected "folds n"/);
  refuse('1\t1\nAnn\t1\t2\n', /expected 3 lines/);
  refuse('1\t1\nAnn\t1\nBob\t1\tCy\t1\n', /line 2: a same-person line has 3 fields/);
  refuse('1\t1\nAnn\t1\t0\nBob\t1\tCy\t1\n', /line 2: image number "0"/);
});

test('bestAccuracyThreshold finds the split that classifies the most pairs right', () => {
  const pairs = [0.1, 0.2, 0.35, 0.5].map((score) => ({ score, same: false })).concat([0.3, 0.6, 0.7, 0.9].map((score) => ({ score, same: true })));
  const best = bestAccuracyThreshold(pairs);
  // Accept ≥ 0.55 (between 0.5 and 0.6): only the genuine pair at 0.3 is wrong → 7 / 8; any other split does worse.
  assert.is(best.accuracy, 7 / 8);
  assert.is(best.threshold, 0.55);
  const separable = [{ score: 0.1, same: false }, { score: 0.9, same: true }];
  assert.is(bestAccuracyThreshold(separable).accuracy, 1);
});

test('foldAccuracy: threshold from the other folds, accuracy on this one; mean, sample std and standard error', () => {
  // Folds 1 and 2 separate at 0.5; fold 3 has a genuine pair at 0.4, below any threshold learnt from the others.
  const f = (g: number[], i: number[]) => [...g.map((score) => ({ score, same: true })), ...i.map((score) => ({ score, same: false }))];
  const folds = [f([0.8, 0.9], [0.1, 0.2]), f([0.7, 0.6], [0.3, 0.2]), f([0.4, 0.9], [0.1, 0.3])];
  const r = foldAccuracy(folds);
  assert.equal(r.folds.map((x) => x.accuracy), [1, 1, 0.75]);
  const mean = 2.75 / 3;
  const std = Math.sqrt((2 * (1 - mean) ** 2 + (0.75 - mean) ** 2) / 2);
  assert.ok(Math.abs(r.mean - mean) < 1e-12 && Math.abs(r.std - std) < 1e-12 && Math.abs(r.standardError - std / Math.sqrt(3)) < 1e-12);
});

test('the pairs.txt of lfw-view2-dev parses into 5 folds of 300 + 300 pairs whose images are all there', () => {
  const dir = resolve('../shared/data/faces/lfw-view2-dev');
  assert.ok(existsSync(dir), `shared data ${dir} is missing: see ../shared/data/README.md`);
  const folds = parseLfwPairs(readFileSync(resolve(dir, 'pairs.txt'), 'utf8'));
  assert.is(folds.length, 5);
  for (const fold of folds) assert.is(fold.filter((p) => p.same).length, 300);
  const missing = folds.flat().flatMap((p) => [p.a, p.b]).filter((file) => !existsSync(resolve(dir, 'images', file)));
  assert.equal(missing, []);
});

test('lfwPairsAccuracy scores pairs.txt pairs by file; a pair with a faceless image scores −∞ (a reject) and is counted', () => {
  const folds = parseLfwPairs('2\t1\nAnn\t1\t2\nAnn\t1\tBob\t1\nAnn\t2\t1\nAnn\t1\tBob\t2\n');
  // Bob_0002 had no face: it is not among the items.
  const files = ['Ann/Ann_0001.jpg', 'Ann/Ann_0002.jpg', 'Bob/Bob_0001.jpg'];
  const person = (i: number) => files[i]!.split('/')[0];
  const seen: [number, number][] = [];
  const r = lfwPairsAccuracy(folds, files, (i, j) => {
    seen.push([i, j]);
    return person(i) === person(j) ? 0.9 : 0.2;
  });
  assert.equal(seen, [
    [0, 1],
    [0, 2],
    [1, 0],
  ]);
  assert.is(r.missing, 1);
  // Fold 2 (0.9 vs −∞) must give a finite threshold just under 0.9, not the midpoint −∞ that would accept fold 1's impostor.
  assert.equal(r.folds.map((f) => f.accuracy), [1, 1]);
  assert.ok(Number.isFinite(r.folds[0]!.threshold) && r.folds[0]!.threshold > 0.2, String(r.folds[0]!.threshold));
});

test.run();
