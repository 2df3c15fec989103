/** Helpers for the PACE/BAC tests: a scripted card and a queue of injected random values. */
import type { CommandApdu, ResponseApdu } from '../../apdu.ts';
import { decodeResponse, encodeCommand } from '../../apdu.ts';
import { fromHex, hex } from '../crypto/bytes.ts';

/** Random source that hands out the given values in order (exact lengths), then fails loudly. */
export function queuedRandom(...values: string[]): (n: number) => Uint8Array {
  const queue = values.map(fromHex);
  return (n) => {
    const next = queue.shift();
    if (!next) throw new Error(`random queue exhausted (asked for ${n} bytes)`);
    if (next.length !== n) throw new Error(`random queue: asked for ${n} bytes, next value has ${next.length}`);
    return next;
  };
}

/** A transport that answers from a script and records the encoded commands it was sent. */
export function scriptedCard(responses: string[]): { send: (c: CommandApdu) => Promise<ResponseApdu>; sent: string[] } {
  const sent: string[] = [];
  const queue = [...responses];
  return {
    sent,
    send: (command) => {
      sent.push(hex(encodeCommand(command)));
      const next = queue.shift();
      if (next === undefined) return Promise.reject(new Error('script exhausted'));
      return Promise.resolve(decodeResponse(fromHex(next)));
    },
  };
}
