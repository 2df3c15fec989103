/**
 * The register's data key at agent start: created with the register, never silently re-created for a
 * register that already holds sealed data (that data would become unreadable, and the loss unnoticed).
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { XacminhError } from '../../drivers/errors.ts';
import { loadRegisterDataKey, type DataDirPaths } from '../datadir.ts';

export function registerHoldsSealedData(path: string): boolean {
  if (!existsSync(path)) return false;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'entries'").get();
    if (!table) return false;
    const column = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM pragma_table_info('entries') WHERE name = 'sealed_sha256'").get();
    if (!column?.n) return false;
    return db.prepare('SELECT 1 FROM entries WHERE sealed_sha256 IS NOT NULL OR (format = 2 AND frame_sha256 IS NOT NULL) LIMIT 1').get() !== undefined;
  } finally {
    db.close();
  }
}

/** Loads the data key for a writable register, creating it only when no sealed data depends on a lost one. */
export function openRegisterDataKey(paths: DataDirPaths): Uint8Array {
  const existing = loadRegisterDataKey(paths, { create: false });
  if (existing) return existing;
  if (registerHoldsSealedData(paths.register)) {
    throw new XacminhError(
      'CONFIG_INVALID',
      `Thiếu khóa dữ liệu sổ đăng ký ${paths.registerDataKey} trong khi sổ đã có dữ liệu cá nhân được mã hóa: khôi phục tệp khóa từ bản sao lưu. The register data key is missing but the register holds sealed personal data: restore the key file from a backup (a new key could not read it)`,
      { path: paths.registerDataKey },
    );
  }
  return loadRegisterDataKey(paths, { create: true })!;
}
