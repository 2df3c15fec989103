/**
 * An upper confidence bound on a false-accept rate measured on impostor pairs that share people, and the lowest
 * threshold whose bound stays at or below a target FAR (issue 19: the point estimate on 30 calibration people
 * overshot to 0.11–0.15 % on unseen people).
 *
 * Why this bound: pairs are not independent trials — one person who looks like many others is in many accepted
 * pairs. The variance of the FAR is estimated dyadic-cluster-robustly (every two pairs that share a person
 * covary; Aronow, Samii & Assenova 2015), turned into a design effect (that variance over the binomial one, at
 * least 1), and the exact one-sided Clopper–Pearson bound is taken at the effective numbers k/deff of n/deff.
 * Clopper–Pearson rather than Wilson because at FAR 0.01 % a few dozen accepted pairs carry the decision and
 * Wilson's bound is below the nominal coverage there; the exact bound never is.
 */

/** ln Γ(x), x > 0 (Lanczos, g = 7: about 15 significant digits). */
export function lnGamma(x: number): number {
  const c = [0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406, 12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised incomplete beta I_x(a, b) (continued fraction, modified Lentz). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  // The continued fraction converges fast below the mean; above it, use the symmetry I_x(a,b) = 1 − I_{1−x}(b,a).
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x)) / a;
  const tiny = 1e-300;
  let f = 1;
  let c = 1;
  let d = 0;
  for (let i = 0; i <= 400; i++) {
    const m = i >> 1;
    const num = i === 0 ? 1 : i % 2 === 0 ? (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)) : -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + num * d;
    d = Math.abs(d) < tiny ? tiny : d;
    d = 1 / d;
    c = 1 + num / c;
    c = Math.abs(c) < tiny ? tiny : c;
    const cd = c * d;
    f *= cd;
    if (Math.abs(1 - cd) < 1e-15) break;
  }
  return front * (f - 1);
}

/**
 * One-sided Clopper–Pearson upper bound: the p at which seeing k or fewer of n has probability 1 − confidence
 * (the Beta(k+1, n−k) quantile). k and n may be fractional (effective counts).
 */
export function clopperPearsonUpper(k: number, n: number, confidence = 0.95): number {
  if (!(n > 0) || !(k >= 0) || k > n) throw new RangeError(`need 0 ≤ k ≤ n and n > 0, got k=${k}, n=${n}`);
  if (k >= n) return 1;
  const alpha = 1 - confidence;
  // Bisection on I_p(k+1, n−k) = 1 − α: increasing in p; 200 halvings reach the double's resolution at any scale.
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (incompleteBeta(mid, k + 1, n - k) < 1 - alpha) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Two-sided exact Clopper–Pearson interval for k of n: each end leaves (1 − confidence)/2 outside, by the
 * one-sided bound (the lower end is one minus the upper bound of the complementary count).
 */
export function clopperPearsonInterval(k: number, n: number, confidence = 0.95): { lower: number; upper: number } {
  const oneSided = 1 - (1 - confidence) / 2;
  return { lower: k <= 0 ? 0 : 1 - clopperPearsonUpper(n - k, n, oneSided), upper: clopperPearsonUpper(k, n, oneSided) };
}

/** An impostor comparison: its score and the two people it involves. */
export interface PersonPair {
  score: number;
  a: string;
  b: string;
}

const pairKey = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

/**
 * Accepted-pair bookkeeping for the dyadic variance, incremental as the threshold comes down one pair at a time:
 * Var(FAR) = (Σ_person S_p² − Σ_personpair T_pq²) / n², S_p and T_pq the sums of (accepted − FAR) over the pairs a
 * person / a pair of people is in — every two pairs sharing at least one person, each such couple once.
 */
export class DyadicFar {
  private readonly m = new Map<string, number>();
  private readonly c = new Map<string, number>();
  private readonly accepted = new Map<string, number>();
  private readonly acceptedPairs = new Map<string, number>();
  private sumM2 = 0;
  private sumC2 = 0;
  private sumA2 = 0;
  private sumAM = 0;
  private sumB2 = 0;
  private sumBC = 0;
  k = 0;
  readonly n: number;

  constructor(pairs: readonly { a: string; b: string }[]) {
    this.n = pairs.length;
    for (const { a, b } of pairs) {
      for (const p of [a, b]) this.m.set(p, (this.m.get(p) ?? 0) + 1);
      const key = pairKey(a, b);
      this.c.set(key, (this.c.get(key) ?? 0) + 1);
    }
    for (const v of this.m.values()) this.sumM2 += v * v;
    for (const v of this.c.values()) this.sumC2 += v * v;
  }

  /** One more pair counted as accepted. */
  accept({ a, b }: { a: string; b: string }): void {
    this.k++;
    for (const p of [a, b]) {
      const before = this.accepted.get(p) ?? 0;
      this.accepted.set(p, before + 1);
      this.sumA2 += 2 * before + 1;
      this.sumAM += this.m.get(p)!;
    }
    const key = pairKey(a, b);
    const before = this.acceptedPairs.get(key) ?? 0;
    this.acceptedPairs.set(key, before + 1);
    this.sumB2 += 2 * before + 1;
    this.sumBC += this.c.get(key)!;
  }

  get far(): number {
    return this.n ? this.k / this.n : 0;
  }

  /** The dyadic-cluster-robust variance of the FAR estimate. */
  get variance(): number {
    const p = this.far;
    const s2 = this.sumA2 - 2 * p * this.sumAM + p * p * this.sumM2;
    const t2 = this.sumB2 - 2 * p * this.sumBC + p * p * this.sumC2;
    return Math.max(0, s2 - t2) / (this.n * this.n);
  }

  /** Variance over the binomial one, at least 1 (1 when nothing is accepted: no dependence can be seen then). */
  get designEffect(): number {
    const p = this.far;
    const binomial = (p * (1 - p)) / this.n;
    return binomial > 0 ? Math.max(1, this.variance / binomial) : 1;
  }

  upperBound(confidence = 0.95): number {
    const deff = this.designEffect;
    return clopperPearsonUpper(this.k / deff, this.n / deff, confidence);
  }
}

export interface BoundedThreshold {
  /** Accept when score ≥ threshold. */
  threshold: number;
  /** Impostor pairs at or above it, of how many. */
  accepted: number;
  impostors: number;
  /** Point estimate of the FAR there, its upper bound, and the design effect behind the bound. */
  far: number;
  farUpper: number;
  designEffect: number;
  /** False when even above every impostor the bound exceeds the target: too few impostor pairs. */
  reached: boolean;
}

/**
 * The lowest threshold whose FAR upper bound (at `confidence`) is at or below `target`. When no threshold reaches
 * it (too few impostor pairs for the target), the threshold just above the highest impostor, with reached false.
 */
export function boundedThreshold(impostors: readonly PersonPair[], target: number, confidence = 0.95): BoundedThreshold {
  if (impostors.length === 0) throw new RangeError('no impostor pairs');
  const sorted = [...impostors].sort((x, y) => y.score - x.score);
  const dyad = new DyadicFar(sorted);
  const at = (k: number) => (k === 0 ? sorted[0]!.score + 1e-6 : (sorted[k]!.score + sorted[k - 1]!.score) / 2);
  let best: BoundedThreshold = { threshold: at(0), accepted: 0, impostors: sorted.length, far: 0, farUpper: dyad.upperBound(confidence), designEffect: 1, reached: false };
  best.reached = best.farUpper <= target;
  if (!best.reached) return best;
  // Lower the threshold one impostor at a time while the bound holds; stop once the point estimate alone exceeds it.
  for (let k = 1; k < sorted.length && k <= target * sorted.length; k++) {
    dyad.accept(sorted[k - 1]!);
    if (sorted[k]!.score === sorted[k - 1]!.score) continue; // no threshold accepts exactly k of tied scores
    const upper = dyad.upperBound(confidence);
    if (upper > target) continue; // a larger design effect here; a later k may still hold (it rarely does)
    best = { threshold: at(k), accepted: k, impostors: sorted.length, far: dyad.far, farUpper: upper, designEffect: dyad.designEffect, reached: true };
  }
  return best;
}
