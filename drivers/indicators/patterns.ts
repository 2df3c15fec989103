/**
 * What each signal looks and sounds like, as data: a timeline of output states. Every implementation (GPIO,
 * Firmata, the recording double) plays the same table through the same player, so a pattern tested once
 * behaves the same on every board.
 */
export type IndicatorSignal = 'ready' | 'busy' | 'verified' | 'rejected' | 'error' | 'offline';
export const SIGNALS: readonly IndicatorSignal[] = ['ready', 'busy', 'verified', 'rejected', 'error', 'offline'];

export type Output = 'green' | 'red' | 'busy' | 'buzzer' | 'relay';
export const OUTPUTS: readonly Output[] = ['green', 'red', 'busy', 'buzzer', 'relay'];

export interface Step {
  /** Milliseconds from the start of the pattern (of the cycle, for a looping pattern). */
  atMs: number;
  set: Partial<Record<Output, boolean>>;
}

export interface Pattern {
  /** The first step (at 0) sets every output, so nothing of the previous pattern lingers. */
  steps: readonly Step[];
  /** Repeat the steps with this period (a blink); the pattern then runs until the next show(). */
  loopMs?: number;
}

export interface PatternOptions {
  /** Pulse the relay (door, drawer) this long on 'verified'; 0 or absent = never touch the relay. */
  relayPulseMs?: number;
}

export const SHORT_BEEP_MS = 120;
export const LONG_BEEP_MS = 800;
const GAP_MS = 120;

const ALL_OFF: Record<Output, boolean> = { green: false, red: false, busy: false, buzzer: false, relay: false };

function beeps(count: number, onMs: number, offMs: number): Step[] {
  const steps: Step[] = [];
  for (let i = 0; i < count; i++) {
    steps.push({ atMs: i * (onMs + offMs), set: { buzzer: true } }, { atMs: i * (onMs + offMs) + onMs, set: { buzzer: false } });
  }
  return steps;
}

/** Steps sorted by time; steps at the same time are merged in order (later wins). */
function timeline(first: Partial<Record<Output, boolean>>, ...rest: Step[][]): Step[] {
  const all: Step[] = [{ atMs: 0, set: { ...ALL_OFF, ...first } }, ...rest.flat()];
  const byTime = new Map<number, Partial<Record<Output, boolean>>>();
  for (const step of all) byTime.set(step.atMs, { ...byTime.get(step.atMs), ...step.set });
  return [...byTime.entries()].sort(([a], [b]) => a - b).map(([atMs, set]) => ({ atMs, set }));
}

export function patternFor(signal: IndicatorSignal, options: PatternOptions = {}): Pattern {
  switch (signal) {
    case 'ready':
      return { steps: timeline({ green: true }) };
    case 'busy':
      return { steps: timeline({ busy: true }) };
    case 'verified': {
      const relay = options.relayPulseMs && options.relayPulseMs > 0 ? [{ atMs: 0, set: { relay: true } }, { atMs: options.relayPulseMs, set: { relay: false } }] : [];
      return { steps: timeline({ green: true }, beeps(1, SHORT_BEEP_MS, 0), relay) };
    }
    case 'rejected':
      return { steps: timeline({ red: true }, beeps(3, SHORT_BEEP_MS, GAP_MS)) };
    case 'error':
      return { steps: timeline({ red: true, busy: true }, beeps(1, LONG_BEEP_MS, 0)) };
    case 'offline':
      // A slow yellow blink: the terminal works but cannot report; no sound, it may last hours.
      return { steps: timeline({ busy: true }, [{ atMs: 500, set: { busy: false } }]), loopMs: 1000 };
  }
}

/** How long the finite part of a pattern lasts (a looping one: one cycle). */
export function patternDurationMs(pattern: Pattern): number {
  return pattern.loopMs ?? Math.max(0, ...pattern.steps.map((s) => s.atMs));
}
