import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalChip, fitSimilarity } from '../face-geometry.ts';
import { chipVsCamera, clusteredInterval, fitLogistic, fusionScorer, heldOut, heldOutTwoProbes, heldOutRepeated, identityFolds, impostorPairCount, logit, overRepeats, pairScores, sameData, type ScorerFactory, wilson } from './metrics.ts';

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

test('seeded identity folds: repeatable, a different split per seed, never a person in two folds', () => {
  const items = Array.from({ length: 40 }, (_, i) => ({ person: `p${i >> 1}` }));
  const a = identityFolds(items, 2, 7);
  assert.equal(identityFolds(items, 2, 7), a, 'same seed, same split');
  assert.not.equal(identityFolds(items, 2, 8), a);
  assert.not.equal(identityFolds(items, 2), a);
  const names = [...new Set(items.map((e) => e.person))].sort();
  const nameOrder = identityFolds(items, 2);
  nameOrder.forEach((fold, k) => fold.forEach((i) => assert.is(names.indexOf(items[i]!.person) % 2, k, 'unseeded: people in name order, dealt round-robin')));
  for (const fold of a) {
    const people = new Set(fold.map((i) => items[i]!.person));
    for (const other of a.filter((f) => f !== fold)) assert.ok(other.every((i) => !people.has(items[i]!.person)));
  }
});

test('wilson: the textbook 95 % interval, and it narrows with more trials', () => {
  const [lo, hi] = wilson(0.5, 100);
  assert.ok(Math.abs(lo - 0.4038) < 1e-3 && Math.abs(hi - 0.5962) < 1e-3, `${lo} ${hi}`);
  const [lo2, hi2] = wilson(289 / 300, 300);
  assert.ok(lo2 < 289 / 300 && hi2 > 289 / 300 && hi2 < 1);
  assert.ok(wilson(0.963, 3000)[1] - wilson(0.963, 3000)[0] < hi2 - lo2);
});

test('clusteredInterval: people who fail all together widen the interval; evenly spread failures do not', () => {
  const even = Array.from({ length: 20 }, (_, i) => ({ person: `p${i}`, pairs: 10, accepted: 9 }));
  assert.equal(clusteredInterval(even), wilson(0.9, 200));
  const clustered = Array.from({ length: 20 }, (_, i) => ({ person: `p${i}`, pairs: 10, accepted: i < 18 ? 10 : 0 }));
  const [low, high] = clusteredInterval(clustered);
  const [wLow, wHigh] = wilson(0.9, 200);
  assert.ok(low < wLow && high > wHigh, `${low}–${high} vs pairs-as-trials ${wLow}–${wHigh}`);
  assert.ok(low < 0.9 && high > 0.9);
});

test('heldOutRepeated: the first split is heldOut\'s; the spread covers every split', () => {
  // Genuine and impostor scores overlap, so the threshold, and TAR, depend on which people calibrate.
  const items = Array.from({ length: 60 }, (_, i) => ({ person: `p${Math.floor(i / 3)}` }));
  const noisy: ScorerFactory = () => (i, j) => (items[i]!.person === items[j]!.person ? 0.6 + ((i * 7 + j) % 40) / 100 : ((i * 13 + j * 5) % 997) / 1100);
  const single = heldOut(items, noisy, 2);
  const r = heldOutRepeated(items, noisy, 2, 5);
  const seeds: (number | undefined)[] = [];
  const first = overRepeats(1, (seed) => (seeds.push(seed), heldOut(items, noisy, 2, seed)));
  assert.equal(seeds, [undefined]);
  assert.is(first.points[1]!.tar, single.points[1]!.tar, 'the first split is heldOut\'s own');
  assert.throws(() => overRepeats(0, () => single), /repeats must be/);
  assert.is(r.repeats, 5);
  assert.is(r.genuine, single.genuine);
  const p = r.points[1]!;
  assert.ok(p.tarMin <= single.points[1]!.tar && single.points[1]!.tar <= p.tarMax);
  assert.ok(p.tarMin < p.tarMax, 'the splits differ');
  assert.ok(p.tarMin <= p.tar && p.tar <= p.tarMax);
  assert.ok(p.tarLow < p.tar && p.tar < p.tarHigh);
});

test('a set with chip photos: same-data and two-probe figures pair a chip photo with camera pictures only', () => {
  // 4 people, each a chip photo and 3 camera pictures; descriptors one-hot by person, so every genuine pair scores 1.
  const items = Array.from({ length: 16 }, (_, i) => ({ person: `p${i >> 2}`, chip: i % 4 === 0 }));
  const vectors = items.map((e) => Float32Array.from({ length: 4 }, (_, d) => (`p${d}` === e.person ? 1 : 0)));
  const score = (i: number, j: number) => (items[i]!.person === items[j]!.person ? 1 : 0);
  const same = sameData(items, score, chipVsCamera(items));
  assert.equal({ genuine: same.genuine, impostor: same.impostor }, { genuine: 4 * 3, impostor: 4 * 9 }, 'chip × camera only');
  assert.equal({ genuine: sameData(items, score).genuine }, { genuine: 4 * 6 }, 'every pair without the filter');
  const two = heldOutTwoProbes(items, vectors, 2);
  // Per fold of 2 people: each chip photo vs its own person's two camera pictures (genuine) and the other's (impostor).
  assert.equal({ genuine: two.genuine, impostor: two.impostor }, { genuine: 4, impostor: 4 });
  assert.is(two.points[1]!.tar, 1);
});

test('impostorPairCount: every cross-person pair, or those a filter keeps', () => {
  const items = ['a', 'a', 'a', 'b', 'b', 'c'].map((person, i) => ({ person, chip: i === 0 || i === 3 }));
  const person = (i: number) => items[i]!.person;
  const all = items.map((_, i) => i);
  assert.is(impostorPairCount(all, person), 15 - 3 - 1);
  // A chip photo (0 of a, 3 of b) vs another person's camera picture: 0–4, 0–5, 3–1, 3–2, 3–5.
  assert.is(impostorPairCount(all, person, chipVsCamera(items)), 5);
});

test('pairScores with an impostor sample: every genuine pair, about `max` impostors, repeatable by seed', () => {
  const items = Array.from({ length: 400 }, (_, i) => ({ person: `p${i >> 2}` })); // 100 people × 4: 600 genuine, 79,200 impostor pairs
  const person = (i: number) => items[i]!.person;
  const score = (i: number, j: number) => (person(i) === person(j) ? 1 : ((i * 31 + j * 17) % 1000) / 1000);
  const full = pairScores(items.length, person, score);
  assert.equal([full.genuine.length, full.impostor.length], [600, 79_200]);
  const a = pairScores(items.length, person, score, undefined, undefined, { max: 5000, seed: 3 });
  assert.is(a.genuine.length, 600);
  assert.ok(Math.abs(a.impostor.length - 5000) < 300, String(a.impostor.length)); // binomial sd ≈ 69
  assert.equal(pairScores(items.length, person, score, undefined, undefined, { max: 5000, seed: 3 }).impostor, a.impostor, 'same seed, same sample');
  assert.not.equal(pairScores(items.length, person, score, undefined, undefined, { max: 5000, seed: 4 }).impostor, a.impostor);
  // The sample's score distribution is the population's (each pair kept with the same probability).
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean(a.impostor) - mean(full.impostor)) < 0.02);
  assert.is(pairScores(items.length, person, score, undefined, undefined, { max: 1e9, seed: 3 }).impostor.length, 79_200, 'a cap above the count keeps all');
});

test('heldOut and sameData with maxImpostors: genuine counts unchanged, impostor counts near the cap per side', () => {
  const items = Array.from({ length: 200 }, (_, i) => ({ person: `p${Math.floor(i / 4)}` }));
  const noisy: ScorerFactory = () => (i, j) => (items[i]!.person === items[j]!.person ? 0.6 + ((i * 7 + j) % 40) / 100 : ((i * 13 + j * 5) % 997) / 1100);
  const full = heldOut(items, noisy, 2);
  const sampled = heldOut(items, noisy, 2, undefined, { maxImpostors: 1000 });
  assert.is(sampled.genuine, full.genuine);
  assert.ok(Math.abs(sampled.impostor - 2 * 1000) < 200, String(sampled.impostor)); // two test folds of ~1,000 each
  assert.equal(heldOut(items, noisy, 2, undefined, { maxImpostors: 1000 }), sampled, 'repeatable');
  const same = sameData(items, noisy(items.map((_, i) => i)), undefined, 2000);
  assert.ok(same.genuine === 300 && Math.abs(same.impostor - 2000) < 200, `${same.genuine} / ${same.impostor}`);
  const fused = fusionScorer(items, [noisy, noisy], undefined, 500)(items.map((_, i) => i));
  assert.ok(fused(0, 1) > fused(0, 4), 'the fusion fitted on a sample still ranks a genuine pair over an impostor');
});

test.run();
