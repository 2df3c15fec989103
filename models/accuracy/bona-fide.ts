/**
 * Error rates on a site's own bona fide recordings (issue 19): each clip is a real person doing the challenge
 * asked, so every clip the liveness check did not call live is a BPCER error (ISO/IEC 30107-3: bona fide
 * presentation classification error rate), and among the clips that were live every face decision other than
 * a match is a false rejection of the match (FRR). Intervals are exact Clopper–Pearson at 95 %: the two-sided
 * interval, and the one-sided upper bound (what "BPCER at most …" claims rest on).
 */
import type { FaceDecision } from '../types.ts';
import { clopperPearsonInterval, clopperPearsonUpper } from './far-bound.ts';

export interface BonaFideOutcome {
  challenge: string;
  /** The liveness decision was 'live'. */
  live: boolean;
  decision: FaceDecision;
}

export interface ErrorRate {
  errors: number;
  total: number;
  /** errors / total; null when there is nothing to count. */
  rate: number | null;
  /** Two-sided 95 % Clopper–Pearson interval. */
  lower95: number | null;
  upper95: number | null;
  /** One-sided 95 % Clopper–Pearson upper bound. */
  upper95OneSided: number | null;
}

export interface BonaFideSummary {
  clips: number;
  bpcer: ErrorRate;
  /** Per challenge, in the order the challenges first appear. */
  bpcerByChallenge: Record<string, ErrorRate>;
  /** Face-match false rejections among the live clips. */
  frr: ErrorRate;
}

export function errorRate(errors: number, total: number): ErrorRate {
  if (total === 0) return { errors, total, rate: null, lower95: null, upper95: null, upper95OneSided: null };
  const { lower, upper } = clopperPearsonInterval(errors, total, 0.95);
  return { errors, total, rate: errors / total, lower95: lower, upper95: upper, upper95OneSided: clopperPearsonUpper(errors, total, 0.95) };
}

export function summarizeBonaFide(outcomes: readonly BonaFideOutcome[]): BonaFideSummary {
  const rejected = (list: readonly BonaFideOutcome[]) => list.filter((o) => !o.live).length;
  const byChallenge: Record<string, ErrorRate> = {};
  for (const challenge of new Set(outcomes.map((o) => o.challenge))) {
    const mine = outcomes.filter((o) => o.challenge === challenge);
    byChallenge[challenge] = errorRate(rejected(mine), mine.length);
  }
  const live = outcomes.filter((o) => o.live);
  return {
    clips: outcomes.length,
    bpcer: errorRate(rejected(outcomes), outcomes.length),
    bpcerByChallenge: byChallenge,
    frr: errorRate(live.filter((o) => o.decision !== 'match').length, live.length),
  };
}
