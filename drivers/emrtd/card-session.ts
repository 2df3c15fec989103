/**
 * One conversation with a chip: sends commands through an ApduTransport, through the installed secure
 * channel once an access protocol has set one up, and counts what crossed the wire (for the benchmark).
 */
import { decodeResponse, encodeCommand, SW_OK, type ApduTransport, type CommandApdu, type ResponseApdu } from '../apdu.ts';
import { StatusWordError, throwIfCancelled, type ErrorCode } from '../errors.ts';
import type { SecureChannel } from './secure-channel.ts';

export interface WireStats {
  apdus: number;
  bytesSent: number;
  bytesReceived: number;
}

export class CardSession {
  private channel: SecureChannel | undefined;
  readonly stats: WireStats = { apdus: 0, bytesSent: 0, bytesReceived: 0 };

  constructor(
    readonly transport: ApduTransport,
    private readonly signal?: AbortSignal,
  ) {}

  get secureChannel(): SecureChannel | undefined {
    return this.channel;
  }

  /** Installs the channel an access protocol returned; every later command goes through it. */
  installSecureChannel(channel: SecureChannel | undefined): void {
    this.channel = channel;
  }

  /** Sends a command (protected if a channel is installed) and returns the verified plain response. */
  async send(command: CommandApdu): Promise<ResponseApdu> {
    const wire = this.channel ? this.channel.wrap(command) : command;
    const response = await this.sendPlain(wire);
    return this.channel ? this.channel.unwrap(response) : response;
  }

  /** Sends a command as is, bypassing secure messaging (access protocols use this). */
  readonly sendPlain = async (command: CommandApdu): Promise<ResponseApdu> => {
    throwIfCancelled(this.signal);
    const apdu = encodeCommand(command);
    const raw = await this.transport.transmit(apdu, this.signal ? { signal: this.signal } : undefined);
    this.stats.apdus += 1;
    this.stats.bytesSent += apdu.length;
    this.stats.bytesReceived += raw.length;
    return decodeResponse(raw);
  };
}

/** Status words worth their own error code; the rest become CARD_ERROR. */
const SW_CODES: ReadonlyMap<number, ErrorCode> = new Map([
  [0x6982, 'SECURITY_NOT_SATISFIED'],
  [0x6a82, 'FILE_NOT_FOUND'],
  [0x6a83, 'FILE_NOT_FOUND'],
]);

export function codeForStatusWord(sw: number): ErrorCode {
  return SW_CODES.get(sw) ?? 'CARD_ERROR';
}

/** Throws a typed error unless the card answered 9000. */
export function expectOk(response: ResponseApdu, what: string): ResponseApdu {
  if (response.sw !== SW_OK) throw new StatusWordError(codeForStatusWord(response.sw), response.sw, `${what} failed`);
  return response;
}
