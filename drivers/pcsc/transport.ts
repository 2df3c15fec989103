/**
 * One connected card on a PC/SC reader, as an ApduTransport. T=0 details (61xx GET RESPONSE, 6Cxx
 * wrong Le) are handled here so the chip code sees one complete answer per command.
 */
import type { ApduTransport } from '../apdu.ts';
import { XacminhError, throwIfCancelled } from '../errors.ts';
import { pcscError } from './errors.ts';
import type { CardReader } from './pcsclite-types.ts';

/** Room for the largest extended-length answer: 65,536 data bytes and the status word. */
export const MAX_RESPONSE = 65538;
/** 4-byte header, 3-byte Lc, 65,535 data bytes, 2-byte Le: the longest command ISO 7816-4 allows. */
const MAX_COMMAND = 4 + 3 + 65535 + 2;
/** Enough 256-byte GET RESPONSE rounds to fetch a full extended-length answer from a T=0 card. */
const MAX_GET_RESPONSE_ROUNDS = 260;
/**
 * pcscd often reports a mid-APDU removal as a generic failure before the status change, which comes with
 * its next presence poll (every 400 ms for polled drivers such as vpcd) plus the status thread's delay.
 */
const REMOVAL_GRACE_MS = 1500;
const DISCONNECT_WAIT_MS = 3000;

export interface PcscTransportOptions {
  /** Per-APDU limit; the native call cannot be aborted, its late answer is dropped. */
  timeoutMs?: number;
  /** Told when the caller disconnects, so the context can allow a new connection. */
  onDisconnect?: () => void;
}

export class PcscTransport implements ApduTransport {
  /** Unknown for a real reader until tried: the file reader learns it and falls back on failure. */
  readonly supportsExtendedLength: boolean | undefined = undefined;
  private state: 'open' | 'removed' | 'disconnected' = 'open';
  /** Serializes exchanges: a GET RESPONSE chain must not interleave with another command. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly timeoutMs: number;

  constructor(
    private readonly cardReader: CardReader,
    private readonly protocol: number,
    readonly atr: Uint8Array,
    private readonly options: PcscTransportOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  get reader(): string {
    return this.cardReader.name;
  }

  /** False once the card was removed or the caller disconnected. */
  get connected(): boolean {
    return this.state === 'open';
  }

  /** Called by the context when the reader reports the card (or the reader itself) gone. */
  markRemoved(): void {
    if (this.state === 'open') this.state = 'removed';
  }

  transmit(apdu: Uint8Array, options?: { signal?: AbortSignal }): Promise<Uint8Array> {
    if (!(apdu instanceof Uint8Array) || apdu.length < 4 || apdu.length > MAX_COMMAND) {
      return Promise.reject(new XacminhError('INVALID_INPUT', `Not a command APDU: ${apdu?.length ?? 'no'} bytes`));
    }
    const run = () => this.exchange(apdu, options?.signal);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async exchange(apdu: Uint8Array, signal: AbortSignal | undefined): Promise<Uint8Array> {
    let response = await this.once(apdu, signal);
    if (sw1(response) === 0x6c && hasShortLe(apdu)) {
      // Wrong Le: resend the same command with the Le the card asked for.
      const retry = apdu.slice();
      retry[retry.length - 1] = response[response.length - 1]!;
      response = await this.once(retry, signal);
    }
    const chunks: Uint8Array[] = [];
    for (let round = 0; sw1(response) === 0x61; round++) {
      if (round >= MAX_GET_RESPONSE_ROUNDS) throw new XacminhError('CARD_ERROR', 'The card keeps answering 61xx: giving up on GET RESPONSE', { rounds: round });
      chunks.push(response.subarray(0, response.length - 2));
      // GET RESPONSE goes on the command's logical channel (interindustry CLA), unprotected.
      const cla = (apdu[0]! & 0x80) === 0 ? apdu[0]! & 0x03 : 0x00;
      response = await this.once(Uint8Array.of(cla, 0xc0, 0x00, 0x00, response[response.length - 1]!), signal);
    }
    if (chunks.length === 0) return response;
    chunks.push(response);
    return new Uint8Array(Buffer.concat(chunks));
  }

  private once(apdu: Uint8Array, signal: AbortSignal | undefined): Promise<Uint8Array> {
    throwIfCancelled(signal);
    if (this.state === 'removed') return Promise.reject(this.removedError());
    if (this.state === 'disconnected') return Promise.reject(new XacminhError('CARD_REMOVED', `Not connected to the card on ${this.reader} (disconnected)`));
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
      const onAbort = () => finish(new XacminhError('CANCELLED', 'Operation cancelled', { reader: this.reader }));
      const timer = setTimeout(
        () => finish(new XacminhError('TIMEOUT', `The card on ${this.reader} did not answer within ${this.timeoutMs} ms`, { reader: this.reader, timeoutMs: this.timeoutMs })),
        this.timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.cardReader.transmit(Buffer.from(apdu), MAX_RESPONSE, this.protocol, (err, data) => {
          // Runs on a native callback: nothing in here may throw.
          try {
            if (!err && data && data.length >= 2) return finish(undefined, new Uint8Array(data));
            // An empty answer is what vpcd gives when the card leaves mid-command.
            this.explainFailure(err ?? new Error(`The reader returned ${data?.length ?? 0} bytes`)).then(
              (error) => finish(error),
              (error: unknown) => finish(pcscError(error, `transmit on ${this.reader}`)),
            );
          } catch (error) {
            finish(pcscError(error, `transmit on ${this.reader}`));
          }
        });
      } catch (error) {
        finish(pcscError(error, `transmit on ${this.reader}`));
      }
    });
  }

  /**
   * A card lifted mid-APDU often fails as "transaction failed" before pcscd reports the removal: give the
   * status event a moment, so the operator is told the card moved, not a riddle.
   */
  private async explainFailure(err: unknown): Promise<XacminhError> {
    const mapped = pcscError(err, `transmit on ${this.reader}`);
    if (mapped.code === 'CARD_REMOVED') {
      // pcscd invalidates the handle on a removal or reset: this connection is over, a new one is needed.
      this.markRemoved();
      return mapped;
    }
    if (mapped.code === 'READER_BUSY') return mapped;
    const deadline = Date.now() + REMOVAL_GRACE_MS;
    while (this.state === 'open' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    return this.state === 'removed' ? this.removedError(err) : mapped;
  }

  private removedError(cause?: unknown): XacminhError {
    return new XacminhError('CARD_REMOVED', `The card was removed from ${this.reader}`, { reader: this.reader }, cause === undefined ? undefined : { cause });
  }

  /** Ends the connection and powers the card down (drops any secure-messaging session on it). */
  disconnect(): Promise<void> {
    const wasConnected = this.cardReader.connected;
    this.state = 'disconnected';
    this.options.onDisconnect?.();
    if (!wasConnected) return Promise.resolve();
    return new Promise((resolve) => {
      // A transmit stuck in the driver holds the reader's lock: do not wait for it forever.
      const timer = setTimeout(resolve, DISCONNECT_WAIT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      try {
        this.cardReader.disconnect(this.cardReader.SCARD_UNPOWER_CARD, () => done());
      } catch {
        done();
      }
    });
  }
}

function sw1(response: Uint8Array): number {
  return response[response.length - 2]!;
}

/** A short command whose last byte is Le (case 2 or case 4): the only form a 6Cxx retry applies to. */
function hasShortLe(apdu: Uint8Array): boolean {
  if (apdu.length === 5) return true;
  const lc = apdu[4]!;
  return lc !== 0 && apdu.length === 6 + lc;
}
