/**
 * Who owns the data dir's files. Once install-service has made the data dir the service user's, a
 * provisioning run as root must not leave root-owned files behind: the agent (not root) could no longer
 * read a rewritten site.json (0600) or the renewed key. So a root run on a data dir owned by another user
 * hands everything it wrote back to that user.
 */
import fs from 'node:fs';
import { join } from 'node:path';

export interface Owner {
  uid: number;
  gid: number;
}

/** The data dir's owner when this process is root and the data dir belongs to someone else; else undefined. */
export function dataDirOwner(dataDir: string, uid = process.getuid?.() ?? -1): Owner | undefined {
  if (uid !== 0) return undefined;
  try {
    const stat = fs.statSync(dataDir);
    return stat.uid === 0 ? undefined : { uid: stat.uid, gid: stat.gid };
  } catch {
    return undefined;
  }
}

/** Gives every file and folder under `dataDir` to `owner` (symlinks themselves, never their targets). */
export function giveDataDir(dataDir: string, owner: Owner): void {
  const walk = (path: string): void => {
    const stat = fs.lstatSync(path);
    if (stat.uid !== owner.uid || stat.gid !== owner.gid) fs.lchownSync(path, owner.uid, owner.gid);
    if (stat.isDirectory()) for (const name of fs.readdirSync(path)) walk(join(path, name));
  };
  walk(dataDir);
}
