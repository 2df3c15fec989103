/** Shared by the LDS tests: typed-error assertions and the real CCCD's EF.CardAccess. */
import { readFileSync } from 'node:fs';
import { sharedDataPath } from '../../sim/shared-data.ts';

export { assertThrowsCode } from '../../test-assert.ts';

/** 54 bytes read from a real CCCD (../shared/data, beside the repository); a clear error if absent. */
export function realCardAccess(): Uint8Array {
  return new Uint8Array(readFileSync(sharedDataPath('cccd', 'ef-cardaccess.bin')));
}

export const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').toUpperCase();
