/**
 * The register holds personal data: its file is the agent's only, whatever the umask. SQLite creates the
 * -wal and -shm files with the database file's mode, so setting the database file's mode covers them.
 */
import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

const PRIVATE = 0o600;

/** Creates the folder (0700) and the database file (0600) if missing; tightens a file left readable by others. */
export function preparePrivateDbFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // 'a' creates without truncating an existing register.
  const fd = openSync(path, 'a', PRIVATE);
  try {
    fchmodSync(fd, PRIVATE);
  } finally {
    closeSync(fd);
  }
  for (const companion of [`${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(companion, PRIVATE);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
