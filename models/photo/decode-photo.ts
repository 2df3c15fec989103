/**
 * The chip (DG2) photo → packed RGB. ICAO 9303 allows JPEG or JPEG 2000; the format is taken from the
 * magic bytes, never from a header field the card supplies. Damaged or unknown data is MALFORMED_DATA.
 */
import { XacminhError, isXacminhError } from '../../drivers/errors.ts';
import { decodeFrame } from '../../drivers/camera/decode.ts';
import { decodeJpeg2000 } from './jpeg2000.ts';

export type PhotoFormat = 'jpeg' | 'jpeg2000';

export interface DecodedPhoto {
  width: number;
  height: number;
  /** Packed RGB, width × height × 3 (greyscale photos are expanded). */
  rgb: Uint8Array;
  format: PhotoFormat;
}

const JP2_SIGNATURE = Uint8Array.of(0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a);
const J2K_CODESTREAM = Uint8Array.of(0xff, 0x4f, 0xff, 0x51); // SOC then SIZ
const JPEG_SOI = Uint8Array.of(0xff, 0xd8, 0xff);

/** Which decoder the bytes call for, or null when they are neither JPEG nor JPEG 2000. */
export function detectPhotoFormat(bytes: Uint8Array): PhotoFormat | null {
  if (startsWith(bytes, JPEG_SOI)) return 'jpeg';
  if (startsWith(bytes, JP2_SIGNATURE) || startsWith(bytes, J2K_CODESTREAM)) return 'jpeg2000';
  return null;
}

export async function decodeChipPhoto(bytes: Uint8Array): Promise<DecodedPhoto> {
  const format = detectPhotoFormat(bytes);
  if (format === null) {
    throw new XacminhError(
      'MALFORMED_DATA',
      'The chip photo is neither JPEG nor JPEG 2000: the DG2 data is damaged; read the card again',
      { bytes: bytes.length, head: Buffer.from(bytes.subarray(0, 12)).toString('hex') },
    );
  }
  if (format === 'jpeg2000') return { ...(await decodeJpeg2000(bytes)), format };
  try {
    // The camera decoder: sharp (fails on truncation warnings) with the jpeg-js fallback, 3 channels out.
    const frame = await decodeFrame({ jpeg: bytes, width: 1, height: 1, timestamp: 0, sequence: 0 });
    return { width: frame.width, height: frame.height, rgb: frame.rgb, format };
  } catch (error) {
    if (isXacminhError(error, 'MALFORMED_DATA')) {
      throw new XacminhError(
        'MALFORMED_DATA',
        `The JPEG chip photo cannot be decoded (${error.message}): the DG2 data is damaged or truncated; read the card again`,
        { ...error.evidence, bytes: bytes.length },
        { cause: error },
      );
    }
    throw error;
  }
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}
