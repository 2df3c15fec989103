/**
 * The test double the agent's tests use: plays the real patterns and records every output change with the
 * time it happened, and lets a test press the operator button.
 */
import { performance } from 'node:perf_hooks';
import { PatternIndicators } from './indicators.ts';
import { OUTPUTS, type IndicatorSignal, type Output, type PatternOptions } from './patterns.ts';

export interface PinWrite {
  /** Milliseconds since the double was created (monotonic). */
  atMs: number;
  output: Output;
  on: boolean;
}

export class RecordingIndicators extends PatternIndicators {
  readonly writes: PinWrite[] = [];
  readonly signals: { atMs: number; signal: IndicatorSignal }[] = [];
  closedAt: number | undefined;
  private readonly origin = performance.now();
  private readonly outputs: ReadonlySet<Output>;

  constructor(options: PatternOptions & { outputs?: readonly Output[] } = {}) {
    super(options);
    this.outputs = new Set(options.outputs ?? OUTPUTS);
  }

  override show(signal: IndicatorSignal): Promise<void> {
    this.signals.push({ atMs: this.now(), signal });
    return super.show(signal);
  }

  /** Simulates the operator pressing the button. */
  press(): void {
    this.pressed();
  }

  /** The output's current level as written last. */
  level(output: Output): boolean {
    for (let i = this.writes.length - 1; i >= 0; i--) if (this.writes[i]!.output === output) return this.writes[i]!.on;
    return false;
  }

  protected has(output: Output): boolean {
    return this.outputs.has(output);
  }

  protected write(output: Output, on: boolean): void {
    this.writes.push({ atMs: this.now(), output, on });
  }

  protected async release(): Promise<void> {
    this.closedAt = this.now();
  }

  private now(): number {
    return performance.now() - this.origin;
  }
}
