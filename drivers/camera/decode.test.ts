// JPEG → RGB through sharp and the jpeg-js fallback; damaged frames are typed errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import sharp from 'sharp';
import { activeDecoder, decodeFrame } from './decode.ts';
import { inspectJpeg } from './mjpeg-parser.ts';
import type { Frame } from './types.ts';
import { lfwImages, lfwJpegs } from './test-media.ts';
import { assertRejectsCode } from '../test-assert.ts';

const [photo] = lfwJpegs(1);
const frameOf = (jpeg: Uint8Array): Frame => ({ jpeg, ...(() => { try { const { width, height } = inspectJpeg(jpeg); return { width, height }; } catch { return { width: 10, height: 10 }; } })(), timestamp: 0, sequence: 1 });


test('sharp is the active decoder here', async () => {
  assert.is(await activeDecoder(), 'sharp');
});

test('sharp and jpeg-js decode the same photo to nearly the same RGB', async () => {
  const a = await decodeFrame(frameOf(photo!), { decoder: 'sharp' });
  const b = await decodeFrame(frameOf(photo!), { decoder: 'jpeg-js' });
  for (const d of [a, b]) {
    assert.is(d.width, 250);
    assert.is(d.height, 250);
    assert.is(d.rgb.length, 250 * 250 * 3);
  }
  let diff = 0;
  for (let i = 0; i < a.rgb.length; i++) diff += Math.abs(a.rgb[i]! - b.rgb[i]!);
  const mean = diff / a.rgb.length;
  assert.ok(mean < 3, `mean abs difference ${mean}`);
  // Not a blank image.
  const first = a.rgb[0]!;
  assert.ok(a.rgb.some((v) => Math.abs(v - first) > 50));
});

test('decoding is cached on the frame', async () => {
  const frame = frameOf(photo!);
  const first = await decodeFrame(frame);
  const again = await decodeFrame(frame);
  assert.is(again.rgb, first.rgb);
});

test('greyscale JPEG decodes to 3 channels', async () => {
  const grey = new Uint8Array(await sharp(lfwImages(1)[0]!).greyscale().jpeg().toBuffer());
  const d = await decodeFrame(frameOf(grey));
  assert.is(d.rgb.length, d.width * d.height * 3);
});

test('truncated, garbled and empty frames are MALFORMED_DATA with both decoders', async () => {
  const truncated = photo!.subarray(0, Math.floor(photo!.length * 0.6));
  const garbled = photo!.slice();
  garbled.fill(0x00, 200, 600); // wipes the tables
  for (const decoder of ['sharp', 'jpeg-js'] as const) {
    await assertRejectsCode(decodeFrame(frameOf(truncated), { decoder }), 'MALFORMED_DATA');
    await assertRejectsCode(decodeFrame(frameOf(garbled), { decoder }), 'MALFORMED_DATA');
    await assertRejectsCode(decodeFrame(frameOf(Uint8Array.of(1, 2, 3)), { decoder }), 'MALFORMED_DATA');
    await assertRejectsCode(decodeFrame({ width: 1, height: 1, timestamp: 0, sequence: 1 }, { decoder }), 'MALFORMED_DATA');
  }
});

test('a header claiming a huge image is refused before decoding', async () => {
  await assertRejectsCode(decodeFrame({ jpeg: photo!, width: 60000, height: 60000, timestamp: 0, sequence: 1 }), 'FRAME_TOO_LARGE');
});

test.run();
