/**
 * One connected card on a PC/SC reader, as an ApduTransport. T=0 details (61xx GET RESPONSE, 6Cxx
 * wrong Le) are handled here so the chip code sees one complete answer per command.
 */
import type { ApduTransport } from '../apdu.ts';
import { XacminhError, throwIfCancelled } from '../errors.ts';
import { pcscError } from './errors.ts';
import type { CardReader } from './pcsclite-types.ts';

/** Room for the largest extended-length answer: 65,536 data bytes and the status word. */
const MAX_RESPONSE = 65538;
const MAX_GET_RESPONSE_ROUNDS = 64;
const REMOVAL_GRACE_MS = 500;

export class PcscTransport implements ApduTransport {
  /** Unknown for a real reader until tried: the file reader learns it and falls back on failure. */
  readonly supportsExtendedLength: boolean | undefined = undefined;
  private removed = false;

  constructor(
    private readonly cardReader: CardReader,
    private readonly protocol: number,
    readonly atr: Uint8Array,
    private readonly timeoutMs = 10_000,
  ) {}

  get reader(): string {
    return this.cardReader.name;
  }

  /** Called by the context when the reader reports the card gone. */
  markRemoved(): void {
    this.removed = true;
  }

  async transmit(apdu: Uint8Array, options?: { signal?: AbortSignal }): Promise<Uint8Array> {
    let response = await this.once(apdu, options?.signal);
    let sw1 = response[response.length - 2];
    if (sw1 === 0x6c && apdu.length >= 5) {
      // Wrong Le: resend with the Le the card asked for (short APDUs only, as T=0 has them).
      const retry = apdu.slice();
      retry[retry.length - 1] = response[response.length - 1]!;
      response = await this.once(retry, options?.signal);
      sw1 = response[response.length - 2];
    }
    const chunks: Uint8Array[] = [];
    for (let round = 0; sw1 === 0x61; round++) {
      if (round >= MAX_GET_RESPONSE_ROUNDS) throw new XacminhError('CARD_ERROR', 'The card keeps answering 61xx: giving up on GET RESPONSE');
      chunks.push(response.subarray(0, response.length - 2));
      response = await this.once(Uint8Array.of(0x00, 0xc0, 0x00, 0x00, response[response.length - 1]!), options?.signal);
      sw1 = response[response.length - 2];
    }
    if (chunks.length === 0) return response;
    return Uint8Array.from([...chunks.flatMap((c) => [...c]), ...response]);
  }

  private once(apdu: Uint8Array, signal: AbortSignal | undefined): Promise<Uint8Array> {
    throwIfCancelled(signal);
    if (this.removed) return Promise.reject(new XacminhError('CARD_REMOVED', `The card was removed from ${this.reader}`));
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error: XacminhError | undefined, data?: Uint8Array) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(data!);
      };
      const onAbort = () => finish(new XacminhError('CANCELLED', 'Operation cancelled'));
      const timer = setTimeout(() => finish(new XacminhError('TIMEOUT', `The card on ${this.reader} did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.cardReader.transmit(Buffer.from(apdu), MAX_RESPONSE, this.protocol, (err, data) => {
          if (data && data.length >= 2 && !err) return finish(undefined, new Uint8Array(data));
          // An empty answer is what vpcd gives when the card leaves mid-command.
          void this.explainFailure(err ?? new Error(`The reader returned ${data?.length ?? 0} bytes`)).then((error) => finish(error));
        });
      } catch (error) {
        finish(pcscError(error, `transmit on ${this.reader}`));
      }
    });
  }

  /**
   * A card lifted mid-APDU often fails as a generic "transaction failed" before pcscd reports the
   * removal: give the status event a moment, so the operator is told the card moved, not a riddle.
   */
  private async explainFailure(err: unknown): Promise<XacminhError> {
    const deadline = Date.now() + REMOVAL_GRACE_MS;
    while (!this.removed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    return this.removed ? new XacminhError('CARD_REMOVED', `The card was removed from ${this.reader}`, {}, { cause: err }) : pcscError(err, `transmit on ${this.reader}`);
  }

  disconnect(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.cardReader.disconnect(this.cardReader.SCARD_UNPOWER_CARD, () => resolve());
      } catch {
        resolve();
      }
    });
  }
}
