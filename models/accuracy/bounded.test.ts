import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mulberry32 } from '../../drivers/prng.ts';
import { boundedPoint, heldOutRule, samplePairs, singleImage, twoFrameFusion } from './bounded.ts';

test('samplePairs: every kept pair when there are few, a repeatable sample of distinct kept pairs when there are many', () => {
  const subset = [3, 5, 8, 13];
  const all = samplePairs(subset, (i, j) => i + j !== 13, 100, 1);
  assert.equal(all, [[3, 5], [3, 8], [3, 13], [5, 13], [8, 13]]);
  const many = Array.from({ length: 2000 }, (_, i) => i);
  const odd = (i: number, j: number) => (i + j) % 2 === 1;
  const a = samplePairs(many, odd, 5000, 42);
  assert.is(a.length, 5000);
  assert.equal(a, samplePairs(many, odd, 5000, 42), 'same seed, same sample');
  assert.not.equal(a, samplePairs(many, odd, 5000, 43));
  assert.is(new Set(a.map(([i, j]) => `${i},${j}`)).size, 5000, 'no pair twice');
  assert.ok(a.every(([i, j]) => i < j && odd(i, j)));
  // A capped exhaustive draw (few candidates, more than the cap) is a sample of the kept pairs too.
  const capped = samplePairs(subset, () => true, 4, 9);
  assert.is(capped.length, 4);
  assert.is(new Set(capped.map(String)).size, 4);
});

/** People as random unit directions; each image is its person's direction plus noise. */
function synthetic(people: number, perPerson: (p: number) => number, noise: number, seed: number) {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
  const items: { person: string; file: string; chip: boolean }[] = [];
  const vectors: Float32Array[] = [];
  for (let p = 0; p < people; p++) {
    const centre = Float32Array.from({ length: 16 }, gauss);
    for (let i = 0; i < perPerson(p); i++) {
      items.push({ person: `p${p}`, file: `p${p}/${i}.jpg`, chip: false });
      vectors.push(centre.map((x) => x + noise * gauss()));
    }
  }
  return { items, vectors };
}

test('singleImage and twoFrameFusion count the comparisons a verification would make', () => {
  const { items, vectors } = synthetic(6, (p) => (p < 2 ? 3 : 2), 0.3, 1);
  const all = items.map((_, i) => i);
  const single = singleImage(items, vectors)(all, 1e6, 1);
  assert.is(single.genuine.length, 2 * 3 + 4 * 1); // C(3,2) for two people, C(2,2) for four
  assert.is(single.impostors.length, (14 * 13) / 2 - 10);
  assert.ok(single.impostors.every((x) => x.a !== x.b));
  // Fusion: probes are the two people with 3 images; each gallery image against each probe person.
  const fused = twoFrameFusion(items, vectors)(all, 1e6, 1);
  assert.is(fused.genuine.length, 6); // the 3 images of each probe person, each against its 2 others
  assert.is(fused.impostors.length, 14 * 2 - 6);
  assert.ok(fused.genuine.every((g) => g.score > 0.8), 'low noise: the same person scores high');
});

test('boundedPoint: the bounded threshold is at or above the point estimate and costs TAR, never gains it', () => {
  const { items, vectors } = synthetic(400, () => 3, 1.1, 5);
  const c = singleImage(items, vectors)(items.map((_, i) => i), 1e6, 1);
  const p = boundedPoint(c, 0.01, 0.95);
  assert.ok(p.reached);
  assert.ok(p.threshold >= p.pointThreshold && p.tar <= p.tarAtPoint, JSON.stringify(p));
  assert.ok(p.farUpper <= 0.01 && p.far < 0.01);
  assert.is(p.impostors, c.impostors.length);
});

test('heldOutRule: on people it never saw, the bounded threshold lets fewer impostors through than the point estimate', () => {
  const { items, vectors } = synthetic(300, () => 3, 1.1, 9);
  const h = heldOutRule(items, singleImage(items, vectors), 0.01, 0.95, 1e6, 3);
  assert.is(h.evaluations, 6);
  assert.ok(h.bounded!.far < h.point!.far, `${h.bounded!.far} < ${h.point!.far}`);
  assert.ok(h.bounded!.overTarget <= h.point!.overTarget);
  assert.ok(h.bounded!.tar <= h.point!.tar);
  const [low, high] = h.bounded!.tarInterval;
  assert.ok(low <= h.bounded!.tar && h.bounded!.tar <= high);
});

test.run();
