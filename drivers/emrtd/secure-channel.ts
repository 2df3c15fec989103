/**
 * The secure-messaging contract (ICAO 9303 Part 11 §9.8). BAC, PACE and Chip Authentication each end by
 * returning a SecureChannel; the card session installs it (as JMRTD's doBAC → setWrapper).
 */
import type { CommandApdu, ResponseApdu } from '../apdu.ts';

export type SmCipher = '3DES' | 'AES';

/** Terminal side: protects commands and verifies responses. Keeps its own send-sequence counter. */
export interface SecureChannel {
  readonly cipher: SmCipher;
  /** Wraps a plain command into its SM form (CLA | 0x0C, DO'87'/'85', DO'97', DO'8E'). */
  wrap(command: CommandApdu): CommandApdu;
  /** Verifies the MAC and decrypts; throws SM_INVALID_MAC / SM_MALFORMED, never returns unverified data. */
  unwrap(response: ResponseApdu): ResponseApdu;
}

/** Chip side, used by the virtual card: the mirror image of SecureChannel. */
export interface ChipSecureChannel {
  readonly cipher: SmCipher;
  unwrapCommand(command: CommandApdu): CommandApdu;
  wrapResponse(response: ResponseApdu): ResponseApdu;
}

export interface SessionKeys {
  cipher: SmCipher;
  kEnc: Uint8Array;
  kMac: Uint8Array;
  /** Initial send-sequence counter: 8 bytes for 3DES (from BAC nonces), 16 zero bytes for AES (PACE). */
  ssc: Uint8Array;
}
