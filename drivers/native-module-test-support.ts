/** For tests: the error Node itself throws when dlopen meets a .node file that is not a shared object. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `addonPath` is where the file sits under node_modules (e.g. 'better-sqlite3/build/Release/better_sqlite3.node'). */
export function realDlopenError(addonPath: string): Error {
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-native-'));
  const file = join(dir, 'node_modules', ...addonPath.split('/'));
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, Buffer.alloc(4096, 0x41)); // a binary for another platform, as far as dlopen can tell
  try {
    process.dlopen({ exports: {} }, file);
    throw new Error('dlopen accepted a file that is not a shared object');
  } catch (error) {
    return error as Error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
