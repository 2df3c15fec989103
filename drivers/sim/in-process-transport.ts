/**
 * The embedded reader: hands APDUs straight to a simulated card in the same process. remove()/insert()
 * model lifting the card off the reader, so the same removal errors reach the chip code as with pcscd.
 */
import type { ApduTransport } from '../apdu.ts';
import { XacminhError, throwIfCancelled } from '../errors.ts';

/** What a virtual card offers a reader: the same for the in-process path and for vpcd. */
export interface SimulatedCard {
  readonly atr: Uint8Array;
  powerOn(): void;
  powerOff(): void;
  /** Warm reset; a card without one is powered off and on. */
  reset?(): void;
  transmit(apdu: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

export class InProcessTransport implements ApduTransport {
  readonly supportsExtendedLength = true;
  private present = true;

  constructor(private readonly card: SimulatedCard) {
    card.powerOn();
  }

  get inserted(): boolean {
    return this.present;
  }

  remove(): void {
    if (!this.present) return;
    this.present = false;
    this.card.powerOff();
  }

  insert(): void {
    if (this.present) return;
    this.present = true;
    this.card.powerOn();
  }

  async transmit(apdu: Uint8Array, options?: { signal?: AbortSignal }): Promise<Uint8Array> {
    throwIfCancelled(options?.signal);
    if (!this.present) throw removed();
    // A macrotask per APDU, as a real reader round trip, so progress callbacks and cancellation interleave.
    await new Promise((resolve) => setImmediate(resolve));
    throwIfCancelled(options?.signal);
    if (!this.present) throw removed();
    const response = Uint8Array.from(await this.card.transmit(apdu));
    // Lifted while the card was working: the reader never delivers that answer.
    if (!this.present) throw removed();
    return response;
  }
}

function removed(): XacminhError {
  return new XacminhError('CARD_REMOVED', 'The card was removed from the reader', { reader: 'in-process' });
}
