/**
 * The calibration's confidence-bounded part (issue 19): the shipped threshold for one image and for the face step's
 * two-frame fusion is the lowest whose FAR upper bound (95 %) meets the target, with what that costs in TAR, the
 * rule checked on people it never saw, and — for a set with LFW's pairs.txt — the leave-one-fold-out accuracy.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BoundedPoint, boundedPoint, heldOutRule, type HeldOutRule, singleImage, twoFrameFusion } from './accuracy/bounded.ts';
import { lfwPairsAccuracy, parseLfwPairs } from './accuracy/lfw-pairs.ts';
import { dot, normalised, type PairFilter } from './accuracy/metrics.ts';

/** Impostor comparisons the bound is computed on (all of them when fewer; a seeded sample otherwise). */
export const MAX_IMPOSTORS = 500_000;
/** Random halvings of the people the held-out check of the rule is repeated over. */
export const BOUND_SPLITS = 5;
const SEED = 19;

export interface BoundItem {
  person: string;
  file: string;
  chip: boolean;
}

export interface CalibrationBound {
  method: string;
  confidence: number;
  single: BoundedPoint;
  /** null when no person has the 3 images the fused comparison needs. */
  fused: BoundedPoint | null;
  heldOut: { splits: number; single: HeldOutRule; fused: HeldOutRule };
}

/** A face set in LFW's layout: pairs.txt beside an images/ folder of one folder per person. */
export function lfwLayout(dir: string): { images: string; pairs: string } | null {
  const pairs = join(dir, 'pairs.txt');
  const images = join(dir, 'images');
  return existsSync(pairs) && existsSync(images) ? { images, pairs } : null;
}

export function calibrationBound(items: readonly BoundItem[], vectors: readonly Float32Array[], targetFar: number, options: { confidence?: number; eligible?: PairFilter; maxImpostors?: number; splits?: number } = {}): CalibrationBound {
  const confidence = options.confidence ?? 0.95;
  const max = options.maxImpostors ?? MAX_IMPOSTORS;
  const splits = options.splits ?? BOUND_SPLITS;
  const all = items.map((_, i) => i);
  const single = singleImage(items, vectors, options.eligible);
  const fused = twoFrameFusion(items, vectors);
  const fusedAll = fused(all, max, SEED);
  return {
    method:
      `lowest threshold whose one-sided ${confidence * 100} % Clopper–Pearson upper bound on FAR meets the target, at the effective counts of a dyadic-cluster-robust ` +
      `design effect (impostor pairs sharing a person are not independent); up to ${max} impostor comparisons (seeded sample beyond); fused = one image vs the mean ` +
      `descriptor of two other images of a person (people with ≥ 3 images), as the face step fuses frames; heldOut: the rule set on half the people, measured on ` +
      `the other half, ${splits} random halvings × both halves`,
    confidence,
    single: rounded(boundedPoint(single(all, max, SEED), targetFar, confidence)),
    fused: fusedAll.impostors.length && fusedAll.genuine.length ? rounded(boundedPoint(fusedAll, targetFar, confidence)) : null,
    heldOut: { splits, single: roundedRule(heldOutRule(items, single, targetFar, confidence, max, splits)), fused: roundedRule(heldOutRule(items, fused, targetFar, confidence, max, splits)) },
  };
}

function roundedRule(h: HeldOutRule): HeldOutRule {
  const r = (x: number) => Math.round(x * 1e6) / 1e6;
  const o = (x: HeldOutRule['bounded']) => x && { ...x, tar: r(x.tar), tarInterval: [r(x.tarInterval[0]), r(x.tarInterval[1])] as [number, number], far: r(x.far), farMax: r(x.farMax), farPooledUpper: r(x.farPooledUpper) };
  return { evaluations: h.evaluations, bounded: o(h.bounded), point: o(h.point) };
}

/** Thresholds rounded up (a threshold rounded down could accept one more impostor than the bound allowed). */
function rounded(p: BoundedPoint): BoundedPoint {
  const up = (x: number) => Math.ceil(x * 1e5) / 1e5;
  const r = (x: number) => Math.round(x * 1e6) / 1e6;
  return { ...p, threshold: up(p.threshold), pointThreshold: up(p.pointThreshold), far: r(p.far), farUpper: r(p.farUpper), designEffect: r(p.designEffect), tar: r(p.tar), tarAtPoint: r(p.tarAtPoint) };
}

/**
 * LFW's View-2 accuracy over the folds of pairs.txt (a pair with an image without a face is a "different" answer,
 * as a verification without a face is a reject).
 */
export function lfwFoldAccuracy(pairsFile: string, items: readonly BoundItem[], vectors: readonly Float32Array[]) {
  const folds = parseLfwPairs(readFileSync(pairsFile, 'utf8'), pairsFile);
  const unit = vectors.map(normalised);
  const r = lfwPairsAccuracy(folds, items.map((e) => e.file), (i, j) => dot(unit[i]!, unit[j]!));
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  return {
    method: `LFW View-2 protocol on the ${folds.length} folds of pairs.txt: threshold of best accuracy on ${folds.length - 1} folds, accuracy on the remaining one; mean, sample std and standard error over the folds`,
    folds: folds.length,
    pairs: folds.reduce((n, f) => n + f.length, 0),
    pairsWithoutFace: r.missing,
    accuracy: r4(r.mean),
    std: r4(r.std),
    standardError: r4(r.standardError),
    perFold: r.folds.map((f) => ({ accuracy: r4(f.accuracy), threshold: r4(f.threshold) })),
  };
}
