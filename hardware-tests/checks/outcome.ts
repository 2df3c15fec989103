/** Small builders so each check reads as its decision, not as object plumbing. */
import { isXacminhError } from '../../drivers/errors.ts';
import type { Absent, Outcome } from '../types.ts';

export function skip(reason: Absent['absent'], measured: Record<string, unknown> = {}): Outcome {
  return { status: 'skip', measured, hint: reason.en, hintVi: reason.vi };
}

export function fail(en: string, vi: string, measured: Record<string, unknown> = {}, limits: Record<string, unknown> = {}): Outcome {
  return { status: 'fail', measured, limits, hint: en, hintVi: vi };
}

/** A device error as a failed check: its code in measured, its message after what to do. */
export function failFrom(error: unknown, en: string, vi: string, measured: Record<string, unknown> = {}): Outcome {
  const code = isXacminhError(error) ? error.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  return fail(`${en} (${code}: ${message})`, `${vi} (${code}: ${message})`, { ...measured, error: code });
}

export const NEEDS_PERSON = { en: 'needs a person to look: run xacminh self-test --interactive at the terminal', vi: 'cần người quan sát: chạy xacminh self-test --interactive tại máy' };

/** "c"/"có"/"y"/"yes" → true, "k"/"không"/"n"/"no" → false, anything else → null (asked again). */
export function yesNo(answer: string): boolean | null {
  const a = answer.trim().toLowerCase();
  if (['c', 'có', 'co', 'y', 'yes'].includes(a)) return true;
  if (['k', 'không', 'khong', 'n', 'no'].includes(a)) return false;
  return null;
}
