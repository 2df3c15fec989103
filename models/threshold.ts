/** The calibrated operating point (models/calibration/default.json, written by models/calibrate.ts). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { XacminhError } from '../drivers/errors.ts';

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
  pairs: { genuine: number; impostor: number };
  images: { total: number; noFace: number };
  fusion?: Record<string, unknown>;
  model: { name: string; sha256: string };
  dataset: string;
  command: string;
  measuredAt: string;
}

export const DEFAULT_CALIBRATION_PATH = fileURLToPath(new URL('./calibration/default.json', import.meta.url));

export function readCalibration(path = DEFAULT_CALIBRATION_PATH): Calibration {
  let parsed: Partial<Calibration>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Calibration>;
  } catch (cause) {
    throw new XacminhError('CONFIG_INVALID', `Face-match calibration ${path} is missing or not JSON: run node --import tsx models/calibrate.ts`, { path }, { cause });
  }
  if (typeof parsed.threshold !== 'number' || !(parsed.threshold > -1 && parsed.threshold < 1) || !parsed.model?.sha256) {
    throw new XacminhError('CONFIG_INVALID', `Face-match calibration ${path} has no valid threshold: run node --import tsx models/calibrate.ts`, { path });
  }
  return parsed as Calibration;
}
