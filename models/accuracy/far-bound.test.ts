import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mulberry32 } from '../../drivers/prng.ts';
import { boundedThreshold, clopperPearsonUpper, DyadicFar, incompleteBeta, lnGamma, type PersonPair } from './far-bound.ts';

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** P(X ≤ k) for X ~ Binomial(n, p), summed directly (small n). */
function binomialCdf(k: number, n: number, p: number): number {
  let s = 0;
  for (let i = 0; i <= k; i++) s += Math.exp(lnGamma(n + 1) - lnGamma(i + 1) - lnGamma(n - i + 1) + i * Math.log(p) + (n - i) * Math.log1p(-p));
  return s;
}

test('lnGamma and the incomplete beta agree with closed forms', () => {
  close(lnGamma(10), Math.log(362880), 1e-12, 'ln 9!');
  close(lnGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-12, 'ln Γ(½)');
  close(incompleteBeta(0.3, 1, 1), 0.3, 1e-12, 'I_x(1,1) = x');
  close(incompleteBeta(0.3, 2, 1), 0.09, 1e-12, 'I_x(2,1) = x²');
  close(incompleteBeta(0.9, 1, 5), 1 - 0.1 ** 5, 1e-12, 'I_x(1,b) = 1 − (1−x)^b');
});

test('Clopper–Pearson: k = 0 gives 1 − α^(1/n); otherwise P(X ≤ k) = α at the bound', () => {
  close(clopperPearsonUpper(0, 3000), 1 - 0.05 ** (1 / 3000), 1e-12, '0 of 3000');
  for (const [k, n] of [[1, 10], [3, 50], [12, 200]] as const) {
    const u = clopperPearsonUpper(k, n);
    close(binomialCdf(k, n, u), 0.05, 1e-9, `${k} of ${n}`);
  }
  close(clopperPearsonUpper(1, 10), 0.3942, 1e-4, 'textbook 1 of 10');
  assert.is(clopperPearsonUpper(5, 5), 1);
  // Above the point estimate, and tighter with more trials at the same rate.
  assert.ok(clopperPearsonUpper(100, 100000) > 0.001 && clopperPearsonUpper(100, 100000) < clopperPearsonUpper(10, 10000));
  assert.throws(() => clopperPearsonUpper(3, 2), /k ≤ n/);
});

test('dyadic variance: independent pairs give the binomial variance; pairs sharing one person inflate it by the hand-computed amount', () => {
  // 1,000 pairs of 2,000 different people, 10 accepted: design effect exactly 1.
  const independent = Array.from({ length: 1000 }, (_, i) => ({ a: `x${i}`, b: `y${i}` }));
  const d1 = new DyadicFar(independent);
  for (let i = 0; i < 10; i++) d1.accept(independent[i]!);
  close(d1.variance, (0.01 * 0.99) / 1000, 1e-15, 'binomial variance');
  close(d1.designEffect, 1, 1e-9, 'design effect');
  // The 10 accepted pairs all involve person X: every couple of them covaries. By hand: Σ e_a e_b over couples
  // sharing a person = 10² · 0.99² + 990 · 0.01² = 98.109, over n² = 10⁶.
  const clustered = [...Array.from({ length: 10 }, (_, i) => ({ a: 'X', b: `p${i}` })), ...Array.from({ length: 990 }, (_, i) => ({ a: `q${i}`, b: `r${i}` }))];
  const d2 = new DyadicFar(clustered);
  for (let i = 0; i < 10; i++) d2.accept(clustered[i]!);
  close(d2.variance, 98.109e-6, 1e-12, 'dyadic variance');
  close(d2.designEffect, 98.109e-6 / 9.9e-6, 1e-9, 'design effect');
  // Two images of the same two people are one couple counted once, not twice.
  const twice = [{ a: 'A', b: 'B' }, { a: 'B', b: 'A' }, { a: 'C', b: 'D' }, { a: 'E', b: 'F' }];
  const d3 = new DyadicFar(twice);
  d3.accept(twice[0]!);
  d3.accept(twice[1]!);
  // p = ½; e = ½, ½, −½, −½; couples sharing a person: (0,0),(1,1),(0,1),(1,0),(2,2),(3,3) → 6 · ¼ = 1.5, over 16.
  close(d3.variance, 1.5 / 16, 1e-12, 'same two people');
});

function syntheticImpostors(n: number, people: number, seed: number): PersonPair[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const a = Math.floor(random() * people);
    let b = Math.floor(random() * (people - 1));
    if (b >= a) b++;
    return { score: random(), a: `p${a}`, b: `p${b}` };
  });
}

test('boundedThreshold: the bound holds at the threshold, one impostor lower it would not, and it is stricter than the point estimate', () => {
  const impostors = syntheticImpostors(200000, 3000, 7);
  const b = boundedThreshold(impostors, 0.001);
  assert.ok(b.reached);
  assert.ok(b.farUpper <= 0.001, `bound ${b.farUpper}`);
  assert.is(impostors.filter((x) => x.score >= b.threshold).length, b.accepted);
  assert.ok(b.accepted < 200 && b.accepted > 120, `accepted ${b.accepted} of 200,000 (point estimate would allow 200)`);
  // One more accepted impostor (the next threshold down) breaks the bound.
  const sorted = [...impostors].sort((x, y) => y.score - x.score);
  const next = new DyadicFar(sorted);
  for (let k = 0; k <= b.accepted; k++) next.accept(sorted[k]!);
  assert.ok(next.upperBound() > 0.001, `bound with one more: ${next.upperBound()}`);
  assert.ok(b.accepted < 0.001 * 200000);
  // Uniform scores: the threshold is about 1 − accepted/n.
  close(b.threshold, 1 - b.accepted / 200000, 2e-4, 'threshold');
});

test('boundedThreshold: too few impostor pairs for the target — above every impostor, and it says the bound was not reached', () => {
  const impostors = syntheticImpostors(1000, 40, 3);
  const b = boundedThreshold(impostors, 0.001);
  assert.is(b.reached, false);
  assert.is(b.accepted, 0);
  assert.ok(b.threshold > Math.max(...impostors.map((x) => x.score)));
  close(b.farUpper, 1 - 0.05 ** (1 / 1000), 1e-12, 'k = 0 bound');
});

test('boundedThreshold: one person who resembles everyone widens the bound (design effect > 1) and raises the threshold', () => {
  const base = syntheticImpostors(100000, 2000, 11);
  // The same scores, but the top 150 impostors all involve one look-alike person.
  const sorted = [...base].sort((x, y) => y.score - x.score);
  const lookAlike = sorted.map((x, i) => (i < 150 ? { ...x, a: 'lookalike' } : x));
  const plain = boundedThreshold(sorted, 0.002);
  const clustered = boundedThreshold(lookAlike, 0.002);
  assert.ok(clustered.designEffect > 1.5, `design effect ${clustered.designEffect}`);
  assert.ok(clustered.threshold > plain.threshold, `${clustered.threshold} > ${plain.threshold}`);
});

test.run();
