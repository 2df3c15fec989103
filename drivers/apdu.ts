/**
 * ISO/IEC 7816-4 command and response APDUs, and the one interface every card path implements.
 * The eMRTD code talks to an ApduTransport and never knows whether it is pcscd, vpcd or the in-process card.
 */
import { XacminhError } from './errors.ts';

export interface ApduTransport {
  /** Sends one command APDU and returns the raw response: data followed by SW1 SW2. */
  transmit(apdu: Uint8Array, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
  /** Whether the reader + card path accepts extended-length APDUs (if known). */
  readonly supportsExtendedLength?: boolean;
}

export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  data?: Uint8Array;
  /** Expected response length Ne: undefined = no Le; 256 (short) or 65536 (extended) mean "as many as you have". */
  ne?: number;
}

export interface ResponseApdu {
  data: Uint8Array;
  sw: number;
}

export const SW_OK = 0x9000;

/** Encodes a command, short form when it fits, extended form when needed or forced. */
export function encodeCommand(cmd: CommandApdu, forceExtended = false): Uint8Array {
  const data = cmd.data ?? new Uint8Array(0);
  const nc = data.length;
  const ne = cmd.ne;
  if (nc > 65535) throw new XacminhError('INVALID_INPUT', `APDU data too long: ${nc} bytes`);
  if (ne !== undefined && (ne < 1 || ne > 65536)) throw new XacminhError('INVALID_INPUT', `APDU Ne out of range: ${ne}`);
  const extended = forceExtended || nc > 255 || (ne !== undefined && ne > 256);
  const header = [cmd.cla & 0xff, cmd.ins & 0xff, cmd.p1 & 0xff, cmd.p2 & 0xff];
  const parts: number[] = [...header];
  if (!extended) {
    if (nc > 0) parts.push(nc, ...data);
    if (ne !== undefined) parts.push(ne === 256 ? 0 : ne);
    return Uint8Array.from(parts);
  }
  if (nc > 0) {
    parts.push(0, (nc >> 8) & 0xff, nc & 0xff, ...data);
    if (ne !== undefined) parts.push((ne >> 8) & 0xff, ne & 0xff); // 65536 encodes as 00 00
  } else if (ne !== undefined) {
    parts.push(0, (ne >> 8) & 0xff, ne & 0xff);
  }
  return Uint8Array.from(parts);
}

/** Decodes a command APDU (used by the virtual card). */
export function decodeCommand(raw: Uint8Array): CommandApdu {
  if (raw.length < 4) throw new XacminhError('MALFORMED_DATA', `Command APDU too short: ${raw.length} bytes`);
  const [cla, ins, p1, p2] = [raw[0]!, raw[1]!, raw[2]!, raw[3]!];
  const body = raw.subarray(4);
  if (body.length === 0) return { cla, ins, p1, p2 };
  if (body.length === 1) return { cla, ins, p1, p2, ne: body[0] === 0 ? 256 : body[0]! };
  if (body[0] !== 0) {
    const nc = body[0]!;
    if (body.length === 1 + nc) return { cla, ins, p1, p2, data: body.slice(1) };
    if (body.length === 2 + nc) return { cla, ins, p1, p2, data: body.slice(1, 1 + nc), ne: body[1 + nc] === 0 ? 256 : body[1 + nc]! };
    throw new XacminhError('MALFORMED_DATA', 'Short command APDU length mismatch');
  }
  // Extended form: 00 followed by two bytes.
  if (body.length === 3) {
    const ne = (body[1]! << 8) | body[2]!;
    return { cla, ins, p1, p2, ne: ne === 0 ? 65536 : ne };
  }
  const nc = (body[1]! << 8) | body[2]!;
  if (nc === 0) throw new XacminhError('MALFORMED_DATA', 'Extended command APDU with zero Lc');
  if (body.length === 3 + nc) return { cla, ins, p1, p2, data: body.slice(3) };
  if (body.length === 5 + nc) {
    const ne = (body[3 + nc]! << 8) | body[4 + nc]!;
    return { cla, ins, p1, p2, data: body.slice(3, 3 + nc), ne: ne === 0 ? 65536 : ne };
  }
  throw new XacminhError('MALFORMED_DATA', 'Extended command APDU length mismatch');
}

export function decodeResponse(raw: Uint8Array): ResponseApdu {
  if (raw.length < 2) throw new XacminhError('MALFORMED_DATA', `Response APDU too short: ${raw.length} bytes`);
  return { data: raw.slice(0, raw.length - 2), sw: (raw[raw.length - 2]! << 8) | raw[raw.length - 1]! };
}

export function encodeResponse(resp: ResponseApdu): Uint8Array {
  const out = new Uint8Array(resp.data.length + 2);
  out.set(resp.data, 0);
  out[resp.data.length] = (resp.sw >> 8) & 0xff;
  out[resp.data.length + 1] = resp.sw & 0xff;
  return out;
}
