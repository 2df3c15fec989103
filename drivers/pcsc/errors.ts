/** PC/SC return codes (pcsclite puts them in its error messages) mapped to our error codes. */
import { XacminhError, type ErrorCode } from '../errors.ts';

const CODES: Record<number, [ErrorCode, string]> = {
  0x80100069: ['CARD_REMOVED', 'The card was removed from the reader'],
  0x80100068: ['CARD_REMOVED', 'The card was reset by another application'],
  0x8010000c: ['NO_CARD', 'There is no card on the reader'],
  0x80100066: ['NO_CARD', 'The card does not answer (unresponsive card)'],
  0x8010000b: ['READER_BUSY', 'The reader is in use by another application'],
  0x8010001d: ['PCSC_UNAVAILABLE', 'pcscd is not running: start it with `systemctl start pcscd` or `pcscd`'],
  0x8010002e: ['NO_READER', 'No card reader is connected'],
  0x80100009: ['NO_READER', 'The reader is not known to pcscd'],
  0x80100017: ['NO_READER', 'The reader was unplugged'],
  0x8010000a: ['TIMEOUT', 'The reader timed out'],
};

/** Turns a pcsclite error into a typed error, keeping the PC/SC code and the original message. */
export function pcscError(error: unknown, context: string): XacminhError {
  const message = error instanceof Error ? error.message : String(error);
  const hex = /0x([0-9a-f]{8})/i.exec(message)?.[1];
  const code = hex ? Number.parseInt(hex, 16) : undefined;
  const known = code === undefined ? undefined : CODES[code];
  if (known) return new XacminhError(known[0], `${known[1]} (${context})`, { pcsc: `0x${hex}`, message }, { cause: error });
  if (/not connected/i.test(message)) return new XacminhError('CARD_REMOVED', `The card is no longer connected (${context})`, { message }, { cause: error });
  return new XacminhError('CARD_ERROR', `${context}: ${message}`, { message }, { cause: error });
}
