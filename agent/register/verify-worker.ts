/**
 * Worker thread entry (see verify-off-thread.ts): opens the register file read-only on its own connection
 * and checks the whole chain there, so a large register does not stall the agent's event loop.
 */
import { createPublicKey } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { isXacminhError } from '../../drivers/errors.ts';
import { keyIdOf } from '../datadir.ts';
import { Register } from './register.ts';

const { path, publicKeyPems, range } = workerData as { path: string; publicKeyPems: string[]; range?: [number, number] };
try {
  // The public key is enough to check signatures; the device's private key never leaves the main thread.
  const [current, ...retired] = publicKeyPems.map((pem) => createPublicKey(pem));
  const retiredKeys = new Map(retired.map((key) => [keyIdOf(key), key]));
  const register = Register.open(path, { deviceKey: current!, retiredKeys, outboxCapacity: 0, readOnly: true });
  try {
    parentPort!.postMessage({ report: register.snapshot(() => (range ? register.verifyRange(range[0], range[1]) : register.verify())) });
  } finally {
    register.close();
  }
} catch (error) {
  parentPort!.postMessage({ error: { code: isXacminhError(error) ? error.code : 'STORAGE_FAILED', message: error instanceof Error ? error.message : String(error) } });
}
