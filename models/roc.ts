/** ROC figures from genuine and impostor similarity scores (higher = more similar). */

export interface RocPoint {
  /** Accept when score ≥ threshold. */
  threshold: number;
  far: number;
  tar: number;
}

/** The lowest threshold whose false-accept rate is at most `far`, and the TAR there. */
export function atFar(genuine: readonly number[], impostor: readonly number[], far: number): RocPoint {
  // A typed array's numeric sort: millions of impostor pairs (LFW View-2) sort in a fraction of the comparator sort's time.
  const imp = Float64Array.from(impostor).sort(); // ascending; the k-th highest is imp[n − 1 − k]
  const n = imp.length;
  const allowed = Math.floor(far * n); // impostors that may score at or above the threshold
  const threshold = allowed >= n ? -1 : allowed === 0 ? imp[n - 1]! + 1e-6 : (imp[n - 1 - allowed]! + imp[n - allowed]!) / 2;
  return { threshold, far: rate(impostor, threshold), tar: rate(genuine, threshold) };
}

/** Equal error rate: where false accepts and false rejects cross (mean of the two at the closest threshold). */
export function equalErrorRate(genuine: readonly number[], impostor: readonly number[]): { eer: number; threshold: number } {
  // One sweep up the distinct scores of both sets (typed sorts and two pointers: millions of pairs in well under a second).
  const gen = Float64Array.from(genuine).sort();
  const imp = Float64Array.from(impostor).sort();
  let best = { eer: 1, threshold: 0, gap: Infinity };
  let g = 0; // genuine scores below t
  let i = 0; // impostor scores below t
  while (g < gen.length || i < imp.length) {
    const t = i >= imp.length || (g < gen.length && gen[g]! <= imp[i]!) ? gen[g]! : imp[i]!;
    const far = imp.length ? (imp.length - i) / imp.length : 0;
    const frr = gen.length ? g / gen.length : 0;
    const gap = Math.abs(far - frr);
    if (gap < best.gap) best = { eer: (far + frr) / 2, threshold: t, gap };
    // Past every score equal to t, to the next distinct one.
    while (g < gen.length && gen[g]! <= t) g++;
    while (i < imp.length && imp[i]! <= t) i++;
  }
  return { eer: best.eer, threshold: best.threshold };
}

function rate(scores: readonly number[], threshold: number): number {
  if (scores.length === 0) return 0;
  let n = 0;
  for (const s of scores) if (s >= threshold) n++;
  return n / scores.length;
}
