// multipart/x-mixed-replace bodies as IP cameras send them, with their usual inconsistencies.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError, type XacminhError } from '../errors.ts';
import { boundaryFromContentType, MultipartMjpegParser } from './multipart-parser.ts';
import { chunked, concat, lfwJpegs, prng } from './test-media.ts';

const photos = lfwJpegs(4);
const text = (s: string) => new TextEncoder().encode(s);

function part(jpeg: Uint8Array, opts: { boundary: string; eol?: string; length?: number | null; extraHeaders?: string }): Uint8Array {
  const eol = opts.eol ?? '\r\n';
  const length = opts.length === null ? '' : `Content-Length: ${opts.length ?? jpeg.length}${eol}`;
  return concat([text(`--${opts.boundary}${eol}Content-Type: image/jpeg${eol}${length}${opts.extraHeaders ?? ''}${eol}`), jpeg, text(eol)]);
}

function parse(boundary: string, body: Uint8Array, seed: number, maxFrameBytes?: number) {
  const errors: XacminhError[] = [];
  const parser = new MultipartMjpegParser(boundary, { maxFrameBytes, onError: (e) => errors.push(e) });
  const frames = chunked(body, prng(seed), 200).flatMap((c) => parser.push(c));
  return { frames, errors, parser };
}

test('boundary from Content-Type: plain, quoted, with parameters; undefined for non-multipart', () => {
  assert.is(boundaryFromContentType('multipart/x-mixed-replace; boundary=frame'), 'frame');
  assert.is(boundaryFromContentType('multipart/x-mixed-replace;boundary="--my frame"; charset=x'), '--my frame');
  assert.is(boundaryFromContentType('image/jpeg'), undefined);
  assert.is(boundaryFromContentType(undefined), undefined);
});

test('parts with Content-Length, CRLF, random chunking; preamble ignored', () => {
  const body = concat([text('preamble\r\n'), ...photos.map((p) => part(p, { boundary: 'frame' }))]);
  const { frames, errors } = parse('frame', body, 1);
  assert.is(frames.length, photos.length);
  frames.forEach((f, i) => assert.ok(Buffer.from(f.jpeg).equals(photos[i]!)));
  assert.is(frames[0]!.width, 250);
  assert.equal(errors, []);
});

test('parts without Content-Length, LF only, boundary declared with a leading "--"', () => {
  const body = concat(photos.map((p) => part(p, { boundary: '--myboundary', eol: '\n', length: null })));
  const { frames, errors } = parse('--myboundary', body, 2);
  assert.is(frames.length, photos.length);
  frames.forEach((f, i) => assert.ok(Buffer.from(f.jpeg).equals(photos[i]!)));
  assert.equal(errors, []);
});

test('a part that is not a JPEG, a wrong Content-Length and an oversized part are skipped with typed errors', () => {
  const body = concat([
    part(photos[0]!, { boundary: 'b' }),
    part(text('<html>not a picture</html>'), { boundary: 'b' }),
    part(photos[1]!, { boundary: 'b', length: 100 }),
    part(photos[2]!, { boundary: 'b', length: 5_000_000 }),
    part(photos[3]!, { boundary: 'b' }),
  ]);
  const { frames, errors, parser } = parse('b', body, 3, 1_000_000);
  assert.equal(
    frames.map((f) => f.jpeg.length),
    [photos[0]!.length, photos[3]!.length],
  );
  assert.ok(errors.some((e) => isXacminhError(e, 'FRAME_TOO_LARGE')));
  assert.ok(errors.some((e) => isXacminhError(e, 'MALFORMED_DATA')));
  assert.ok(parser.bufferedBytes < 1_000_000);
});

test('a body with no boundary at all keeps memory bounded', () => {
  const parser = new MultipartMjpegParser('frame', { maxFrameBytes: 10_000 });
  for (let i = 0; i < 100; i++) parser.push(new Uint8Array(1000).fill(0x41));
  assert.ok(parser.bufferedBytes < 100);
  assert.throws(() => new MultipartMjpegParser('--'), (e: unknown) => isXacminhError(e, 'INVALID_INPUT'));
});

test.run();
