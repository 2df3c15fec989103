/**
 * A site flow's indicator request as a timeline of output states, in the same form as the verification's
 * own patterns (drivers/indicators/patterns.ts), touching only the outputs it names: what a board needs to
 * play it once it can play a Pattern directly (see the report on issue 16: PatternIndicators.play is private).
 */
import type { Output, Pattern, Step } from '../../drivers/indicators/index.ts';
import type { IndicatorCommand } from './node-red-protocol.ts';

const BLINK_MS = 250;

function hold(outputs: Output[], durationMs: number): Step[] {
  const on = Object.fromEntries(outputs.map((o) => [o, true])) as Partial<Record<Output, boolean>>;
  const off = Object.fromEntries(outputs.map((o) => [o, false])) as Partial<Record<Output, boolean>>;
  return [
    { atMs: 0, set: on },
    { atMs: durationMs, set: off },
  ];
}

function blink(output: Output, durationMs: number): Step[] {
  const steps: Step[] = [];
  for (let at = 0; at < durationMs; at += BLINK_MS) steps.push({ atMs: at, set: { [output]: (at / BLINK_MS) % 2 === 0 } });
  steps.push({ atMs: durationMs, set: { [output]: false } });
  return steps;
}

export function flowPattern(command: IndicatorCommand): Pattern {
  switch (command.pattern) {
    case 'relay-pulse':
      return { steps: hold(['relay'], command.durationMs) };
    case 'alarm':
      return { steps: hold(['red', 'buzzer'], command.durationMs) };
    case 'beep':
      return { steps: hold(['buzzer'], command.durationMs) };
    case 'green-blink':
      return { steps: blink('green', command.durationMs) };
    case 'red-blink':
      return { steps: blink('red', command.durationMs) };
  }
}
