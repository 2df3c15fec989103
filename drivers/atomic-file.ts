/** Replacing a file so that a reader (or a power cut) sees the old or the new content, never half of it. */
import { randomUUID } from 'node:crypto';
import { open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to a fresh file beside the target (the link's target, when `path` is a symlink), flushed to disk,
 * then renames it over the target. An existing file keeps its permissions; a new one gets `mode`.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const target = await realpath(path).catch(() => path);
  const keepMode = await stat(target).then((s) => s.mode & 0o7777, () => mode);
  const temp = join(dirname(target), `.${basename(target)}.${randomUUID()}.tmp`);
  const file = await open(temp, 'wx', keepMode);
  try {
    await file.writeFile(data);
    await file.sync();
    await file.close();
    await rename(temp, target);
  } catch (error) {
    await file.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
