/**
 * Renewal rotates the device key, but what the old key signed stays on record (register checkpoints,
 * events already sent): its public half is kept, by key id, so those signatures can still be checked.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dataDirPaths, keyIdOf, readRetiredDeviceKeys, readRetiredKeyRecords, type DataDirPaths } from '../../agent/datadir.ts';
import { writeOwned, type Owner } from './identity-store.ts';

/** Records the public half of a key that is being replaced (idempotent per key id). */
export function retireKey(paths: DataDirPaths, keyPem: string, now: Date, owner: Owner): void {
  const publicKey = createPublicKey(keyPem);
  const keyId = keyIdOf(publicKey);
  const history = readRetiredKeyRecords(paths);
  if (history.some((h) => h.keyId === keyId)) return;
  const entry = { keyId, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string, retiredAt: now.toISOString() };
  writeOwned(paths.retiredKeys, `${JSON.stringify([...history, entry], null, 2)}\n`, 0o644, owner);
}

/** Every public key this device has signed with, by key id: the current one and the retired ones. */
export function knownDeviceKeys(dataDir: string): Map<string, KeyObject> {
  const paths = dataDirPaths(dataDir);
  const keys = readRetiredDeviceKeys(paths);
  if (existsSync(paths.deviceKey)) {
    const current = createPublicKey(readFileSync(paths.deviceKey, 'utf8'));
    keys.set(keyIdOf(current), current);
  }
  return keys;
}

