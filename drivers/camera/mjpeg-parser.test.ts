// The MJPEG splitter on real LFW JPEGs and on hand-built structures that defeat naive FFD8/FFD9 search.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError, type XacminhError } from '../errors.ts';
import { inspectJpeg, MjpegParser, type ParsedJpeg } from './mjpeg-parser.ts';
import { chunked, concat, lfwJpegs, prng } from './test-media.ts';

const photos = lfwJpegs(12);

function parseAll(parser: MjpegParser, chunks: Uint8Array[]): ParsedJpeg[] {
  return [...chunks.flatMap((c) => parser.push(c)), ...parser.end()];
}

function collect(options: { maxFrameBytes?: number } = {}): { parser: MjpegParser; errors: XacminhError[] } {
  const errors: XacminhError[] = [];
  return { parser: new MjpegParser({ ...options, onError: (e) => errors.push(e) }), errors };
}

const u8 = (...bytes: number[]) => Uint8Array.from(bytes);
const segment = (code: number, payload: Uint8Array) =>
  concat([u8(0xff, code, (payload.length + 2) >> 8, (payload.length + 2) & 0xff), payload]);
const sof0 = (width: number, height: number) =>
  segment(0xc0, u8(8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0));
const sos = () => segment(0xda, u8(1, 1, 0, 0, 63, 0));
const dht = () => segment(0xc4, u8(0x00, 1, ...new Array<number>(15).fill(0), 0x00)); // one code of length 1

/** A structurally valid JPEG (not decodable) whose scan data is given verbatim. */
function synthetic(width: number, height: number, scans: Uint8Array[], extraHeader: Uint8Array[] = []): Uint8Array {
  const parts: Uint8Array[] = [u8(0xff, 0xd8), ...extraHeader, sof0(width, height)];
  for (const scan of scans) parts.push(dht(), sos(), scan);
  parts.push(u8(0xff, 0xd9));
  return concat(parts);
}

test('splits concatenated real JPEGs fed in random chunks, byte for byte', () => {
  const random = prng(7);
  for (const maxChunk of [1, 7, 300, 5000, 1 << 20]) {
    const { parser, errors } = collect();
    const frames = parseAll(parser, chunked(concat(photos), random, maxChunk));
    assert.is(frames.length, photos.length, `chunk ≤ ${maxChunk}`);
    frames.forEach((f, i) => {
      assert.ok(Buffer.from(f.jpeg).equals(photos[i]!), `frame ${i} bytes`);
      assert.is(f.width, 250);
      assert.is(f.height, 250);
    });
    assert.equal(errors, []);
  }
});

test('skips garbage before, between and after frames', () => {
  const garbage = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff).map((b) => (b === 0xff ? 0 : b));
  const stream = concat([garbage(1000), photos[0]!, garbage(77), u8(0xff, 0xff, 0xd9), photos[1]!, garbage(5)]);
  const { parser } = collect();
  const frames = parseAll(parser, chunked(stream, prng(3), 100));
  assert.is(frames.length, 2);
  assert.ok(Buffer.from(frames[1]!.jpeg).equals(photos[1]!));
  assert.ok(parser.stats.garbageBytes >= 1000 + 77 + 3 + 5);
});

test('an EXIF thumbnail (a whole JPEG inside APP1) does not end the frame', () => {
  const thumb = synthetic(16, 12, [u8(1, 2, 3)]);
  const app1 = segment(0xe1, concat([new TextEncoder().encode('Exif\0\0'), thumb]));
  const photo = photos[2]!;
  const withThumb = concat([photo.subarray(0, 2), app1, photo.subarray(2)]);
  const { parser, errors } = collect();
  const frames = parseAll(parser, chunked(concat([withThumb, photos[3]!]), prng(5), 64));
  assert.is(frames.length, 2);
  assert.ok(Buffer.from(frames[0]!.jpeg).equals(withThumb));
  assert.is(frames[0]!.width, 250, 'size from the main SOF, not the thumbnail');
  assert.equal(errors, []);
});

test('scan data: FF00 stuffing, RSTn, fill bytes and a progressive second scan stay inside the frame', () => {
  const scan1 = u8(0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0x00, 0xff, 0xd7, 0x78);
  const scan2 = u8(0xff, 0x00, 0xd9, 0x00, 0xd8, 0xff, 0xd3, 0x01);
  const frame = synthetic(640, 480, [scan1, scan2]);
  const withFill = concat([frame.subarray(0, frame.length - 2), u8(0xff, 0xff, 0xff, 0xd9)]);
  for (const jpeg of [frame, withFill]) {
    const { parser, errors } = collect();
    const frames = parseAll(parser, chunked(jpeg, prng(9), 3));
    assert.is(frames.length, 1);
    assert.ok(Buffer.from(frames[0]!.jpeg).equals(jpeg));
    assert.is(frames[0]!.width, 640);
    assert.is(frames[0]!.height, 480);
    assert.equal(errors, []);
  }
});

test('a truncated frame is reported and the next good frame comes through', () => {
  const cut = photos[4]!.subarray(0, 3000);
  const { parser, errors } = collect();
  const frames = parseAll(parser, [cut, photos[5]!]);
  assert.is(frames.length, 1);
  assert.ok(Buffer.from(frames[0]!.jpeg).equals(photos[5]!));
  assert.ok(errors.some((e) => isXacminhError(e, 'MALFORMED_DATA')));
  // Truncated at the very end of the stream.
  const tail = collect();
  assert.is(parseAll(tail.parser, [photos[6]!, photos[7]!.subarray(0, 500)]).length, 1);
  assert.ok(tail.errors.some((e) => /truncated/.test(e.message)));
});

test('a corrupt segment length that swallows the next SOI is rescanned: the next frame survives', () => {
  // APP0 claims 60000 bytes: the next photo's SOI falls inside it.
  const liar = concat([u8(0xff, 0xd8, 0xff, 0xe0, 0xea, 0x60), new Uint8Array(10)]);
  const { parser, errors } = collect();
  const frames = parseAll(parser, [liar, photos[8]!, new Uint8Array(70_000).fill(0x20), photos[9]!]);
  assert.equal(
    frames.map((f) => f.jpeg.length),
    [photos[8]!.length, photos[9]!.length],
  );
  assert.ok(errors.length >= 1);
});

test('a frame over the limit is dropped with FRAME_TOO_LARGE; memory stays bounded; the parser resyncs', () => {
  const limit = 20_000;
  const big = synthetic(100, 100, [new Uint8Array(50_000).fill(0x11)]);
  const { parser, errors } = collect({ maxFrameBytes: limit });
  let peak = 0;
  const frames: ParsedJpeg[] = [];
  for (const chunk of chunked(concat([big, photos[10]!]), prng(11), 1024)) {
    frames.push(...parser.push(chunk));
    peak = Math.max(peak, parser.bufferedBytes);
  }
  frames.push(...parser.end());
  assert.ok(peak <= limit + 1024, `peak buffered ${peak}`);
  assert.is(frames.length, 1);
  assert.ok(Buffer.from(frames[0]!.jpeg).equals(photos[10]!));
  assert.ok(errors.some((e) => isXacminhError(e, 'FRAME_TOO_LARGE')));
  assert.is(parser.stats.oversized, 1);
  // Complete in a single chunk but still over the limit: dropped too.
  const one = collect({ maxFrameBytes: limit });
  assert.is(parseAll(one.parser, [big]).length, 0);
  assert.is(one.parser.stats.oversized, 1);
});

test('an SOI split across chunks and an SOI inside a header restart cleanly', () => {
  const photo = photos[11]!;
  const { parser } = collect();
  const frames = parseAll(parser, [u8(0x00, 0xff), photo.subarray(1, 10), photo.subarray(10)]);
  assert.is(frames.length, 1);
  assert.ok(Buffer.from(frames[0]!.jpeg).equals(photo));
  const restarted = collect();
  const twice = parseAll(restarted.parser, [photo.subarray(0, 20), photo]);
  assert.is(twice.length, 1);
  assert.ok(Buffer.from(twice[0]!.jpeg).equals(photo));
});

test('frames without SOF or scan are not emitted', () => {
  const noSof = concat([u8(0xff, 0xd8), dht(), sos(), u8(1, 2, 3, 0xff, 0xd9)]);
  const noScan = concat([u8(0xff, 0xd8), sof0(10, 10), u8(0xff, 0xd9)]);
  const zero = synthetic(0, 10, [u8(1)]);
  const { parser, errors } = collect();
  assert.is(parseAll(parser, [noSof, noScan, zero]).length, 0);
  assert.ok(errors.length >= 3);
});

test('inspectJpeg: size of one good JPEG, typed error for anything else', () => {
  assert.equal(
    (({ width, height }) => ({ width, height }))(inspectJpeg(photos[0]!)),
    { width: 250, height: 250 },
  );
  assert.is(inspectJpeg(concat([photos[0]!, u8(0, 0)])).jpeg.length, photos[0]!.length, 'trailing padding tolerated');
  for (const bad of [new Uint8Array(0), u8(1, 2, 3), photos[0]!.subarray(0, 100), concat([u8(0), photos[0]!]), concat([photos[0]!, photos[1]!])]) {
    try {
      inspectJpeg(bad);
      assert.unreachable('should throw');
    } catch (error) {
      assert.ok(isXacminhError(error, 'MALFORMED_DATA'), String(error));
    }
  }
  try {
    inspectJpeg(photos[0]!, 100);
    assert.unreachable('should throw');
  } catch (error) {
    assert.ok(isXacminhError(error, 'FRAME_TOO_LARGE'), String(error));
  }
});

test.run();
