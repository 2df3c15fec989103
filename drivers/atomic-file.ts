/**
 * Replacing a file so that a reader (or a power cut) sees the old or the new content, never half of it.
 * The one atomic write of the project: keys, exports, frames, photos, model specs and calibrations all go
 * through here. Files are small, so one synchronous implementation serves the async callers too.
 */
import { randomBytes } from 'node:crypto';
// Through the module object (not named imports) so a test can watch the real calls (e.g. the folder fsync).
import fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { XacminhError } from './errors.ts';

export interface AtomicWriteOptions {
  /** false: the file always ends with `mode`, even if an existing one had other permissions (keys, personal data). */
  keepMode?: boolean;
}

/**
 * Writes `data` to a fresh, randomly named file beside the target (the link's target, when `path` is a
 * symlink), opened exclusively so nothing already there (a planted file or symlink) is followed, flushed to
 * disk, renamed over the target, and the folder flushed so the rename itself survives a power cut.
 * An existing file keeps its permissions unless `keepMode` is false; a new one gets `mode`, whatever the umask.
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, mode = 0o644, options: AtomicWriteOptions = {}): void {
  const target = realpathOr(path);
  const folder = dirname(target);
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  const finalMode = options.keepMode === false ? mode : existingMode(target) ?? mode;
  const temp = join(folder, `.${basename(target)}.${randomBytes(12).toString('hex')}.tmp`);
  const fd = fs.openSync(temp, 'wx', 0o600);
  // Closed once only: after a close, another thread may already have been given the same fd number.
  let closed = false;
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    // fchmod, not the open mode: the umask would otherwise take bits away.
    fs.fchmodSync(fd, finalMode);
    fs.fsyncSync(fd);
    closed = true;
    fs.closeSync(fd);
    renameOver(temp, target);
  } catch (error) {
    if (!closed) closeQuietly(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  syncFolder(folder);
}

/** The same write for async callers. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644, options: AtomicWriteOptions = {}): Promise<void> {
  writeFileAtomicSync(path, data, mode, options);
}

/** A file written piece by piece (an export of a year of entries), then put in place like writeFileAtomicSync. */
export interface AtomicFileStream {
  write(data: string | Uint8Array): void;
  /** Flushes, fsyncs, renames over the target and fsyncs the folder. */
  commit(): void;
  /** Removes the temp file; the target is untouched. Safe after commit (does nothing). */
  abort(): void;
}

/**
 * The streaming form of writeFileAtomicSync, for output too large for one buffer: the same exclusive temp
 * file beside the target, written in chunks of about `bufferBytes` (so memory stays at one chunk, and the
 * system is not asked for a write per line), `mode` whatever the umask, then fsync, rename, folder fsync.
 */
export function openAtomicStreamSync(path: string, mode = 0o600, bufferBytes = 64 * 1024): AtomicFileStream {
  const target = realpathOr(path);
  const folder = dirname(target);
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  const temp = join(folder, `.${basename(target)}.${randomBytes(12).toString('hex')}.tmp`);
  const fd = fs.openSync(temp, 'wx', 0o600);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let state: 'open' | 'done' = 'open';
  const flush = () => {
    if (pendingBytes === 0) return;
    fs.writeSync(fd, pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes));
    pending = [];
    pendingBytes = 0;
  };
  const abort = () => {
    if (state === 'done') return;
    state = 'done';
    closeQuietly(fd);
    fs.rmSync(temp, { force: true });
  };
  return {
    write(data) {
      if (state !== 'open') throw new XacminhError('STORAGE_FAILED', `The file ${target} was already committed or abandoned`, { path: target });
      const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      pending.push(bytes);
      pendingBytes += bytes.length;
      if (pendingBytes >= bufferBytes) flush();
    },
    commit() {
      if (state !== 'open') throw new XacminhError('STORAGE_FAILED', `The file ${target} was already committed or abandoned`, { path: target });
      try {
        flush();
        fs.fchmodSync(fd, mode);
        fs.fsyncSync(fd);
        state = 'done';
        fs.closeSync(fd);
        renameOver(temp, target);
      } catch (error) {
        if (state === 'open') closeQuietly(fd);
        state = 'done';
        fs.rmSync(temp, { force: true });
        throw error;
      }
      syncFolder(folder);
    },
    abort,
  };
}

function renameOver(temp: string, target: string): void {
  try {
    fs.renameSync(temp, target);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new XacminhError('STORAGE_FAILED', `Could not replace ${target} (${reason}): check that it is a file, not a folder, and that its folder is writable`, { path: target, reason }, { cause: error });
  }
}

function realpathOr(path: string): string {
  try {
    return fs.realpathSync(path);
  } catch {
    return path;
  }
}

function existingMode(path: string): number | undefined {
  try {
    return fs.statSync(path).mode & 0o7777;
  } catch {
    return undefined;
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}

/** A rename lives in the folder's entries: flush them too, or a power cut can undo it. */
export function syncFolder(folder: string): void {
  const fd = fs.openSync(folder, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
