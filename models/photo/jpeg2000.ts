/**
 * JPEG 2000 (JP2 file or raw J2K codestream) → packed 8-bit RGB through the WASM OpenJPEG build in
 * @cornerstonejs/codec-openjpeg. The module is loaded once and kept; it never throws on bad input, it prints
 * "[ERROR] …" and leaves the frame empty, so its print hooks are captured per decode (which also silences
 * its "[INFO]" chatter) and turned into MALFORMED_DATA.
 */
import { createRequire } from 'node:module';
import { XacminhError } from '../../drivers/errors.ts';

/** The slice of the Emscripten module we use (the package ships no type declarations). */
interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
}
interface J2KDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  getColorSpace(): number;
  delete(): void;
}
interface OpenJpegModule {
  J2KDecoder: new () => J2KDecoder;
}
type OpenJpegFactory = (overrides: { print: (line: string) => void; printErr: (line: string) => void }) => Promise<OpenJpegModule>;

export interface Rgb8 {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** Refuse images above this many pixels: a chip photo is ~480×640, a hostile header can claim far more. */
export const MAX_JPEG2000_PIXELS = 4096 * 4096;

let sink: string[] | undefined;
let loading: Promise<OpenJpegModule> | undefined;

function loadOpenJpeg(): Promise<OpenJpegModule> {
  loading ??= (async () => {
    // The decode-only build is CommonJS with no ESM entry or types: require it through createRequire.
    const factory = createRequire(import.meta.url)('@cornerstonejs/codec-openjpeg/decodewasmjs') as OpenJpegFactory;
    const capture = (line: string): void => {
      sink?.push(line);
    };
    return factory({ print: capture, printErr: capture });
  })().catch((cause: unknown) => {
    loading = undefined;
    throw new XacminhError(
      'UNSUPPORTED',
      'The JPEG 2000 decoder (@cornerstonejs/codec-openjpeg) could not be loaded; reinstall the package',
      {},
      { cause },
    );
  });
  return loading;
}

export async function decodeJpeg2000(bytes: Uint8Array): Promise<Rgb8> {
  const openjpeg = await loadOpenJpeg();
  const decoder = new openjpeg.J2KDecoder();
  const messages: string[] = [];
  sink = messages;
  try {
    decoder.getEncodedBuffer(bytes.length).set(bytes);
    try {
      decoder.decode(); // synchronous: no other decode can interleave its messages with ours
    } catch (cause) {
      throw malformed('the decoder aborted', messages, bytes, cause);
    }
    const errors = messages.filter((m) => m.startsWith('[ERROR]'));
    const info = decoder.getFrameInfo();
    if (errors.length > 0 || info.width <= 0 || info.height <= 0 || info.componentCount <= 0) {
      throw malformed(errors[0]?.replace('[ERROR] ', '') ?? 'no image decoded', messages, bytes);
    }
    if (info.width * info.height > MAX_JPEG2000_PIXELS) {
      throw malformed(`image too large (${info.width}×${info.height})`, messages, bytes);
    }
    // getDecodedBuffer is a view into WASM memory: copy out before the decoder is deleted.
    return { width: info.width, height: info.height, rgb: toRgb8(decoder.getDecodedBuffer(), info) };
  } finally {
    sink = undefined;
    decoder.delete();
  }
}

/**
 * Interleaved samples (8-bit, or 16-bit little-endian above 8 bits) → 8-bit RGB. One component is grey,
 * two are grey + alpha, four are RGB + alpha; the wrapper has already turned sYCC/CMYK into RGB.
 */
function toRgb8(samples: Uint8Array, info: FrameInfo): Uint8Array {
  const { width, height, bitsPerSample: bits, componentCount: n, isSigned } = info;
  const pixels = width * height;
  const bytesPerSample = bits > 8 ? 2 : 1;
  if (bits < 1 || bits > 16 || samples.length < pixels * n * bytesPerSample) {
    throw new XacminhError('MALFORMED_DATA', `JPEG 2000 photo has an unsupported layout (${n} components of ${bits} bits)`, { ...info });
  }
  const shift = bits - 8; // negative below 8 bits: scale up
  const bias = isSigned ? 1 << (bits - 1) : 0;
  const view = new DataView(samples.buffer, samples.byteOffset, samples.byteLength);
  const read = (index: number): number => {
    let v = bytesPerSample === 2 ? (isSigned ? view.getInt16(index * 2, true) : view.getUint16(index * 2, true)) : isSigned ? view.getInt8(index) : samples[index]!;
    v += bias;
    v = shift >= 0 ? v >> shift : Math.round((v * 255) / ((1 << bits) - 1));
    return v < 0 ? 0 : v > 255 ? 255 : v;
  };
  const rgb = new Uint8Array(pixels * 3);
  const colour = n >= 3;
  for (let p = 0; p < pixels; p++) {
    const base = p * n;
    if (colour) {
      rgb[p * 3] = read(base);
      rgb[p * 3 + 1] = read(base + 1);
      rgb[p * 3 + 2] = read(base + 2);
    } else {
      const grey = read(base);
      rgb[p * 3] = grey;
      rgb[p * 3 + 1] = grey;
      rgb[p * 3 + 2] = grey;
    }
  }
  return rgb;
}

function malformed(reason: string, messages: string[], bytes: Uint8Array, cause?: unknown): XacminhError {
  return new XacminhError(
    'MALFORMED_DATA',
    `The JPEG 2000 chip photo cannot be decoded (${reason}): the DG2 data is damaged or truncated; read the card again`,
    { bytes: bytes.length, decoderMessages: messages.filter((m) => !m.startsWith('[INFO]') && m.trim() !== '').slice(0, 5) },
    cause === undefined ? undefined : { cause },
  );
}
