/**
 * The shipped threshold with a confidence bound (issue 19): the lowest threshold whose FAR upper bound stays at or
 * below the target (far-bound.ts), for one image against one image and for the face step's frame fusion (one
 * gallery image against the mean descriptor of two other images of a person), with what the bound costs in TAR,
 * and the rule checked on people it never saw: thresholds set on half the people, measured on the other half.
 * Impostor comparisons beyond a few hundred thousand are sampled with a seeded PRNG (repeatable).
 */
import { meanVector } from '../engine.ts';
import { mulberry32 } from '../../drivers/prng.ts';
import { atFar } from '../roc.ts';
import { boundedThreshold, clopperPearsonUpper, type PersonPair } from './far-bound.ts';
import { clusteredInterval, dot, identityFolds, normalised, type Labelled, type PairFilter, type PersonCount } from './metrics.ts';

export interface Comparisons {
  genuine: { score: number; person: string }[];
  impostors: PersonPair[];
}

/** Builds the comparisons among a subset of items (indices), impostors capped at `max` by seeded sampling. */
export type ComparisonBuilder = (subset: readonly number[], max: number, seed: number) => Comparisons;

/**
 * Distinct index pairs (i < j) drawn uniformly from those `keep` accepts, all of them when there are at most
 * `max` candidates; rejection sampling otherwise (the candidates are millions, `max` hundreds of thousands).
 */
export function samplePairs(subset: readonly number[], keep: (i: number, j: number) => boolean, max: number, seed: number): [number, number][] {
  const n = subset.length;
  const total = (n * (n - 1)) / 2;
  const out: [number, number][] = [];
  if (total <= 2 * max) {
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (keep(subset[a]!, subset[b]!)) out.push([subset[a]!, subset[b]!]);
    if (out.length <= max) return out;
    const random = mulberry32(seed);
    for (let i = 0; i < max; i++) {
      const j = i + Math.floor(random() * (out.length - i)); // partial Fisher–Yates: the first max are a uniform sample
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out.slice(0, max);
  }
  const random = mulberry32(seed);
  const seen = new Set<number>();
  for (let tries = 0; out.length < max && tries < 50 * max; tries++) {
    let a = Math.floor(random() * n);
    let b = Math.floor(random() * n);
    if (a === b) continue;
    if (a > b) [a, b] = [b, a];
    const key = a * n + b;
    if (seen.has(key) || !keep(subset[a]!, subset[b]!)) continue;
    seen.add(key);
    out.push([subset[a]!, subset[b]!]);
  }
  return out;
}

/** One image against one image: every genuine pair, impostor pairs up to the cap. */
export function singleImage(items: readonly Labelled[], vectors: readonly Float32Array[], eligible?: PairFilter): ComparisonBuilder {
  const use = vectors.map(normalised);
  const ok = (i: number, j: number) => !eligible || eligible(i, j);
  return (subset, max, seed) => {
    const genuine: Comparisons['genuine'] = [];
    const byPerson = new Map<string, number[]>();
    for (const i of subset) byPerson.set(items[i]!.person, [...(byPerson.get(items[i]!.person) ?? []), i]);
    for (const [person, list] of byPerson) {
      for (let a = 0; a < list.length; a++) for (let b = a + 1; b < list.length; b++) if (ok(list[a]!, list[b]!)) genuine.push({ score: dot(use[list[a]!]!, use[list[b]!]!), person });
    }
    const impostors = samplePairs(subset, (i, j) => items[i]!.person !== items[j]!.person && ok(i, j), max, seed).map(([i, j]) => ({ score: dot(use[i]!, use[j]!), a: items[i]!.person, b: items[j]!.person }));
    return { genuine, impostors };
  };
}

/**
 * The face step's fusion: a gallery image (the chip photo in a site's set) against the mean descriptor of two
 * other images of a person (two live frames). Probe people need 3 images (2 camera pictures with chip photos).
 */
export function twoFrameFusion(items: readonly (Labelled & { chip?: boolean })[], vectors: readonly Float32Array[]): ComparisonBuilder {
  const use = vectors.map(normalised);
  const chipSet = items.some((e) => e.chip);
  return (subset, max, seed) => {
    const byPerson = new Map<string, number[]>();
    for (const i of subset) if (!items[i]!.chip) byPerson.set(items[i]!.person, [...(byPerson.get(items[i]!.person) ?? []), i]);
    const probes = [...byPerson].filter(([, l]) => l.length >= (chipSet ? 2 : 3));
    const galleries = chipSet ? subset.filter((i) => items[i]!.chip) : [...subset];
    const fused = new Map<string, Float32Array>();
    const probe = (g: number, person: string, list: number[]) => {
      const two = list.filter((i) => i !== g).slice(0, 2);
      const key = two.join(',');
      if (!fused.has(key)) fused.set(key, meanVector(two.map((i) => use[i]!)));
      return fused.get(key)!;
    };
    const genuine: Comparisons['genuine'] = [];
    for (const g of galleries) {
      const own = probes.find(([p]) => p === items[g]!.person);
      if (own) genuine.push({ score: dot(use[g]!, probe(g, own[0], own[1])), person: own[0] });
    }
    // Index pairs (gallery position, probe position) sampled as a galleries × probes grid.
    const grid = Array.from({ length: galleries.length + probes.length }, (_, i) => i);
    const isGallery = (i: number) => i < galleries.length;
    const keep = (i: number, j: number) => isGallery(i) && !isGallery(j) && items[galleries[i]!]!.person !== probes[j - galleries.length]![0];
    const impostors = samplePairs(grid, keep, max, seed).map(([i, j]) => {
      const g = galleries[i]!;
      const [person, list] = probes[j - galleries.length]!;
      return { score: dot(use[g]!, probe(g, person, list)), a: items[g]!.person, b: person };
    });
    return { genuine, impostors };
  };
}

export interface BoundedPoint {
  targetFar: number;
  confidence: number;
  /** The shipped threshold: its FAR's upper bound is at or below the target. */
  threshold: number;
  far: number;
  farUpper: number;
  designEffect: number;
  tar: number;
  /** The point-estimate threshold (FAR measured = target) and its TAR: the bound's cost is tarAtPoint − tar. */
  pointThreshold: number;
  tarAtPoint: number;
  /** The bound was reachable with these impostor comparisons (false: threshold above every impostor). */
  reached: boolean;
  genuine: number;
  impostors: number;
}

export function boundedPoint(c: Comparisons, targetFar: number, confidence: number): BoundedPoint {
  const g = c.genuine.map((x) => x.score);
  const b = boundedThreshold(c.impostors, targetFar, confidence);
  const point = atFar(g, c.impostors.map((x) => x.score), targetFar);
  const tar = (t: number) => (g.length ? g.filter((s) => s >= t).length / g.length : 0);
  return {
    targetFar,
    confidence,
    threshold: b.threshold,
    far: b.far,
    farUpper: b.farUpper,
    designEffect: b.designEffect,
    tar: tar(b.threshold),
    pointThreshold: point.threshold,
    tarAtPoint: point.tar,
    reached: b.reached,
    genuine: g.length,
    impostors: c.impostors.length,
  };
}

export interface HeldOutRule {
  /** Over splits × both halves: the held-out FAR at the bounded and at the point-estimate threshold. */
  evaluations: number;
  /** null when no half had impostor comparisons to count (a tiny set). */
  bounded: RuleOutcome | null;
  point: RuleOutcome | null;
}

export interface RuleOutcome {
  tar: number;
  tarInterval: [number, number];
  far: number;
  farMax: number;
  /** Evaluations whose held-out FAR exceeded the target. */
  overTarget: number;
  /** Clopper–Pearson bound of the pooled held-out FAR (impostor comparisons counted as if independent). */
  farPooledUpper: number;
}

/** The bounded rule and the point rule set on half the people, measured on the other half, `splits` random halvings. */
export function heldOutRule(items: readonly Labelled[], build: ComparisonBuilder, targetFar: number, confidence: number, max: number, splits: number): HeldOutRule {
  const acc = { bounded: newOutcome(), point: newOutcome() };
  let evaluations = 0;
  for (let s = 1; s <= splits; s++) {
    const folds = identityFolds(items, 2, s);
    for (let f = 0; f < 2; f++) {
      const calibration = build(folds[f]!, max, 1000 * s + f);
      const test = build(folds[1 - f]!, max, 1000 * s + f + 500);
      if (!calibration.impostors.length || !test.impostors.length) continue; // a tiny set: nothing to set or count on
      const cal = boundedPoint(calibration, targetFar, confidence);
      for (const [rule, t] of [['bounded', cal.threshold], ['point', cal.pointThreshold]] as const) count(acc[rule], test, t, targetFar);
      evaluations++;
    }
  }
  return { evaluations, bounded: summarise(acc.bounded, splits), point: summarise(acc.point, splits) };
}

interface Accumulator {
  fars: number[];
  accepted: number;
  impostors: number;
  over: number;
  perPerson: Map<string, PersonCount>;
}

const newOutcome = (): Accumulator => ({ fars: [], accepted: 0, impostors: 0, over: 0, perPerson: new Map() });

function count(a: Accumulator, test: Comparisons, threshold: number, targetFar: number): void {
  const accepted = test.impostors.filter((x) => x.score >= threshold).length;
  a.fars.push(accepted / test.impostors.length);
  a.accepted += accepted;
  a.impostors += test.impostors.length;
  if (accepted / test.impostors.length > targetFar) a.over++;
  for (const { score, person } of test.genuine) {
    const c = a.perPerson.get(person) ?? { person, pairs: 0, accepted: 0 };
    c.pairs++;
    if (score >= threshold) c.accepted++;
    a.perPerson.set(person, c);
  }
}

function summarise(a: Accumulator, splits: number): RuleOutcome | null {
  if (!a.fars.length) return null;
  // Every split tests each genuine pair once: per person, pairs of one split and the mean accepted.
  const people = [...a.perPerson.values()].map((c) => ({ person: c.person, pairs: c.pairs / splits, accepted: c.accepted / splits }));
  const pairs = people.reduce((s, c) => s + c.pairs, 0);
  return {
    tar: pairs ? people.reduce((s, c) => s + c.accepted, 0) / pairs : 0,
    tarInterval: clusteredInterval(people),
    far: a.fars.reduce((s, x) => s + x, 0) / a.fars.length,
    farMax: Math.max(...a.fars),
    overTarget: a.over,
    farPooledUpper: clopperPearsonUpper(a.accepted, a.impostors),
  };
}
