/** ROC figures from genuine and impostor similarity scores (higher = more similar). */

export interface RocPoint {
  /** Accept when score ≥ threshold. */
  threshold: number;
  far: number;
  tar: number;
}

/** The lowest threshold whose false-accept rate is at most `far`, and the TAR there. */
export function atFar(genuine: readonly number[], impostor: readonly number[], far: number): RocPoint {
  const imp = [...impostor].sort((a, b) => b - a);
  const allowed = Math.floor(far * imp.length); // impostors that may score at or above the threshold
  const threshold = allowed >= imp.length ? -1 : allowed === 0 ? imp[0]! + 1e-6 : (imp[allowed]! + imp[allowed - 1]!) / 2;
  return { threshold, far: rate(imp, threshold), tar: rate(genuine, threshold) };
}

/** Equal error rate: where false accepts and false rejects cross (mean of the two at the closest threshold). */
export function equalErrorRate(genuine: readonly number[], impostor: readonly number[]): { eer: number; threshold: number } {
  const gen = [...genuine].sort((a, b) => a - b);
  const imp = [...impostor].sort((a, b) => a - b);
  const candidates = [...new Set([...gen, ...imp])].sort((a, b) => a - b);
  let best = { eer: 1, threshold: 0, gap: Infinity };
  for (const t of candidates) {
    const far = imp.length ? (imp.length - lowerBound(imp, t)) / imp.length : 0;
    const frr = gen.length ? lowerBound(gen, t) / gen.length : 0;
    const gap = Math.abs(far - frr);
    if (gap < best.gap) best = { eer: (far + frr) / 2, threshold: t, gap };
  }
  return { eer: best.eer, threshold: best.threshold };
}

function rate(scores: readonly number[], threshold: number): number {
  if (scores.length === 0) return 0;
  let n = 0;
  for (const s of scores) if (s >= threshold) n++;
  return n / scores.length;
}

/** Index of the first element ≥ t in an ascending array. */
function lowerBound(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
