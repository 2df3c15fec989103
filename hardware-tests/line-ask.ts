/**
 * Questions to the technician over a terminal or a pipe: each answer is the next line read, whether it was
 * typed after the question or piped in before it (readline's question() drops lines that came early). At
 * the end of input every question is answered with '' — nobody is there — instead of waiting for ever.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Ask } from './types.ts';

export interface LineAsk {
  ask: Ask;
  /** Fires on Ctrl-C at the terminal. */
  onInterrupt(listener: () => void): void;
  close(): void;
}

export function lineAsk(input: Readable, output: Writable, lang: 'vi' | 'en'): LineAsk {
  const rl = createInterface({ input, output, terminal: false });
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let ended = false;
  // Piped answers are not echoed by a terminal: end the prompt's line so the next output starts on its own.
  const answered = (answer: string): string => {
    if (!(input as { isTTY?: boolean }).isTTY) output.write('\n');
    return answer;
  };
  rl.on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line.trim());
    else lines.push(line.trim());
  });
  rl.on('close', () => {
    ended = true;
    for (const next of waiting.splice(0)) next('');
  });
  return {
    ask: (question, signal) => {
      output.write(`${question[lang]} `);
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(answered(line));
      if (ended) return Promise.resolve(answered(''));
      return new Promise((resolve, reject) => {
        const take = (answer: string) => {
          signal.removeEventListener('abort', onAbort);
          resolve(answered(answer));
        };
        const onAbort = () => {
          const at = waiting.indexOf(take);
          if (at >= 0) waiting.splice(at, 1);
          reject(signal.reason instanceof Error ? signal.reason : new Error('the question was cancelled'));
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        waiting.push(take);
      });
    },
    onInterrupt: (listener) => {
      rl.on('SIGINT', listener);
      process.once('SIGINT', listener);
    },
    close: () => rl.close(),
  };
}
