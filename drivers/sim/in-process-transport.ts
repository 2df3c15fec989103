/**
 * The embedded reader: hands APDUs straight to a simulated card in the same process. remove()/insert()
 * model lifting the card off the reader, so the same removal errors reach the chip code as with pcscd.
 */
import type { ApduTransport } from '../apdu.ts';
import { XacminhError, throwIfCancelled } from '../errors.ts';

export interface SimulatedCard {
  readonly atr: Uint8Array;
  powerOn(): void;
  powerOff(): void;
  reset(): void;
  transmit(apdu: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

export class InProcessTransport implements ApduTransport {
  readonly supportsExtendedLength = true;
  private present = true;

  constructor(private readonly card: SimulatedCard) {
    card.powerOn();
  }

  remove(): void {
    this.present = false;
    this.card.powerOff();
  }

  insert(): void {
    this.present = true;
    this.card.powerOn();
  }

  async transmit(apdu: Uint8Array, options?: { signal?: AbortSignal }): Promise<Uint8Array> {
    throwIfCancelled(options?.signal);
    if (!this.present) throw new XacminhError('CARD_REMOVED', 'The card was removed from the reader');
    // A macrotask per APDU, as a real reader round trip, so progress callbacks and cancellation interleave.
    await new Promise((resolve) => setImmediate(resolve));
    if (!this.present) throw new XacminhError('CARD_REMOVED', 'The card was removed from the reader');
    return Uint8Array.from(await this.card.transmit(apdu));
  }
}
