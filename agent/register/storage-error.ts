/** SQLite failures as the operator and technician need to read them: what happened and what to do. */
import { XacminhError, isXacminhError } from '../../drivers/errors.ts';
import { nativeModuleError } from '../../drivers/native-module.ts';

const ADVICE: Record<string, string> = {
  SQLITE_FULL: 'the disk (or the register size limit) is full: free space on the data partition',
  SQLITE_READONLY: 'the data dir is read-only: check the mount and the file permissions',
  SQLITE_CANTOPEN: 'the file cannot be opened: check that the data dir exists and is writable',
  SQLITE_NOTADB: 'the file is not a register database (corrupt or the wrong file): keep it for inspection and restore from the last export',
  SQLITE_CORRUPT: 'the database is corrupt: keep the file for inspection and restore from the last export',
  SQLITE_IOERR: 'the storage device failed a read or write: check the SD card or disk',
  SQLITE_BUSY: 'another process holds the register: stop the other xacminh process',
  SQLITE_CONSTRAINT_UNIQUE: 'this verification is already recorded (same id)',
};

export function storageError(error: unknown, path: string, action: 'open' | 'append' | 'checkpoint' | 'read' | 'purge'): XacminhError {
  if (isXacminhError(error)) return error;
  // SQLite never ran: the binding did not load (built for another Node.js). Not the storage's fault.
  const native = nativeModuleError(error, 'better-sqlite3');
  if (native) return native;
  const code = (error as { code?: string }).code ?? '';
  const advice = ADVICE[code] ?? Object.entries(ADVICE).find(([prefix]) => code.startsWith(prefix))?.[1];
  const detail = error instanceof Error ? error.message : String(error);
  const message = `Register ${action} failed for ${path}: ${advice ?? detail}`;
  return new XacminhError('STORAGE_FAILED', message, { path, sqlite: code, detail }, { cause: error });
}
