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

export async function readInput(path: string, field: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new XacminhError('INVALID_INPUT', `Cannot read --${field} ${path}: ${(cause as Error).message}`, { field }, { cause });
  }
}
