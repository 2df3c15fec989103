/** The calibrated operating point (models/calibration/default.json, written by `xacminh face-calibrate` / models/calibrate.ts). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { XacminhError } from '../drivers/errors.ts';

export interface OperatingPoint {
  targetFar: number;
  /** Accept when similarity ≥ threshold. */
  threshold: number;
  /** Measured on the calibration pairs at that threshold. */
  far: number;
  tar: number;
  /** False when the set has too few impostor pairs to measure this FAR (threshold = above every impostor). */
  resolvable: boolean;
}

export interface Calibration {
  /** Cosine similarity at or above which two faces are the same person. */
  threshold: number;
  /** The false-accept rate the threshold was chosen for, and the measured ROC points. */
  far: number;
  tar: number;
  eer: number;
  /** Descriptors were averaged with the mirror image's: the engine must do the same. */
  flipAverage: boolean;
  tarAtFar1: number;
  tarAtFar01: number;
  /** The FAR `threshold` was chosen for (0.001), and the thresholds for FAR 1 %, 0.1 %, 0.01 %. */
  targetFar?: number;
  operatingPoints?: OperatingPoint[];
  eerThreshold?: number;
  /** The same thresholds measured on identities they were not set on. */
  heldOut?: {
    method: string;
    accuracy: number;
    eer: number;
    points: { targetFar: number; tar: number; far: number; tarRange?: [number, number]; tarInterval?: [number, number] }[];
    pairs: { genuine: number; impostor: number };
  };
  pairs: { genuine: number; impostor: number };
  /** Which pairs were scored: every pair of photos, or (a set with chip photos) chip photo vs camera picture only. */
  pairing?: 'all' | 'chip-vs-camera';
  people?: number;
  /** How the face chip was cut (the engine must cut it the same way). */
  chip?: string;
  images: { total: number; noFace: number };
  fusion?: Record<string, unknown>;
  model: { name: string; sha256: string };
  dataset: string;
  command: string;
  measuredAt: string;
  /** The confidence-bounded thresholds (models/calibrate-bound.ts): `threshold` is bound.single.threshold. */
  bound?: {
    method: string;
    confidence: number;
    single: BoundedOperatingPoint;
    fused: BoundedOperatingPoint | null;
    heldOut?: Record<string, unknown>;
  };
  /** LFW's View-2 accuracy over the folds of the set's pairs.txt (a set in LFW's layout). */
  lfw?: { method: string; folds: number; pairs: number; accuracy: number; std: number; standardError: number };
  /** What to know before trusting the threshold (too few impostor pairs, a held-out FAR over target). */
  warnings?: string[];
}

/** A threshold whose FAR's upper bound meets the target, and the point-estimate threshold it replaces. */
export interface BoundedOperatingPoint {
  targetFar: number;
  threshold: number;
  far: number;
  farUpper: number;
  tar: number;
  pointThreshold: number;
  tarAtPoint: number;
  reached: boolean;
}

export const DEFAULT_CALIBRATION_PATH = fileURLToPath(new URL('./calibration/default.json', import.meta.url));

export function readCalibration(path = DEFAULT_CALIBRATION_PATH): Calibration {
  let parsed: Partial<Calibration>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Calibration>;
  } catch (cause) {
    throw new XacminhError('CONFIG_INVALID', `Face-match calibration ${path} is missing or not JSON: run xacminh face-calibrate DIR (a folder of photos per person) to make it`, { path }, { cause });
  }
  if (typeof parsed.threshold !== 'number' || !(parsed.threshold > -1 && parsed.threshold < 1) || !parsed.model?.sha256) {
    throw new XacminhError('CONFIG_INVALID', `Face-match calibration ${path} has no valid threshold: run xacminh face-calibrate DIR (a folder of photos per person) to remake it`, { path });
  }
  return parsed as Calibration;
}

/**
 * The threshold for a score fused over several probe images of one person (mean descriptor or best
 * score), at the calibration's target FAR; null when the calibration did not measure it. Fusing probes
 * raises impostor scores too, so the single-image threshold would let more impostors through
 * (bench/face-accuracy: 0.32 % instead of 0.1 % for the mean of two).
 */
export function fusedThreshold(calibration: Calibration, fusion: 'mean' | 'max'): number | null {
  // The confidence-bounded threshold of the two-frame mean, when the calibration has one (issue 19).
  if (fusion === 'mean' && typeof calibration.bound?.fused?.threshold === 'number') return calibration.bound.fused.threshold;
  const target = calibration.targetFar ?? 0.001;
  const twoProbes = (calibration.fusion as { twoProbes?: Record<string, { operatingPoints?: { targetFar: number; threshold: number }[] }> } | undefined)?.twoProbes;
  const point = twoProbes?.[fusion]?.operatingPoints?.find((p) => Math.abs(p.targetFar - target) < 1e-12);
  return point ? point.threshold : null;
}
