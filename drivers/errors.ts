/**
 * Typed errors shared by every driver. Each carries a stable `code` the agent and the CLI switch on,
 * and the evidence (status word, offset, reader name) that explains it, as JMRTD's CardServiceException(sw) does.
 */
export type ErrorCode =
  | 'NO_READER' // no PC/SC reader, or the named one is absent
  | 'NO_CARD' // reader present, no card on it
  | 'CARD_REMOVED' // card left the field during an operation
  | 'READER_BUSY' // another process holds the reader exclusively
  | 'TIMEOUT' // the card or reader did not answer in time
  | 'PCSC_UNAVAILABLE' // pcscd is not running or the library cannot reach it
  | 'ACCESS_DENIED' // BAC/PACE refused: the access key (ID number, MRZ) is wrong
  | 'SECURITY_NOT_SATISFIED' // 6982: the file needs an access right we do not have (e.g. DG3 needs EAC)
  | 'FILE_NOT_FOUND' // 6A82
  | 'CARD_ERROR' // any other unexpected status word
  | 'SM_INVALID_MAC' // a secure-messaging response failed its MAC check: never treated as data
  | 'SM_MALFORMED' // a secure-messaging response is structurally wrong
  | 'MALFORMED_DATA' // a TLV, data group or card answer cannot be parsed
  | 'UNSUPPORTED' // the card asks for a protocol or algorithm we do not implement
  | 'INVALID_INPUT' // bad operator input (ID number, MRZ, QR text)
  | 'CANCELLED'
  | 'CAMERA_UNAVAILABLE' // the camera process died, could not start, or the device/URL is gone
  | 'CAMERA_STALLED' // the camera delivered no frame for longer than its stall timeout
  | 'FRAME_TOO_LARGE' // a camera frame exceeded the byte limit: dropped, the parser resyncs
  | 'MODEL_INVALID' // a face model file is missing, altered (SHA-256 mismatch) or cannot be loaded
  | 'NO_FACE' // no usable face in an image where one is required (e.g. the chip photo)
  | 'CONFIG_INVALID' // a config or site profile file is missing a field, has a wrong value or does not parse
  | 'BROKER_UNAVAILABLE' // the MQTT broker cannot be reached or refused the connection
  | 'BROKER_REFUSED' // the broker rejected credentials or a publish (ACL)
  | 'OUTBOX_FULL' // the durable event outbox reached its bound: new events are refused, never dropped silently
  | 'STORAGE_FAILED' // the register or outbox database cannot be written (disk full, read-only, corrupt)
  | 'NATIVE_MODULE' // a native module (better-sqlite3, pcsclite…) was built for another Node.js or platform: rebuild it
  | 'REGISTER_TAMPERED' // the register's hash chain or signatures do not verify
  | 'REGISTER_MISSING' // the data dir's marker names a register, but its database is gone or empty: restore it, or --new-register
  | 'REGISTER_REPLACED' // the database is not the register the marker names (another genesis): restore it, or --new-register
  | 'SERIAL_UNAVAILABLE' // the serial port (QR scanner, Firmata board) is absent or was unplugged
  | 'GPIO_UNAVAILABLE' // GPIO is not available on this machine (e.g. a PC): indicators fall back to logging
  | 'BUSY'; // a verification is already running

export class XacminhError extends Error {
  readonly code: ErrorCode;
  /** Named `evidence`, not `details`: uvu's reporter reads `details` as its own diff text and hides the failure. */
  readonly evidence: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, evidence: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'XacminhError';
    this.code = code;
    this.evidence = evidence;
  }
}

/** A card answered a command with a status word other than 9000. */
export class StatusWordError extends XacminhError {
  readonly sw: number;
  constructor(code: ErrorCode, sw: number, message: string, details: Record<string, unknown> = {}) {
    super(code, `${message} (SW ${formatSw(sw)})`, { ...details, sw: formatSw(sw) });
    this.name = 'StatusWordError';
    this.sw = sw;
  }
}

export function formatSw(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}

export function isXacminhError(error: unknown, code?: ErrorCode): error is XacminhError {
  return error instanceof XacminhError && (code === undefined || error.code === code);
}

/** Throws CANCELLED if the signal has fired; call between APDUs so a cancel lands promptly. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new XacminhError('CANCELLED', 'Operation cancelled', { reason: String(signal.reason ?? '') });
}
