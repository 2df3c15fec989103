/** No lights at all (a PC, a board that failed): each signal is logged so the operator's view still shows it. */
import { PatternIndicators, type IndicatorLog } from './indicators.ts';
import type { IndicatorSignal, Output } from './patterns.ts';

export class LoggingIndicators extends PatternIndicators {
  constructor(private readonly log: IndicatorLog) {
    super();
  }

  override show(signal: IndicatorSignal): Promise<void> {
    this.log('info', `indicator: ${signal}`, { signal });
    return super.show(signal);
  }

  protected has(_output: Output): boolean {
    return false;
  }

  protected write(): void {}

  protected async release(): Promise<void> {}
}
