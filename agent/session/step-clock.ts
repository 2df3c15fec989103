/** Step timings for the record, and the small async helpers the session's steps share. */
import { XacminhError } from '../../drivers/errors.ts';
import type { StepName, StepTiming } from './record.ts';

export class StepClock {
  readonly steps: StepTiming[] = [];

  async time<T>(step: StepName, run: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      const value = await run();
      this.add(step, start, 'ok');
      return value;
    } catch (error) {
      this.add(step, start, 'failed');
      throw error;
    }
  }

  skip(step: StepName): void {
    this.steps.push({ step, ms: 0, outcome: 'skipped' });
  }

  private add(step: StepName, start: number, outcome: StepTiming['outcome']): void {
    const ms = Math.round((performance.now() - start) * 10) / 10;
    // A step run twice (a retyped access key) counts once, with the time of both tries.
    const existing = this.steps.find((s) => s.step === step);
    if (existing) {
      existing.ms = Math.round((existing.ms + ms) * 10) / 10;
      existing.outcome = outcome;
    } else this.steps.push({ step, ms, outcome });
  }
}

/**
 * Resolves with what `arm` hands its resolver; rejects CANCELLED when the signal fires and with
 * onTimeout() after timeoutMs.
 */
export function waitFor<T>(arm: (resolve: (value: T) => void) => void, options: { signal: AbortSignal; timeoutMs: number; onTimeout: () => XacminhError }): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (options.signal.aborted) {
      reject(new XacminhError('CANCELLED', String(options.signal.reason ?? 'cancelled')));
      return;
    }
    const timer = setTimeout(() => finish(() => reject(options.onTimeout())), options.timeoutMs);
    const onAbort = () => finish(() => reject(new XacminhError('CANCELLED', String(options.signal.reason ?? 'cancelled'))));
    options.signal.addEventListener('abort', onAbort, { once: true });
    function finish(settle: () => void): void {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      settle();
    }
    arm((value) => finish(() => resolve(value)));
  });
}
