/** Small state files (the service's codes, devices, sites; the retired device keys): JSON, validated on read, written atomically. */
import { existsSync, readFileSync } from 'node:fs';
import type { z } from 'zod';
import { writeFileAtomicSync } from '../../drivers/atomic-file.ts';
import { XacminhError } from '../../drivers/errors.ts';

export function readJson<T>(path: string, schema: z.ZodType<T>, empty: T): T {
  if (!existsSync(path)) return empty;
  try {
    return schema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    throw new XacminhError('CONFIG_INVALID', `${path} is damaged (${(error as Error).message}): restore it from a backup`, { path }, { cause: error });
  }
}

export function writeJson(path: string, value: unknown, mode = 0o600): void {
  writeFileAtomicSync(path, `${JSON.stringify(value, null, 2)}\n`, mode, { keepMode: false });
}
