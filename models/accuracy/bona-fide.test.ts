import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errorRate, summarizeBonaFide, type BonaFideOutcome } from './bona-fide.ts';
import { clopperPearsonInterval, lnGamma } from './far-bound.ts';

const close = (a: number | null, b: number, tol: number, what: string) => assert.ok(a !== null && Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** P(X ≤ k) for X ~ Binomial(n, p), summed directly. */
function binomialCdf(k: number, n: number, p: number): number {
  let s = 0;
  for (let i = 0; i <= k; i++) s += Math.exp(lnGamma(n + 1) - lnGamma(i + 1) - lnGamma(n - i + 1) + i * Math.log(p) + (n - i) * Math.log1p(-p));
  return s;
}

test('two-sided Clopper–Pearson: 2.5 % outside each end, closed forms at 0 and n', () => {
  for (const [k, n] of [[2, 40], [1, 10], [7, 31]] as const) {
    const { lower, upper } = clopperPearsonInterval(k, n);
    close(binomialCdf(k, n, upper), 0.025, 1e-9, `P(X ≤ ${k}) at the upper end, n=${n}`);
    close(1 - binomialCdf(k - 1, n, lower), 0.025, 1e-9, `P(X ≥ ${k}) at the lower end, n=${n}`);
  }
  const none = clopperPearsonInterval(0, 30);
  assert.is(none.lower, 0);
  close(none.upper, 1 - 0.025 ** (1 / 30), 1e-12, '0 of 30');
  const all = clopperPearsonInterval(30, 30);
  close(all.lower, 0.025 ** (1 / 30), 1e-12, '30 of 30');
  assert.is(all.upper, 1);
});

test('0 of 30: 0 %, two-sided interval 0–11.6 %, one-sided upper bound 9.5 %', () => {
  const r = errorRate(0, 30);
  assert.is(r.rate, 0);
  assert.is(r.lower95, 0);
  close(r.upper95, 0.1157, 1e-4, 'two-sided upper');
  close(r.upper95OneSided, 0.0950, 1e-4, 'one-sided upper');
  assert.equal(errorRate(0, 0), { errors: 0, total: 0, rate: null, lower95: null, upper95: null, upper95OneSided: null });
});

test('BPCER counts clips not live, overall and per challenge; FRR counts live clips not matched', () => {
  const outcome = (challenge: string, live: boolean, decision: BonaFideOutcome['decision']): BonaFideOutcome => ({ challenge, live, decision });
  const outcomes = [
    ...Array.from({ length: 18 }, () => outcome('blink', true, 'match')),
    outcome('blink', false, 'not-live'),
    outcome('blink', true, 'no-match'),
    ...Array.from({ length: 19 }, () => outcome('turn-left', true, 'match')),
    outcome('turn-left', false, 'no-face'), // no usable face: not classified live either
  ];
  const s = summarizeBonaFide(outcomes);
  assert.is(s.clips, 40);
  assert.equal([s.bpcer.errors, s.bpcer.total, s.bpcer.rate], [2, 40, 0.05]);
  close(s.bpcer.lower95, 0.0061, 1e-4, '2/40 lower');
  close(s.bpcer.upper95, 0.1692, 1e-4, '2/40 upper');
  assert.equal(Object.keys(s.bpcerByChallenge), ['blink', 'turn-left']);
  assert.equal([s.bpcerByChallenge.blink!.errors, s.bpcerByChallenge.blink!.total], [1, 20]);
  assert.equal([s.bpcerByChallenge['turn-left']!.errors, s.bpcerByChallenge['turn-left']!.total], [1, 20]);
  assert.equal([s.frr.errors, s.frr.total], [1, 38]);
});

test.run();
