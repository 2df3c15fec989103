/**
 * Reads transparent files in as few APDUs as the card allows: the first READ BINARY uses the file's short
 * file identifier (it selects the file too), and asks for a whole block at once, so a small file costs one
 * APDU; the TLV header in that first block tells the file's length and so how many more blocks to fetch.
 */
import { encodeCommand, type CommandApdu } from '../apdu.ts';
import { StatusWordError, XacminhError } from '../errors.ts';
import { codeForStatusWord, type CardSession } from './card-session.ts';
import type { LdsFile } from './files.ts';
import { peekTlvLength, readTlv } from './tlv.ts';

/** The largest plain READ BINARY that fits a short APDU once secure messaging adds its overhead. */
export const SHORT_SM_READ_SIZE = 223;
/** The largest extended read we ask for: big enough for any data group in one or two APDUs. */
export const EXTENDED_READ_SIZE = 0xff00; // leaves room for the SM overhead within a 65,536-byte response
/** READ BINARY P1-P2 offsets are 15 bits; beyond, the B1 form with an offset data object is needed. */
const MAX_B0_OFFSET = 0x7fff;
/**
 * The largest file length a chip may announce. A DG2 portrait is 15–30 KB on a CCCD (tens of KB with
 * several images on a passport), certificates and SODs a few KB; 1 MiB is thirty times the biggest real
 * file and still small to hold. A larger announcement is a broken or hostile chip, refused before allocating.
 */
export const MAX_FILE_LENGTH = 1 << 20;
const SW_OK = 0x9000;
const SW_END_OF_FILE = 0x6282;

export interface ReadStrategy {
  /** Plain bytes asked per READ BINARY. */
  readSize: number;
  /** Select by READ BINARY with SFI (saves one APDU a file) rather than SELECT by FID. */
  useSfi: boolean;
}

export interface FileProgress {
  file: string;
  bytesRead: number;
  fileLength: number | undefined;
}

/**
 * The card rejected a read shape (length or SFI). Under secure messaging the chip may have dropped the
 * session, so the caller re-establishes access and retries with `next`.
 */
export class ReadShapeRejected extends XacminhError {
  constructor(
    readonly next: ReadStrategy,
    cause: unknown,
  ) {
    super('CARD_ERROR', `Card rejected the read shape; retrying with ${next.readSize}-byte reads${next.useSfi ? '' : ' and SELECT'}`, {}, { cause });
  }
}

/**
 * A READ BINARY by short file identifier refused (P1 = 0x80 | SFI). Chips that do not implement SFI answer
 * 6A82, 6A86, 6981, 6D00 or 6E00 to it; `next` selects files by FID instead, at the same read size. 6A82 is
 * ambiguous (it is also what an SFI-capable chip answers for a file it lacks): the SELECT then tells which.
 */
export class SfiRefused extends ReadShapeRejected {
  constructor(
    strategy: ReadStrategy,
    readonly sw: number,
    cause: unknown,
  ) {
    super({ ...strategy, useSfi: false }, cause);
  }
}

const SFI_REFUSALS = new Set([0x6a82, 0x6a86, 0x6981, 0x6d00, 0x6e00]);

const READ_SIZE_LADDER = [EXTENDED_READ_SIZE, 4096, 1024, 256, SHORT_SM_READ_SIZE, 160, 112];

/** The next, more conservative strategy; undefined when nothing smaller is left. */
export function stepDown(strategy: ReadStrategy): ReadStrategy | undefined {
  const smaller = READ_SIZE_LADDER.find((size) => size < strategy.readSize);
  if (smaller !== undefined) return { ...strategy, readSize: smaller };
  if (strategy.useSfi) return { readSize: READ_SIZE_LADDER[0]!, useSfi: false };
  return undefined;
}

export function initialStrategy(options: { extendedLength: boolean; maxReadSize?: number; useSfi?: boolean }): ReadStrategy {
  const ceiling = options.maxReadSize ?? (options.extendedLength ? EXTENDED_READ_SIZE : SHORT_SM_READ_SIZE);
  return { readSize: ceiling, useSfi: options.useSfi ?? true };
}

export async function selectFile(session: CardSession, fid: number): Promise<void> {
  const response = await session.send({ cla: 0x00, ins: 0xa4, p1: 0x02, p2: 0x0c, data: Uint8Array.of(fid >> 8, fid & 0xff) });
  if (response.sw !== SW_OK) throw new StatusWordError(codeForStatusWord(response.sw), response.sw, `Selecting file ${fid.toString(16).padStart(4, '0')} failed`);
}

/** Reads a whole LDS file. Throws ReadShapeRejected when a smaller or SELECT-based read should be tried. */
export async function readFile(
  session: CardSession,
  file: LdsFile,
  strategy: ReadStrategy,
  onProgress?: (progress: FileProgress) => void,
): Promise<Uint8Array> {
  if (!strategy.useSfi) await selectFile(session, file.fid);
  const first = await readBlock(session, file, 0, strategy, strategy.useSfi);
  const header = peekTlvLength(first);
  if (!header) throw new XacminhError('MALFORMED_DATA', `${file.name} does not start with a TLV header`, { file: file.name });
  const total = header.headerLength + header.valueLength;
  if (total > MAX_FILE_LENGTH) {
    throw new XacminhError('MALFORMED_DATA', `${file.name} announces ${total} bytes, more than the ${MAX_FILE_LENGTH} any genuine file needs: the chip is faulty or not genuine`, { file: file.name, announced: total });
  }
  const content = new Uint8Array(total);
  content.set(first.subarray(0, Math.min(first.length, total)));
  let offset = Math.min(first.length, total);
  onProgress?.({ file: file.name, bytesRead: offset, fileLength: total });
  while (offset < total) {
    const block = await readBlock(session, file, offset, { ...strategy, readSize: Math.min(strategy.readSize, total - offset) }, false);
    if (block.length === 0) throw new XacminhError('MALFORMED_DATA', `${file.name} ended at ${offset} of ${total} bytes`, { file: file.name });
    content.set(block.subarray(0, total - offset), offset);
    offset += Math.min(block.length, total - offset);
    onProgress?.({ file: file.name, bytesRead: offset, fileLength: total });
  }
  readTlv(content); // the whole file must be one well-formed TLV
  return content;
}

function readCommand(file: LdsFile, offset: number, size: number, viaSfi: boolean): CommandApdu {
  if (viaSfi) return { cla: 0x00, ins: 0xb0, p1: 0x80 | file.sfi, p2: offset, ne: size };
  if (offset <= MAX_B0_OFFSET) return { cla: 0x00, ins: 0xb0, p1: offset >> 8, p2: offset & 0xff, ne: size };
  // Offsets above 32767: READ BINARY B1 with offset DO'54'; the answer comes wrapped in DO'53'.
  const offsetDo = Uint8Array.of(0x54, 0x03, (offset >> 16) & 0xff, (offset >> 8) & 0xff, offset & 0xff);
  return { cla: 0x00, ins: 0xb1, p1: 0x00, p2: 0x00, data: offsetDo, ne: Math.min(size + 4, 65536) };
}

async function readBlock(session: CardSession, file: LdsFile, offset: number, strategy: ReadStrategy, viaSfi: boolean): Promise<Uint8Array> {
  const command = readCommand(file, offset, strategy.readSize, viaSfi);
  let response;
  try {
    encodeCommand(command); // reject impossible shapes before they reach the card
    response = await session.send(command);
  } catch (error) {
    if (isShapeProblem(error, strategy)) throw rejectShape(strategy, error);
    throw error;
  }
  if (response.sw === SW_OK || response.sw === SW_END_OF_FILE) {
    return command.ins === 0xb1 ? readTlv(response.data).value : response.data;
  }
  if (viaSfi && SFI_REFUSALS.has(response.sw)) {
    throw new SfiRefused(strategy, response.sw, new StatusWordError(codeForStatusWord(response.sw), response.sw, `Reading ${file.name} by its SFI`));
  }
  if (isLengthStatus(response.sw)) {
    throw rejectShape(strategy, new StatusWordError('CARD_ERROR', response.sw, `Reading ${file.name}`));
  }
  throw new StatusWordError(codeForStatusWord(response.sw), response.sw, `Reading ${file.name} at offset ${offset}`, { file: file.name });
}

/** 6700 wrong length, 6Cxx wrong Le, 6B00 offset beyond the file, 6988 / 6987 SM objects rejected. */
function isLengthStatus(sw: number): boolean {
  return sw === 0x6700 || (sw & 0xff00) === 0x6c00 || sw === 0x6988 || sw === 0x6987;
}

/** Transport-level failures at a large read size are most likely the reader refusing the APDU size. */
function isShapeProblem(error: unknown, strategy: ReadStrategy): boolean {
  if (!(error instanceof XacminhError)) return false;
  if (error.code === 'CARD_REMOVED' || error.code === 'CANCELLED' || error.code === 'NO_CARD') return false;
  return strategy.readSize > SHORT_SM_READ_SIZE && (error.code === 'CARD_ERROR' || error.code === 'INVALID_INPUT');
}

function rejectShape(strategy: ReadStrategy, cause: unknown): XacminhError {
  const next = stepDown(strategy);
  if (!next) return cause instanceof XacminhError ? cause : new XacminhError('CARD_ERROR', 'Card refused every read size', {}, { cause });
  return new ReadShapeRejected(next, cause);
}
