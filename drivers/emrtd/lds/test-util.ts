/** Shared by the LDS tests: typed-error assertions and the real CCCD's EF.CardAccess. */
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { isXacminhError, type ErrorCode, type XacminhError } from '../../errors.ts';
import { sharedDataPath } from '../../sim/shared-data.ts';

/** `fn` must throw an XacminhError with `code`; returns it for further checks. */
export function assertThrowsCode(fn: () => unknown, code: ErrorCode = 'MALFORMED_DATA'): XacminhError {
  let threw = false;
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    threw = true;
    thrown = error;
  }
  if (!threw) assert.unreachable(`expected ${code}, nothing was thrown`);
  assert.ok(isXacminhError(thrown, code), `expected ${code}, got ${String(thrown)}`);
  return thrown as XacminhError;
}

/** 54 bytes read from a real CCCD (../shared/data, beside the repository); a clear error if absent. */
export function realCardAccess(): Uint8Array {
  return new Uint8Array(readFileSync(sharedDataPath('cccd', 'ef-cardaccess.bin')));
}

export const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').toUpperCase();
