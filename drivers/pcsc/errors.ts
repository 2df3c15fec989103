/**
 * PC/SC return codes mapped to our error codes. pcsclite reports failures only as message text
 * ("SCardTransmit error: Card was removed.(0x80100069)"), so the code is read back from the message.
 */
import { XacminhError, type ErrorCode } from '../errors.ts';

export const PCSCD_NOT_RUNNING = 'pcscd is not running: start it with `systemctl start pcscd` or `pcscd`';

const CODES: Record<number, [ErrorCode, string]> = {
  0x80100002: ['CANCELLED', 'The PC/SC call was cancelled'], // SCARD_E_CANCELLED
  0x80100003: ['CARD_REMOVED', 'The card connection is no longer valid'], // SCARD_E_INVALID_HANDLE
  0x80100009: ['NO_READER', 'The reader is not known to pcscd'], // SCARD_E_UNKNOWN_READER
  0x8010000a: ['TIMEOUT', 'The reader timed out'], // SCARD_E_TIMEOUT
  0x8010000b: ['READER_BUSY', 'The reader is in use by another application'], // SCARD_E_SHARING_VIOLATION
  0x8010000c: ['NO_CARD', 'There is no card on the reader'], // SCARD_E_NO_SMARTCARD
  0x8010000f: ['UNSUPPORTED', 'The card does not speak T=0 or T=1'], // SCARD_E_PROTO_MISMATCH
  0x80100016: ['CARD_REMOVED', 'The exchange with the card was interrupted'], // SCARD_E_NOT_TRANSACTED
  0x80100017: ['NO_READER', 'The reader was unplugged'], // SCARD_E_READER_UNAVAILABLE
  0x8010001d: ['PCSC_UNAVAILABLE', PCSCD_NOT_RUNNING], // SCARD_E_NO_SERVICE
  0x8010001e: ['PCSC_UNAVAILABLE', `pcscd stopped; ${PCSCD_NOT_RUNNING}`], // SCARD_E_SERVICE_STOPPED
  0x8010002e: ['NO_READER', 'No card reader is connected'], // SCARD_E_NO_READERS_AVAILABLE
  0x80100066: ['NO_CARD', 'The card does not answer (unresponsive card)'], // SCARD_W_UNRESPONSIVE_CARD
  0x80100067: ['CARD_REMOVED', 'The card was powered down'], // SCARD_W_UNPOWERED_CARD
  0x80100068: ['CARD_REMOVED', 'The card was reset by another application'], // SCARD_W_RESET_CARD
  0x80100069: ['CARD_REMOVED', 'The card was removed from the reader'], // SCARD_W_REMOVED_CARD
};

/** The PC/SC return code inside a pcsclite error message, if any. */
export function pcscReturnCode(error: unknown): number | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const hex = /0x([0-9a-f]{8})/i.exec(message)?.[1];
  return hex === undefined ? undefined : Number.parseInt(hex, 16);
}

/** Turns a pcsclite error into a typed error, keeping the PC/SC code and the original message as evidence. */
export function pcscError(error: unknown, context: string): XacminhError {
  if (error instanceof XacminhError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = pcscReturnCode(error);
  const known = code === undefined ? undefined : CODES[code];
  const evidence = { context, message, ...(code === undefined ? {} : { pcsc: `0x${code.toString(16).padStart(8, '0')}` }) };
  if (known) return new XacminhError(known[0], `${known[1]} (${context})`, evidence, { cause: error });
  if (/not connected/i.test(message)) return new XacminhError('CARD_REMOVED', `The card is no longer connected (${context})`, evidence, { cause: error });
  return new XacminhError('CARD_ERROR', `${context}: ${message}`, evidence, { cause: error });
}
