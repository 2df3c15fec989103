/** Typed-error assertions shared by the driver tests: the code is what callers switch on, so tests check it. */
import * as assert from 'uvu/assert';
import { isXacminhError, type ErrorCode, type XacminhError } from './errors.ts';

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

/** The promise (or the one `run` returns) must reject with an XacminhError with `code`; returns it. */
export async function assertRejectsCode(pending: Promise<unknown> | (() => Promise<unknown>), code: ErrorCode): Promise<XacminhError> {
  let rejected = false;
  let thrown: unknown;
  try {
    await (typeof pending === 'function' ? pending() : pending);
  } catch (error) {
    rejected = true;
    thrown = error;
  }
  if (!rejected) assert.unreachable(`expected ${code}, the promise resolved`);
  assert.ok(isXacminhError(thrown, code), `expected ${code}, got ${String(thrown)}`);
  return thrown as XacminhError;
}
