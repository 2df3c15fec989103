/** What the benches share: their command-line options, waiting for a condition, and the figures they print. */

/** The value after `--name` on the command line, or `fallback`. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every `pollMs` (short: a bench times what comes after it) until it holds or `timeoutMs` ends. */
export async function until(condition: () => boolean, timeoutMs: number, what: string, pollMs = 2): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}

/** The q-quantile of the finite values, linearly interpolated; NaN when there is none. */
export function quantile(values: number[], q: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (at - lo);
}

/** One decimal, or '–' for a figure that could not be measured. */
export const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
