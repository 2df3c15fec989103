/**
 * Heavy commands (a full register check) cost real CPU and disk on a small terminal, and anyone allowed to
 * publish on the command topic can repeat them. They run one at a time, and each at most once per window,
 * counted from when its last run ended (so a run longer than the window cannot be chained back to back).
 */
import type { CommandReply } from './commands.ts';

export const DEFAULT_HEAVY_WINDOW_MS = 60_000;

export class HeavyCommandGate {
  private running: string | null = null;
  private readonly lastEnd = new Map<string, number>();

  constructor(
    private readonly windowMs = DEFAULT_HEAVY_WINDOW_MS,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Null when `name` may run now (the caller must then call leave()); otherwise the RATE_LIMITED reply. */
  enter(name: string): CommandReply | null {
    // How long the running one still takes is unknown: no made-up wait.
    if (this.running !== null) return refused(`a ${this.running} is still running and heavy commands run one at a time: try again when it has finished`);
    const wait = (this.lastEnd.get(name) ?? -Infinity) + this.windowMs - this.now();
    if (wait > 0) return limited(`${name} runs at most once every ${Math.ceil(this.windowMs / 1000)} s`, wait);
    this.running = name;
    return null;
  }

  leave(): void {
    if (this.running !== null) this.lastEnd.set(this.running, this.now());
    this.running = null;
  }
}

function limited(why: string, waitMs: number): CommandReply {
  return refused(`${why}: try again in ${Math.max(1, Math.ceil(waitMs / 1000))} s`);
}

function refused(message: string): CommandReply {
  return { ok: false, error: { code: 'RATE_LIMITED', message } };
}
