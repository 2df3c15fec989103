/**
 * The terminal's lights, buzzer, relay and operator button. `PatternIndicators` plays the pattern table
 * (patterns.ts) for every implementation; an implementation only says how to set one output and how to
 * let go of its hardware. A new show() cancels the pattern still running, and the outputs are only written
 * when they change, so a slow bus (Firmata over serial) is not flooded.
 */
import { EventEmitter } from 'node:events';
import { OUTPUTS, patternFor, type IndicatorSignal, type Output, type Pattern, type PatternOptions } from './patterns.ts';

export type { IndicatorSignal, Output } from './patterns.ts';

export interface PressEvent {
  at: Date;
}

export interface Indicators {
  /** Resolves when the pattern's sequence has been played (a looping one: its first cycle) or was replaced. */
  show(signal: IndicatorSignal): Promise<void>;
  /**
   * Plays a site flow's pattern (a relay pulse, an alarm) over the verification's own: only the outputs it
   * names change, and the signal's pattern keeps running. Resolves when its last step has played.
   */
  overlay?(pattern: Pattern): Promise<void>;
  /** Turns every output off and releases the hardware. */
  close(): Promise<void>;
  on(event: 'press', listener: (event: PressEvent) => void): this;
  off(event: 'press', listener: (event: PressEvent) => void): this;
}

export type IndicatorLog = (level: 'info' | 'warn' | 'error', message: string, evidence?: Record<string, unknown>) => void;

export abstract class PatternIndicators extends EventEmitter implements Indicators {
  private timers: NodeJS.Timeout[] = [];
  private readonly overlayTimers = new Set<NodeJS.Timeout>();
  private finish: (() => void) | undefined;
  private readonly state = new Map<Output, boolean>();
  private closed = false;
  current: IndicatorSignal | undefined;

  protected constructor(protected readonly patternOptions: PatternOptions = {}) {
    super();
  }

  /** Which outputs this board has; the others are skipped. */
  protected abstract has(output: Output): boolean;
  protected abstract write(output: Output, on: boolean): void;
  protected abstract release(): Promise<void>;

  show(signal: IndicatorSignal): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.cancel();
    this.current = signal;
    return this.play(patternFor(signal, this.patternOptions));
  }

  overlay(pattern: Pattern): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      // Its own timers: a show() cancelling the signal's pattern must not leave a flow's relay held on.
      const at = (ms: number, run: () => void): void => {
        const timer = setTimeout(() => {
          this.overlayTimers.delete(timer);
          run();
        }, ms);
        this.overlayTimers.add(timer);
      };
      for (const step of pattern.steps) {
        if (step.atMs === 0) this.apply(step.set);
        else at(step.atMs, () => this.apply(step.set));
      }
      at(Math.max(0, ...pattern.steps.map((s) => s.atMs)), resolve);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.cancel();
    for (const timer of this.overlayTimers) clearTimeout(timer);
    this.overlayTimers.clear();
    for (const output of OUTPUTS) this.set(output, false);
    this.closed = true;
    await this.release();
  }

  /** Reports a button press to listeners; a throwing listener must not kill the GPIO/Firmata callback. */
  protected pressed(): void {
    try {
      this.emit('press', { at: new Date() } satisfies PressEvent);
    } catch (error) {
      this.onWriteError('button', error);
    }
  }

  /** Called when a write fails (a board unplugged mid-pattern); the default ignores it. */
  protected onWriteError(_output: Output | 'button', _error: unknown): void {}

  private play(pattern: Pattern): Promise<void> {
    return new Promise<void>((resolve) => {
      this.finish = resolve;
      const runCycle = (): void => {
        for (const step of pattern.steps) {
          if (step.atMs === 0) this.apply(step.set);
          else this.timers.push(setTimeout(() => this.apply(step.set), step.atMs));
        }
      };
      runCycle();
      const last = Math.max(0, ...pattern.steps.map((s) => s.atMs));
      if (pattern.loopMs) {
        const loop = (): void => {
          this.timers = [];
          runCycle();
          this.timers.push(setTimeout(loop, pattern.loopMs));
        };
        this.timers.push(setTimeout(loop, pattern.loopMs));
        this.timers.push(setTimeout(() => this.done(resolve), pattern.loopMs));
      } else if (last === 0) {
        this.done(resolve);
      } else {
        this.timers.push(setTimeout(() => this.done(resolve), last));
      }
    });
  }

  private done(resolve: () => void): void {
    if (this.finish === resolve) this.finish = undefined;
    resolve();
  }

  private cancel(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    const finish = this.finish;
    this.finish = undefined;
    finish?.();
  }

  private apply(set: Partial<Record<Output, boolean>>): void {
    for (const output of OUTPUTS) {
      const value = set[output];
      if (value !== undefined) this.set(output, value);
    }
  }

  private set(output: Output, on: boolean): void {
    if (!this.has(output) || this.state.get(output) === on) return;
    this.state.set(output, on);
    try {
      this.write(output, on);
    } catch (error) {
      // Forget the state so the next pattern writes it again once the board is back.
      this.state.delete(output);
      this.onWriteError(output, error);
    }
  }
}
