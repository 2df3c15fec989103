/**
 * Verification metrics on all pairs of a folder-per-person set, with thresholds calibrated on some identities
 * and measured on others ("faces the calibration never saw"), and the calibrated logistic score fusion.
 */
import { mulberry32, shuffle } from '../../drivers/prng.ts';
import { atFar, equalErrorRate } from '../roc.ts';

export const TARGET_FARS = [0.01, 0.001, 0.0001] as const;

export interface Labelled {
  person: string;
  /** A chip photo (a site's set: chip.jpg / chip.jp2), not a camera picture. */
  chip?: boolean;
}

/** A set with chip photos is scored as verifications are: a chip photo against a camera picture, nothing else. */
export function chipVsCamera(items: readonly Labelled[]): PairFilter | undefined {
  return items.some((e) => e.chip) ? (i, j) => !items[i]!.chip !== !items[j]!.chip : undefined;
}

/** Which pairs count (default: every pair); a chip-photo set pairs a chip photo with a camera picture only. */
export type PairFilter = (i: number, j: number) => boolean;

/**
 * A seeded random sample of the impostor pairs, at most about `max` of a scored set: LFW View-2's 3,811 images make
 * 7.2 million impostor pairs, and scoring, sorting and repeating that over ten splits per variant costs minutes each.
 * Every impostor pair is kept with the same probability (max / count), so the FAR estimates stay unbiased; only their
 * resolution drops. Genuine pairs are always all scored.
 */
export interface ImpostorSample {
  max: number;
  seed: number;
}

/** Pair scores among the given items (every unordered pair once, or those `eligible` keeps; impostors sampled when asked). */
export function pairScores(n: number, person: (i: number) => string, score: (i: number, j: number) => number, subset?: readonly number[], eligible?: PairFilter, sample?: ImpostorSample) {
  const idx = subset ?? Array.from({ length: n }, (_, i) => i);
  const keepRate = sample ? Math.min(1, sample.max / impostorPairCount(idx, person, eligible)) : 1;
  const random = keepRate < 1 ? mulberry32(sample!.seed) : null;
  const genuine: number[] = [];
  const genuinePerson: string[] = [];
  const impostor: number[] = [];
  for (let a = 0; a < idx.length; a++) {
    for (let b = a + 1; b < idx.length; b++) {
      const i = idx[a]!;
      const j = idx[b]!;
      if (eligible && !eligible(i, j)) continue;
      if (person(i) === person(j)) {
        genuine.push(score(i, j));
        genuinePerson.push(person(i));
      } else if (!random || random() < keepRate) impostor.push(score(i, j));
    }
  }
  return { genuine, genuinePerson, impostor };
}

/** How many impostor pairs the items make (those `eligible` keeps). */
export function impostorPairCount(idx: readonly number[], person: (i: number) => string, eligible?: PairFilter): number {
  if (eligible) {
    let count = 0;
    for (let a = 0; a < idx.length; a++) for (let b = a + 1; b < idx.length; b++) if (eligible(idx[a]!, idx[b]!) && person(idx[a]!) !== person(idx[b]!)) count++;
    return count;
  }
  const perPerson = new Map<string, number>();
  for (const i of idx) perPerson.set(person(i), (perPerson.get(person(i)) ?? 0) + 1);
  let same = 0;
  for (const c of perPerson.values()) same += (c * (c - 1)) / 2;
  return (idx.length * (idx.length - 1)) / 2 - same;
}

/**
 * Identity folds: people dealt round-robin, so no person is in two folds — in name order, or shuffled by `seed`
 * (a repeatable shuffle, for repeated random splits).
 */
export function identityFolds(items: readonly Labelled[], k = 2, seed?: number): number[][] {
  const people = [...new Set(items.map((e) => e.person))].sort();
  if (seed !== undefined) shuffle(people, mulberry32(seed));
  const fold = new Map(people.map((p, i) => [p, i % k]));
  const out: number[][] = Array.from({ length: k }, () => []);
  items.forEach((e, i) => out[fold.get(e.person)!]!.push(i));
  return out;
}

/** A scorer is fitted on calibration items and then scores any pair. */
export type ScorerFactory = (calibration: readonly number[]) => (i: number, j: number) => number;

export interface HeldOutResult {
  /** Balanced accuracy (mean of TAR and true-reject rate) at the calibration split's equal-error threshold. */
  accuracy: number;
  /** Per target FAR: TAR and FAR measured on held-out identities at the threshold set on the calibration split. */
  points: { target: number; tar: number; far: number; impostors: number; perPerson: PersonCount[] }[];
  eer: number;
  genuine: number;
  impostor: number;
}

/** k-fold by identity: calibrate on k−1 folds, measure on the remaining one, counts pooled over folds. */
export interface HeldOutOptions {
  /** Which pairs count (default every pair). */
  eligible?: PairFilter;
  /** The FARs to set thresholds for (default 1 %, 0.1 %, 0.01 %). */
  targets?: readonly number[];
  /** Score a seeded sample of about this many impostor pairs per calibration and per test set (default all). */
  maxImpostors?: number;
}

export function heldOut(items: readonly Labelled[], factory: ScorerFactory, k = 2, seed?: number, { eligible, targets, maxImpostors }: HeldOutOptions = {}): HeldOutResult {
  const folds = identityFolds(items, k, seed);
  const person = (i: number) => items[i]!.person;
  // A different, repeatable impostor sample for each split, fold and side.
  const sample = (f: number, side: number) => (maxImpostors === undefined ? undefined : { max: maxImpostors, seed: ((seed ?? 0) * 1000 + f) * 2 + side + 1 });
  return pooledOverFolds(k, targets ?? TARGET_FARS, (f) => {
    const calibration = folds.filter((_, g) => g !== f).flat();
    const score = factory(calibration);
    return { calibration: pairScores(items.length, person, score, calibration, eligible, sample(f, 0)), test: pairScores(items.length, person, score, folds[f]!, eligible, sample(f, 1)) };
  });
}

export interface RepeatedHeldOut {
  repeats: number;
  /** Per target FAR, over the repeats: mean TAR and FAR, the lowest and highest TAR of a repeat, and a 95 % interval (counting people). */
  points: { target: number; tar: number; far: number; tarMin: number; tarMax: number; tarLow: number; tarHigh: number }[];
  accuracy: number;
  eer: number;
  genuine: number;
  impostor: number;
}

/**
 * The held-out figures over `repeats` random identity splits (the first one name order, as heldOut), because with
 * a few dozen people one split's luck moves TAR by a point or two. The 95 % interval counts people, not pairs: a
 * person's genuine pairs share photos and fail together, so they are not independent trials (clusteredInterval).
 */
export function heldOutRepeated(items: readonly Labelled[], factory: ScorerFactory, k = 2, repeats = 10, options: HeldOutOptions = {}): RepeatedHeldOut {
  return overRepeats(repeats, (seed) => heldOut(items, factory, k, seed, options));
}

/** Summarises one held-out measurement run `repeats` times (seed undefined first: name order, then 1, 2, …). */
export function overRepeats(repeats: number, run: (seed: number | undefined) => HeldOutResult): RepeatedHeldOut {
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new RangeError(`repeats must be a whole number ≥ 1, got ${repeats}`);
  const runs = Array.from({ length: repeats }, (_, r) => run(r === 0 ? undefined : r));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const genuine = runs[0]!.genuine;
  return {
    repeats,
    points: runs[0]!.points.map(({ target }, t) => {
      const tars = runs.map((h) => h.points[t]!.tar);
      const [tarLow, tarHigh] = clusteredInterval(meanPerPerson(runs.map((h) => h.points[t]!.perPerson)));
      return { target, tar: mean(tars), far: mean(runs.map((h) => h.points[t]!.far)), tarMin: Math.min(...tars), tarMax: Math.max(...tars), tarLow, tarHigh };
    }),
    accuracy: mean(runs.map((h) => h.accuracy)),
    eer: mean(runs.map((h) => h.eer)),
    genuine,
    impostor: mean(runs.map((h) => h.impostor)),
  };
}

/** Each person's accepted pairs averaged over the splits (every split scores the same genuine pairs). */
function meanPerPerson(splits: PersonCount[][]): PersonCount[] {
  const sum = new Map<string, PersonCount>();
  for (const split of splits) {
    for (const c of split) {
      const s = sum.get(c.person) ?? { person: c.person, pairs: c.pairs, accepted: 0 };
      s.accepted += c.accepted / splits.length;
      sum.set(c.person, s);
    }
  }
  return [...sum.values()];
}

/**
 * A 95 % interval for a rate pooled over people (Σ accepted / Σ pairs) whose pairs are not independent: the
 * variance comes from how people differ (a cluster-robust estimate), turned into the effective number of
 * independent trials it is worth, and Wilson's interval at that number (never more trials than pairs).
 */
export function clusteredInterval(people: readonly PersonCount[]): [number, number] {
  const n = people.reduce((s, c) => s + c.pairs, 0);
  if (n === 0) return [0, 1];
  const p = people.reduce((s, c) => s + c.accepted, 0) / n;
  const m = people.length;
  const variance = m > 1 ? (m / (m - 1)) * people.reduce((s, c) => s + (c.accepted - p * c.pairs) ** 2, 0) / (n * n) : 0;
  const effective = variance > 0 ? Math.max(1, Math.min(n, (p * (1 - p)) / variance)) : n;
  return wilson(p, effective);
}

/** Wilson score interval (95 %) for a proportion p observed over n trials. */
export function wilson(p: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [0, 1];
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

interface ScoreSets {
  genuine: number[];
  /** The person of each genuine score (for intervals that count people, not pairs). */
  genuinePerson: string[];
  impostor: number[];
}

/** A person's genuine pairs and how many were accepted (a mean, over repeated splits). */
export interface PersonCount {
  person: string;
  pairs: number;
  accepted: number;
}

/** Thresholds set on each fold's calibration scores, counted on its test scores, pooled over the k folds. */
function pooledOverFolds(k: number, targets: readonly number[], fold: (f: number) => { calibration: ScoreSets; test: ScoreSets }): HeldOutResult {
  const counts = targets.map((target) => ({ target, genuineAccepted: 0, impostorsAccepted: 0, perPerson: new Map<string, PersonCount>() }));
  let gTotal = 0;
  let iTotal = 0;
  let balG = 0;
  let balI = 0;
  let eerSum = 0;
  for (let f = 0; f < k; f++) {
    const { calibration: cal, test } = fold(f);
    gTotal += test.genuine.length;
    iTotal += test.impostor.length;
    targets.forEach((target, t) => {
      const threshold = atFar(cal.genuine, cal.impostor, target).threshold;
      counts[t]!.genuineAccepted += test.genuine.filter((s) => s >= threshold).length;
      counts[t]!.impostorsAccepted += test.impostor.filter((s) => s >= threshold).length;
      test.genuine.forEach((s, g) => {
        const person = test.genuinePerson[g]!;
        const c = counts[t]!.perPerson.get(person) ?? { person, pairs: 0, accepted: 0 };
        c.pairs++;
        if (s >= threshold) c.accepted++;
        counts[t]!.perPerson.set(person, c);
      });
    });
    const eerT = equalErrorRate(cal.genuine, cal.impostor).threshold;
    balG += test.genuine.filter((s) => s >= eerT).length;
    balI += test.impostor.filter((s) => s < eerT).length;
    eerSum += equalErrorRate(test.genuine, test.impostor).eer;
  }
  return {
    accuracy: (balG / gTotal + balI / iTotal) / 2,
    points: counts.map((c) => ({ target: c.target, tar: c.genuineAccepted / gTotal, far: c.impostorsAccepted / iTotal, impostors: iTotal, perPerson: [...c.perPerson.values()] })),
    eer: eerSum / k,
    genuine: gTotal,
    impostor: iTotal,
  };
}

/** The same figures with thresholds set on the very pairs they are measured on (optimistic; for reference). */
export function sameData(items: readonly Labelled[], score: (i: number, j: number) => number, eligible?: PairFilter, maxImpostors?: number) {
  const { genuine, impostor } = pairScores(items.length, (i) => items[i]!.person, score, undefined, eligible, maxImpostors === undefined ? undefined : { max: maxImpostors, seed: 1 });
  const eer = equalErrorRate(genuine, impostor);
  return {
    points: TARGET_FARS.map((target) => ({ target, ...atFar(genuine, impostor, target) })),
    eer: eer.eer,
    eerThreshold: eer.threshold,
    genuine: genuine.length,
    impostor: impostor.length,
  };
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function normalised(v: Float32Array): Float32Array {
  const n = Math.sqrt(dot(v, v)) || 1;
  return v.map((x) => x / n);
}

/** Cosine scorer on L2-normalised vectors; `centre` subtracts the calibration items' mean vector first. */
export function cosineScorer(vectors: readonly Float32Array[], centre = false): ScorerFactory {
  return (calibration) => {
    let use = vectors.map(normalised);
    if (centre) {
      const mean = new Float32Array(use[0]!.length);
      for (const i of calibration) for (let d = 0; d < mean.length; d++) mean[d]! += use[i]![d]! / calibration.length;
      use = use.map((v) => normalised(v.map((x, d) => x - mean[d]!)));
    }
    return (i, j) => dot(use[i]!, use[j]!);
  };
}

export interface LogisticModel {
  /** z = (s − mean) / sd per input score, from calibration impostor pairs; logit = bias + Σ w·z. */
  zMean: number[];
  zSd: number[];
  weights: number[];
  bias: number;
}

/** Logistic regression (Newton's method, classes weighted equally, small L2) on z-scored similarities. */
export function fitLogistic(genuine: number[][], impostor: number[][]): LogisticModel {
  const m = genuine[0]!.length;
  const zMean = Array.from({ length: m }, (_, d) => impostor.reduce((s, x) => s + x[d]!, 0) / impostor.length);
  const zSd = zMean.map((mu, d) => Math.sqrt(impostor.reduce((s, x) => s + (x[d]! - mu) ** 2, 0) / impostor.length) || 1);
  const z = (x: number[]) => x.map((v, d) => (v - zMean[d]!) / zSd[d]!);
  const rows = [...genuine.map((x) => ({ x: [1, ...z(x)], y: 1, w: 0.5 / genuine.length })), ...impostor.map((x) => ({ x: [1, ...z(x)], y: 0, w: 0.5 / impostor.length }))];
  let beta = new Array<number>(m + 1).fill(0);
  const lambda = 1e-4;
  for (let iter = 0; iter < 50; iter++) {
    const grad = beta.map((b, d) => (d ? lambda * b : 0));
    const hess = beta.map((_, r) => beta.map((__, c) => (r === c && r ? lambda : 0)));
    for (const { x, y, w } of rows) {
      const p = 1 / (1 + Math.exp(-x.reduce((s, v, d) => s + v * beta[d]!, 0)));
      for (let r = 0; r <= m; r++) {
        grad[r]! += w * (p - y) * x[r]!;
        for (let c = 0; c <= m; c++) hess[r]![c]! += w * p * (1 - p) * x[r]! * x[c]!;
      }
    }
    const step = solve(hess, grad);
    beta = beta.map((b, d) => b - step[d]!);
    if (Math.max(...step.map(Math.abs)) < 1e-9) break;
  }
  return { zMean, zSd, weights: beta.slice(1), bias: beta[0]! };
}

export function logit(model: LogisticModel, scores: readonly number[]): number {
  return scores.reduce((s, v, d) => s + model.weights[d]! * ((v - model.zMean[d]!) / model.zSd[d]!), model.bias);
}

/**
 * Fusion scorer: each part fitted on the calibration items, then a logistic fitted on their calibration pairs
 * (on a seeded sample of about `maxImpostors` impostor pairs when given: a few hundred thousand fix two weights).
 */
export function fusionScorer(items: readonly Labelled[], parts: ScorerFactory[], eligible?: PairFilter, maxImpostors?: number): ScorerFactory {
  return (calibration) => {
    const scorers = parts.map((p) => p(calibration));
    const person = (i: number) => items[i]!.person;
    const keepRate = maxImpostors === undefined ? 1 : Math.min(1, maxImpostors / impostorPairCount(calibration, person, eligible));
    const random = keepRate < 1 ? mulberry32(calibration.length) : null;
    const gen: number[][] = [];
    const imp: number[][] = [];
    for (let a = 0; a < calibration.length; a++) {
      for (let b = a + 1; b < calibration.length; b++) {
        const i = calibration[a]!;
        const j = calibration[b]!;
        if (eligible && !eligible(i, j)) continue;
        if (person(i) === person(j)) gen.push(scorers.map((s) => s(i, j)));
        else if (!random || random() < keepRate) imp.push(scorers.map((s) => s(i, j)));
      }
    }
    const model = fitLogistic(gen, imp);
    return (i, j) => logit(model, scorers.map((s) => s(i, j)));
  };
}

/** Gaussian elimination with partial pivoting (tiny systems). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const pivot = m[c]![c]! || 1e-12;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / pivot;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / (row[i]! || 1e-12));
}

/**
 * Multi-frame evidence, as the face step fuses it: one gallery image (the chip photo) against the mean descriptor
 * of two other images of a person (two live frames). Genuine: two other images of the gallery's person (people with
 * ≥ 3 images); impostor: the first two images of each other person. Thresholds from calibration identities (both
 * the gallery and the probe person in the calibration folds), measured on held-out identities, k-fold, pooled.
 * In a set with chip photos the gallery is each chip photo and the probes are camera pictures (people with ≥ 2).
 */
export function heldOutTwoProbes(items: readonly Labelled[], vectors: readonly Float32Array[], k = 2, seed?: number): HeldOutResult {
  const use = vectors.map(normalised);
  const chipSet = items.some((e) => e.chip);
  const byPerson = new Map<string, number[]>();
  items.forEach((e, i) => !e.chip && byPerson.set(e.person, [...(byPerson.get(e.person) ?? []), i]));
  const mean = (a: number, b: number) => normalised(use[a]!.map((x, d) => x + use[b]![d]!));
  // Each person's impostor probe (the mean of their first two images) once, not once per gallery image.
  const impostorProbe = new Map([...byPerson].filter(([, list]) => list.length >= 2).map(([person, list]) => [person, mean(list[0]!, list[1]!)]));
  const scores = (subset: readonly number[]) => {
    const inSet = new Set(subset);
    const people = [...byPerson.entries()].filter(([, list]) => list.every((i) => inSet.has(i)));
    const genuine: number[] = [];
    const genuinePerson: string[] = [];
    const impostor: number[] = [];
    for (const g of chipSet ? subset.filter((i) => items[i]!.chip) : subset) {
      for (const [person, list] of people) {
        if (person === items[g]!.person) {
          const others = list.filter((i) => i !== g);
          if (others.length >= 2) {
            genuine.push(dot(use[g]!, mean(others[0]!, others[1]!)));
            genuinePerson.push(person);
          }
        } else if (list.length >= 2) impostor.push(dot(use[g]!, impostorProbe.get(person)!));
      }
    }
    return { genuine, genuinePerson, impostor };
  };
  const folds = identityFolds(items, k, seed);
  return pooledOverFolds(k, TARGET_FARS, (f) => ({ calibration: scores(folds.filter((_, j) => j !== f).flat()), test: scores(folds[f]!) }));
}
