/**
 * LFW's View-2 protocol (pairs.txt) and its accuracy figure: a threshold chosen on all folds but one, accuracy
 * counted on that one, mean ± standard deviation over the folds (the figure published results quote, there over
 * 10 folds). Format: a first line `folds<TAB>n`, then per fold n same-person lines `name i j` and n
 * different-person lines `name1 i name2 j` (1-based image numbers: name/name_000i.jpg).
 */
import { XacminhError } from '../../drivers/errors.ts';

export interface LfwPair {
  /** Image paths relative to the images folder (name/name_0001.jpg). */
  a: string;
  b: string;
  same: boolean;
}

export function lfwImage(name: string, index: number): string {
  return `${name}/${name}_${String(index).padStart(4, '0')}.jpg`;
}

/** The folds of a pairs.txt; a malformed file is refused with the line at fault. */
export function parseLfwPairs(text: string, source = 'pairs.txt'): LfwPair[][] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const bad = (line: number, why: string) =>
    new XacminhError('INVALID_INPUT', `${source} line ${line}: ${why} (LFW pairs format: "folds n", then per fold n "name i j" and n "name1 i name2 j" lines)`, { source, line });
  const head = lines[0]?.trim().split(/\s+/).map(Number) ?? [];
  const [folds, n] = head;
  if (head.length !== 2 || !Number.isInteger(folds) || !Number.isInteger(n) || folds! < 1 || n! < 1) throw bad(1, `expected "folds n", got "${lines[0] ?? ''}"`);
  if (lines.length !== 1 + folds! * 2 * n!) throw bad(lines.length, `expected ${1 + folds! * 2 * n!} lines for ${folds} folds of ${n} + ${n} pairs, got ${lines.length}`);
  const index = (s: string, line: number) => {
    const v = Number(s);
    if (!Number.isInteger(v) || v < 1) throw bad(line, `image number "${s}" is not a whole number ≥ 1`);
    return v;
  };
  const out: LfwPair[][] = [];
  for (let f = 0; f < folds!; f++) {
    const fold: LfwPair[] = [];
    for (let p = 0; p < 2 * n!; p++) {
      const lineNo = 2 + f * 2 * n! + p;
      const cols = lines[lineNo - 1]!.trim().split(/\s+/);
      const same = p < n!;
      if (cols.length !== (same ? 3 : 4)) throw bad(lineNo, `a ${same ? 'same-person line has 3' : 'different-person line has 4'} fields, got ${cols.length}`);
      fold.push(same ? { a: lfwImage(cols[0]!, index(cols[1]!, lineNo)), b: lfwImage(cols[0]!, index(cols[2]!, lineNo)), same } : { a: lfwImage(cols[0]!, index(cols[1]!, lineNo)), b: lfwImage(cols[2]!, index(cols[3]!, lineNo)), same });
    }
    out.push(fold);
  }
  return out;
}

export interface ScoredPair {
  score: number;
  same: boolean;
}

/** Midway between two scores; just under the upper one when the lower is −∞ (a pair without a face), where the midpoint would be −∞ too. */
const between = (lower: number, upper: number) => (Number.isFinite(lower) ? (lower + upper) / 2 : upper - 1e-6);

/** The threshold that classifies the most pairs right (accept when score ≥ threshold), and that accuracy. */
export function bestAccuracyThreshold(pairs: readonly ScoredPair[]): { threshold: number; accuracy: number } {
  const sorted = [...pairs].sort((x, y) => x.score - y.score);
  // Threshold below everything: every same-person pair right, every different-person pair wrong.
  let right = sorted.filter((p) => p.same).length;
  let best = { threshold: (sorted[0]?.score ?? 0) - 1e-6, right };
  for (let i = 0; i < sorted.length; i++) {
    right += sorted[i]!.same ? -1 : 1; // pair i now falls below the threshold
    if (i + 1 < sorted.length && sorted[i + 1]!.score === sorted[i]!.score) continue;
    if (right > best.right) best = { threshold: i + 1 < sorted.length ? between(sorted[i]!.score, sorted[i + 1]!.score) : sorted[i]!.score + 1e-6, right };
  }
  return { threshold: best.threshold, accuracy: sorted.length ? best.right / sorted.length : 0 };
}

export interface FoldAccuracy {
  folds: { threshold: number; accuracy: number }[];
  mean: number;
  /** Sample standard deviation over the folds, and the standard error of the mean (LFW's own report). */
  std: number;
  standardError: number;
}

/** Leave-one-fold-out: the threshold from the other folds, accuracy on this one. */
export function foldAccuracy(folds: readonly (readonly ScoredPair[])[]): FoldAccuracy {
  if (folds.length < 2) throw new RangeError('fold accuracy needs at least two folds');
  const per = folds.map((fold, f) => {
    const { threshold } = bestAccuracyThreshold(folds.filter((_, g) => g !== f).flat());
    return { threshold, accuracy: fold.filter((p) => (p.score >= threshold) === p.same).length / fold.length };
  });
  const mean = per.reduce((s, p) => s + p.accuracy, 0) / per.length;
  const std = Math.sqrt(per.reduce((s, p) => s + (p.accuracy - mean) ** 2, 0) / (per.length - 1));
  return { folds: per, mean, std, standardError: std / Math.sqrt(per.length) };
}

/**
 * LFW's fold accuracy for any pair score over a set's items, found by their path relative to the images folder
 * (name/name_0001.jpg). A pair with an image in which no face was found scores −∞ — rejected, as a verification
 * without a face would be — and is counted in `missing`.
 */
export function lfwPairsAccuracy(folds: readonly (readonly LfwPair[])[], files: readonly string[], score: (i: number, j: number) => number): FoldAccuracy & { missing: number } {
  const index = new Map(files.map((file, i) => [file.split('\\').join('/'), i]));
  let missing = 0;
  const scored: ScoredPair[][] = folds.map((fold) =>
    fold.map(({ a, b, same }) => {
      const i = index.get(a);
      const j = index.get(b);
      if (i === undefined || j === undefined) missing++;
      return { score: i !== undefined && j !== undefined ? score(i, j) : -Infinity, same };
    }),
  );
  return { ...foldAccuracy(scored), missing };
}
