/**
 * Which live frames to embed: the best by quality, but not near-copies of each other. Three frames of the
 * same pose a tenth of a second apart add little over one; a slightly different angle is more evidence
 * (issue 6: "quality-ranked, pose-diverse"). Pure, so the rule is tested apart from the models.
 */
export interface PosedCandidate {
  quality: { score: number };
  face: { yaw: number; pitch: number };
}

/** Two frames whose yaw and pitch both differ by less than this (degrees) count as the same pose. */
export const SAME_POSE_DEGREES = 2;

/**
 * Up to `keep` candidates: highest quality first, then each next one the best of those at a different
 * pose from every one already chosen; near-duplicates fill the remaining places only when nothing else is left.
 * The first element is always the best-quality frame (the one stored with the record).
 */
export function selectDiverse<T extends PosedCandidate>(candidates: readonly T[], keep: number): T[] {
  const byQuality = [...candidates].sort((a, b) => b.quality.score - a.quality.score);
  const chosen: T[] = [];
  const samePose = (a: T, b: T) => Math.abs(a.face.yaw - b.face.yaw) < SAME_POSE_DEGREES && Math.abs(a.face.pitch - b.face.pitch) < SAME_POSE_DEGREES;
  for (const c of byQuality) {
    if (chosen.length >= keep) break;
    if (!chosen.some((d) => samePose(c, d))) chosen.push(c);
  }
  for (const c of byQuality) {
    if (chosen.length >= keep) break;
    if (!chosen.includes(c)) chosen.push(c);
  }
  return chosen;
}

/** Candidates kept while frames arrive: the best `pool` by quality (each holds a decoded frame, so bounded). */
export function keepBest<T extends PosedCandidate>(pool: T[], candidate: T, size: number): void {
  pool.push(candidate);
  pool.sort((a, b) => b.quality.score - a.quality.score);
  pool.length = Math.min(pool.length, size);
}
