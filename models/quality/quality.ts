/**
 * Frame quality gate for the face step: is this one frame good enough to match against the chip photo,
 * and if not, the one thing the customer should fix first. Pure function of the runtime's measurements.
 *
 * Check order (the first failure is the guidance): no-face → multiple-faces → move-closer / move-back →
 * center-face → look-straight → too-dark / too-bright → hold-still. Lighting is judged before sharpness
 * because a dark scene makes the camera expose longer, so blur is often a symptom of darkness.
 *
 * Bystanders: a face whose box height is below `bystanderHeightRatio` of the largest face (someone waiting
 * further back) or whose detection score is below `minDetectionScore` is ignored; any other second face is
 * 'multiple-faces', since we could not tell which person the match and the liveness challenge belong to.
 */
import { XacminhError } from '../../drivers/errors.ts';
import type { FaceGuidance, FaceObservation, QualityVerdict } from '../types.ts';

export interface QualityThresholds {
  /** Detections below this score are ignored (not a face). */
  minDetectionScore: number;
  /** A face shorter than this fraction of the largest face's height is a bystander and ignored. */
  bystanderHeightRatio: number;
  /** Face box height / frame height: below → 'move-closer', above → 'move-back'. */
  minFaceHeightRatio: number;
  maxFaceHeightRatio: number;
  /** Also 'move-closer' below this many pixels of face height (the embedding crop needs detail). */
  minFacePixels: number;
  /** Face centre offset from the frame centre, as a fraction of frame width / height. */
  maxCenterOffsetX: number;
  maxCenterOffsetY: number;
  /** Fraction of the face box allowed outside the frame before it is 'center-face'. */
  maxOutsideFraction: number;
  /** Degrees. */
  maxAbsYaw: number;
  maxAbsPitch: number;
  maxAbsRoll: number;
  /** Laplacian variance of the grey face crop (runtime's scale). Below → 'hold-still'. */
  minSharpness: number;
  /** Sharpness at which the score's sharpness term saturates. */
  goodSharpness: number;
  /** Mean luma of the face crop, 0–255. */
  minBrightness: number;
  maxBrightness: number;
}

export const DEFAULT_QUALITY_THRESHOLDS: Readonly<QualityThresholds> = Object.freeze({
  minDetectionScore: 0.5,
  bystanderHeightRatio: 0.5, // a quarter of the area: clearly further back, not beside the customer
  minFaceHeightRatio: 0.2, // ≈ 144 px of a 720p frame; a kiosk user at arm's length fills 25–45 %
  maxFaceHeightRatio: 0.75, // closer than this, chin or forehead leave the frame and the lens distorts
  minFacePixels: 112, // the embedding models work on 112–150 px crops: upscaling adds nothing
  maxCenterOffsetX: 0.2,
  maxCenterOffsetY: 0.2,
  maxOutsideFraction: 0.05,
  maxAbsYaw: 20, // ICAO 9303 portrait tolerance is ±5°; matching degrades past ~20–25° for these models
  maxAbsPitch: 20,
  maxAbsRoll: 25, // alignment fixes roll, but a strongly tilted head is usually not looking at the camera
  minSharpness: 40,
  goodSharpness: 200,
  minBrightness: 60,
  maxBrightness: 210,
});

/** Short Vietnamese messages shown on the terminal for each guidance code. */
export const QUALITY_MESSAGES_VI: Readonly<Record<FaceGuidance, string>> = Object.freeze({
  ok: 'Tốt, giữ nguyên tư thế',
  'no-face': 'Không thấy khuôn mặt, hãy nhìn vào camera',
  'multiple-faces': 'Chỉ một người trước camera',
  'move-closer': 'Đưa mặt lại gần hơn',
  'move-back': 'Lùi ra xa một chút',
  'center-face': 'Đưa mặt vào giữa khung hình',
  'look-straight': 'Nhìn thẳng vào camera',
  'hold-still': 'Giữ yên',
  'too-dark': 'Chỗ này tối quá, bật thêm đèn',
  'too-bright': 'Sáng quá, tránh đèn chiếu thẳng vào mặt',
});

export function resolveQualityThresholds(overrides: Partial<QualityThresholds> = {}): QualityThresholds {
  const t: QualityThresholds = { ...DEFAULT_QUALITY_THRESHOLDS };
  for (const [key, value] of Object.entries(overrides) as [keyof QualityThresholds, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) {
      throw new XacminhError('CONFIG_INVALID', `Face quality threshold ${key} must be a non-negative number`, { key, value });
    }
    t[key] = value;
  }
  const ranges: [keyof QualityThresholds, keyof QualityThresholds][] = [
    ['minFaceHeightRatio', 'maxFaceHeightRatio'],
    ['minBrightness', 'maxBrightness'],
    ['minSharpness', 'goodSharpness'],
  ];
  for (const [low, high] of ranges) {
    if (t[low] >= t[high]) {
      throw new XacminhError('CONFIG_INVALID', `Face quality threshold ${low} must be below ${high}`, { [low]: t[low], [high]: t[high] });
    }
  }
  return t;
}

/** Judges one frame: `faces` is every face the detector found in it. */
export function assessQuality(faces: readonly FaceObservation[], thresholds?: Partial<QualityThresholds>): QualityVerdict {
  const t = resolveQualityThresholds(thresholds);
  const detected = faces.filter((f) => f.detectionScore >= t.minDetectionScore && f.box.height > 0 && f.box.width > 0);
  if (detected.length === 0) return reject('no-face');
  const main = detected.reduce((a, b) => (b.box.height > a.box.height ? b : a));
  const others = detected.filter((f) => f !== main && f.box.height >= t.bystanderHeightRatio * main.box.height);
  if (others.length > 0) return reject('multiple-faces');

  const { box, frameWidth, frameHeight } = main;
  const heightRatio = box.height / frameHeight;
  // Written as !(x within bounds) so a NaN measurement fails the check instead of slipping through.
  if (!(heightRatio >= t.minFaceHeightRatio && box.height >= t.minFacePixels)) return reject('move-closer');
  if (!(heightRatio <= t.maxFaceHeightRatio)) return reject('move-back');

  const offsetX = Math.abs(box.x + box.width / 2 - frameWidth / 2) / frameWidth;
  const offsetY = Math.abs(box.y + box.height / 2 - frameHeight / 2) / frameHeight;
  if (!(offsetX <= t.maxCenterOffsetX && offsetY <= t.maxCenterOffsetY && outsideFraction(main) <= t.maxOutsideFraction)) {
    return reject('center-face');
  }
  if (!(Math.abs(main.yaw) <= t.maxAbsYaw && Math.abs(main.pitch) <= t.maxAbsPitch && Math.abs(main.roll) <= t.maxAbsRoll)) {
    return reject('look-straight');
  }
  if (!(main.brightness >= t.minBrightness)) return reject('too-dark');
  if (!(main.brightness <= t.maxBrightness)) return reject('too-bright');
  if (!(main.sharpness >= t.minSharpness)) return reject('hold-still');

  return { acceptable: true, guidance: 'ok', messageVi: QUALITY_MESSAGES_VI.ok, score: scoreOf(main, t, offsetX, offsetY) };
}

function reject(guidance: Exclude<FaceGuidance, 'ok'>): QualityVerdict {
  return { acceptable: false, guidance, messageVi: QUALITY_MESSAGES_VI[guidance], score: 0 };
}

function outsideFraction({ box, frameWidth, frameHeight }: FaceObservation): number {
  const insideW = Math.max(0, Math.min(box.x + box.width, frameWidth) - Math.max(box.x, 0));
  const insideH = Math.max(0, Math.min(box.y + box.height, frameHeight) - Math.max(box.y, 0));
  return 1 - (insideW * insideH) / (box.width * box.height);
}

/**
 * Ranks acceptable frames for the match: frontal pose and sharpness matter most to the embedding, then
 * lighting, centring and size. Each term is 1 at its ideal and 0 at its threshold; the weighted mean is
 * floored at 0.01 so an acceptable frame never scores 0 (0 means rejected).
 */
function scoreOf(face: FaceObservation, t: QualityThresholds, offsetX: number, offsetY: number): number {
  const pose = 1 - Math.max(Math.abs(face.yaw) / t.maxAbsYaw, Math.abs(face.pitch) / t.maxAbsPitch);
  const sharp = Math.min(1, (face.sharpness - t.minSharpness) / (t.goodSharpness - t.minSharpness));
  const midLuma = (t.minBrightness + t.maxBrightness) / 2;
  const light = 1 - Math.abs(face.brightness - midLuma) / ((t.maxBrightness - t.minBrightness) / 2);
  const centre = 1 - Math.max(offsetX / t.maxCenterOffsetX, offsetY / t.maxCenterOffsetY);
  // Size: best in the middle of the allowed band (large enough for detail, not cropped by the frame).
  const ratio = face.box.height / face.frameHeight;
  const idealRatio = (t.minFaceHeightRatio + t.maxFaceHeightRatio) / 2;
  const size = 1 - Math.abs(ratio - idealRatio) / ((t.maxFaceHeightRatio - t.minFaceHeightRatio) / 2);
  const terms: [number, number][] = [
    [pose, 0.3],
    [sharp, 0.25],
    [light, 0.15],
    [centre, 0.15],
    [size, 0.15],
  ];
  const score = terms.reduce((sum, [value, weight]) => sum + weight * clamp01(value), 0);
  return Math.max(0.01, Math.min(1, score));
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
