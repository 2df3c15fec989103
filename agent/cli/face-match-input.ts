/** What `xacminh face-match` and its --clips mode share: the decisions in Vietnamese and the checks of their inputs. */
import { readFile } from 'node:fs/promises';
import { XacminhError } from '../../drivers/errors.ts';
import type { FaceDecision } from '../../models/types.ts';

export const DECISION_VI: Readonly<Record<FaceDecision, string>> = Object.freeze({
  match: 'KHỚP — cùng một người',
  'no-match': 'KHÔNG KHỚP — không phải cùng một người',
  'not-live': 'KHÔNG XÁC NHẬN ĐƯỢC NGƯỜI THẬT',
  'no-face': 'KHÔNG THẤY KHUÔN MẶT PHÙ HỢP',
  'not-available': 'KHÔNG KIỂM TRA ĐƯỢC',
  error: 'LỖI',
});

/** --fps as a number in (0, 60], or undefined when not given. */
export function checkFps(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const fps = Number(value);
  if (!(fps > 0 && fps <= 60)) throw new XacminhError('INVALID_INPUT', `--fps must be in (0, 60], got ${value}`, { field: 'fps' });
  return fps;
}

/** --timeout in seconds, in (0, 600], or undefined when not given. */
export function checkTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!(seconds > 0 && seconds <= 600)) throw new XacminhError('INVALID_INPUT', `--timeout must be in (0, 600] seconds, got ${value}`, { field: 'timeout' });
  return seconds;
}

/** --turn-degrees / --nod-degrees (the ranges site.json's face.turnDegrees / face.nodDegrees allow) as liveness overrides. */
export function checkMovement(o: { turnDegrees?: string | undefined; nodDegrees?: string | undefined }): { turnDegrees?: number; nodDegrees?: number } {
  const out: { turnDegrees?: number; nodDegrees?: number } = {};
  for (const [field, flag, min, max] of [
    ['turnDegrees', '--turn-degrees', 15, 60],
    ['nodDegrees', '--nod-degrees', 10, 45],
  ] as const) {
    const value = o[field];
    if (value === undefined) continue;
    const degrees = Number(value);
    if (!(degrees >= min && degrees <= max)) throw new XacminhError('INVALID_INPUT', `${flag} must be in [${min}, ${max}] degrees, got ${value}`, { field });
    out[field] = degrees;
  }
  return out;
}

export async function readInput(path: string, field: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new XacminhError('INVALID_INPUT', `Cannot read --${field} ${path}: ${(cause as Error).message}`, { field }, { cause });
  }
}
