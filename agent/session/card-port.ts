/**
 * Where cards come from, as the session sees it: a card arrives with a transport and a signal that fires
 * when it leaves the reader. The PC/SC reader and the simulated reader both look like this.
 */
import { EventEmitter } from 'node:events';
import type { ApduTransport } from '../../drivers/apdu.ts';
import type { XacminhError } from '../../drivers/errors.ts';

export interface CardHandle {
  readonly transport: ApduTransport;
  readonly readerName: string;
  /** Fires when the card is lifted off the reader. */
  readonly removed: AbortSignal;
  /** Ends the session with the card (disconnect); idempotent. */
  release(): Promise<void>;
}

export interface CardPortEvents {
  card: [handle: CardHandle];
  /** The reader side failed (pcscd gone, reader unplugged): the session shows 'offline' until 'ready'. */
  fault: [error: XacminhError];
  ready: [];
}

export interface CardPort extends EventEmitter<CardPortEvents> {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A removal signal plus the function that fires it, for ports that learn of removal by an event. */
export function removalSignal(): { signal: AbortSignal; fire: () => void } {
  const controller = new AbortController();
  return { signal: controller.signal, fire: () => controller.abort('card removed') };
}

export abstract class BaseCardPort extends EventEmitter<CardPortEvents> implements CardPort {
  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
}
