/**
 * Runs the checks one after another, each under its own timeout, and folds them into one status:
 * any fail → fail; else any marginal → marginal; else pass (skips allowed). A check that throws or
 * overruns is a fail with the reason, never a crash of the run.
 */
import { performance } from 'node:perf_hooks';
import { isXacminhError } from '../drivers/errors.ts';
import type { Check, CheckResult, CheckStatus, SelfTestContext } from './types.ts';

export const DEFAULT_CHECK_TIMEOUT_MS = 20_000;

export interface RunOptions {
  /** Only the checks whose id matches (tests; a technician re-running one device). */
  only?: (id: string) => boolean;
  defaultTimeoutMs?: number;
  /** Ends the run: the check under way is failed as cancelled, the rest skipped. */
  signal?: AbortSignal;
  onResult?: (result: CheckResult, check: Check) => void;
}

export async function runChecks(checks: readonly Check[], ctx: SelfTestContext, options: RunOptions = {}): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    if (options.only && !options.only(check.id)) continue;
    const result = options.signal?.aborted
      ? { id: check.id, status: 'skip' as const, measured: {}, limits: {}, durationMs: 0, hint: 'the self-test was stopped', hintVi: 'đã dừng kiểm tra' }
      : await runOne(check, ctx, check.timeoutMs ?? options.defaultTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS, options.signal);
    results.push(result);
    options.onResult?.(result, check);
  }
  return results;
}

export async function runOne(check: Check, ctx: SelfTestContext, timeoutMs: number, outer?: AbortSignal): Promise<CheckResult> {
  const started = performance.now();
  const controller = new AbortController();
  const onOuter = () => controller.abort(new Error('the self-test was stopped'));
  outer?.addEventListener('abort', onOuter, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  overrun.catch(() => undefined);
  try {
    const outcome = await Promise.race([check.run(ctx, controller.signal), overrun]);
    return {
      id: check.id,
      status: outcome.status,
      measured: outcome.measured ?? {},
      limits: outcome.limits ?? {},
      durationMs: Math.round(performance.now() - started),
      hint: outcome.hint ?? null,
      hintVi: outcome.hintVi ?? null,
    };
  } catch (error) {
    const code = isXacminhError(error) ? error.code : outer?.aborted ? 'CANCELLED' : controller.signal.aborted ? 'TIMEOUT' : 'INTERNAL';
    const message = error instanceof Error ? error.message : String(error);
    return {
      id: check.id,
      status: 'fail',
      measured: { error: code },
      limits: { timeoutMs },
      durationMs: Math.round(performance.now() - started),
      hint: `${check.title}: ${message}`,
      hintVi: `${check.titleVi}: lỗi (${code}) — ${message}`,
    };
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
    controller.abort();
  }
}

export function overallStatus(results: readonly CheckResult[]): Exclude<CheckStatus, 'skip'> {
  if (results.some((r) => r.status === 'fail')) return 'fail';
  if (results.some((r) => r.status === 'marginal')) return 'marginal';
  return 'pass';
}

/** 0 all pass (skips allowed), 1 any fail, 3 marginal and no fail. */
export function exitCodeFor(status: Exclude<CheckStatus, 'skip'>): 0 | 1 | 3 {
  return status === 'fail' ? 1 : status === 'marginal' ? 3 : 0;
}
