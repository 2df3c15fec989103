/**
 * Seeded byte mutations for the fuzz tests. Every mutant differs from its original: a "mutant" that is the
 * original (two flips of the same byte cancelling, a byte overwritten with its own value) is not a fuzz
 * case, and a test that expects mutants to be refused would fail at random on it.
 */
import { bytesEqual } from './emrtd/crypto/bytes.ts';

/** The seed a fuzz test runs with: FUZZ_SEED when set (to replay a failure), else one drawn from the clock. */
export function fuzzSeed(): number {
  const fromEnv = process.env.FUZZ_SEED;
  return fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : Date.now() % 1_000_000;
}

export interface MutateOptions {
  /** Index of the first byte the mutation may change (default 0), e.g. 1 to leave a CLA byte alone. */
  from?: number;
  /** Share of mutants that are truncated (default 0.15). */
  truncate?: number;
  /** Share of mutants that get one random byte appended (default 0.1). */
  append?: number;
  /** Most bytes changed in place per mutant (default 3). */
  maxChanges?: number;
}

const int = (random: () => number, n: number): number => Math.floor(random() * n);

/**
 * A truncation, an appended byte, or 1..maxChanges bytes changed in place (XOR with a non-zero value) —
 * always different from `bytes`, and never touching bytes before `from`.
 */
export function mutateBytes(bytes: Uint8Array, random: () => number, options: MutateOptions = {}): Uint8Array {
  const from = Math.min(options.from ?? 0, bytes.length);
  const r = random();
  let out: Uint8Array;
  if (r < (options.truncate ?? 0.15) && bytes.length > from) {
    out = bytes.slice(0, from + int(random, bytes.length - from)); // strictly shorter
  } else if (r < (options.truncate ?? 0.15) + (options.append ?? 0.1)) {
    out = Uint8Array.of(...bytes, int(random, 256)); // strictly longer
  } else {
    out = bytes.slice();
    if (out.length > from) {
      for (let n = 1 + int(random, options.maxChanges ?? 3); n > 0; n--) out[from + int(random, out.length - from)]! ^= 1 + int(random, 255);
    }
  }
  return ensureDiffers(bytes, out, random, from);
}

/**
 * `candidate` when it differs from `original`; otherwise `candidate` with one byte at or after `from` XORed
 * with a non-zero value (or one byte appended when there is none), which cannot be the original.
 */
export function ensureDiffers(original: Uint8Array, candidate: Uint8Array, random: () => number, from = 0): Uint8Array {
  if (!bytesEqual(original, candidate)) return candidate;
  if (candidate.length <= from) return Uint8Array.of(...candidate, int(random, 256));
  const out = candidate.slice();
  out[from + int(random, out.length - from)]! ^= 1 + int(random, 255);
  return out;
}
