// Chip photo decode: JPEG and JPEG 2000 (made by the real ffmpeg at test time from an LFW face) agree pixel
// for pixel within codec loss; damaged or unknown data is MALFORMED_DATA.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { decodeChipPhoto, detectPhotoFormat } from './decode-photo.ts';
import { lfwImages, requireFfmpeg, tempDir } from '../../drivers/camera/test-media.ts';
import { assertRejectsCode } from '../../drivers/test-assert.ts';

const run = promisify(execFile);
const dir = tempDir('xacminh-photo-');
const [facePath] = lfwImages(1);
const jpeg = new Uint8Array(readFileSync(facePath!));

/** Encodes the face (as lossless PNG, so both sides start from the same pixels) with ffmpeg's JPEG 2000 encoder. */
async function encodeJ2k(name: string, extra: string[], pixFmt?: 'gray' | 'rgb48le'): Promise<Uint8Array> {
  await requireFfmpeg();
  const png = join(dir.path, `${name}.png`);
  writeFileSync(png, await (pixFmt === 'gray' ? sharp(jpeg).greyscale() : sharp(jpeg)).png().toBuffer());
  const out = join(dir.path, name);
  await run('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', '-i', png, ...(pixFmt ? ['-pix_fmt', pixFmt] : []), '-c:v', 'jpeg2000', ...extra, out]);
  return new Uint8Array(readFileSync(out));
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  assert.is(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

test.after(() => dir.remove());

test('format is detected from magic bytes', async () => {
  assert.is(detectPhotoFormat(jpeg), 'jpeg');
  assert.is(detectPhotoFormat(await encodeJ2k('sig.jp2', [])), 'jpeg2000');
  assert.is(detectPhotoFormat(await encodeJ2k('sig.j2k', ['-format', 'j2k'])), 'jpeg2000');
  assert.is(detectPhotoFormat(Uint8Array.of(0x89, 0x50, 0x4e, 0x47)), null);
  assert.is(detectPhotoFormat(new Uint8Array(0)), null);
});

test('JPEG decodes to RGB', async () => {
  const photo = await decodeChipPhoto(jpeg);
  assert.is(photo.format, 'jpeg');
  assert.is(photo.width, 250);
  assert.is(photo.height, 250);
  assert.is(photo.rgb.length, 250 * 250 * 3);
});

test('JP2 (lossy) decodes to the same pixels as the JPEG, within codec loss', async () => {
  const reference = await decodeChipPhoto(jpeg);
  const jp2 = await decodeChipPhoto(await encodeJ2k('lossy.jp2', []));
  assert.is(jp2.format, 'jpeg2000');
  assert.is(jp2.width, reference.width);
  assert.is(jp2.height, reference.height);
  const diff = meanAbsDiff(jp2.rgb, reference.rgb);
  assert.ok(diff < 2, `mean abs diff ${diff}`);
  // A decoder that output zeros or one channel would not be this close; check it is a real image too.
  assert.ok(jp2.rgb.some((v) => v > 200) && jp2.rgb.some((v) => v < 50));
});

test('JP2 lossless (5/3 wavelet) and a raw J2K codestream decode exactly', async () => {
  const reference = await decodeChipPhoto(jpeg);
  const lossless = await decodeChipPhoto(await encodeJ2k('lossless.jp2', ['-pred', 'dwt53']));
  assert.is(meanAbsDiff(lossless.rgb, reference.rgb), 0);
  const raw = await decodeChipPhoto(await encodeJ2k('raw.j2k', ['-format', 'j2k', '-pred', 'dwt53']));
  assert.is(raw.format, 'jpeg2000');
  assert.is(meanAbsDiff(raw.rgb, reference.rgb), 0);
});

test('greyscale JP2 and JPEG are expanded to RGB', async () => {
  const greyJpeg = new Uint8Array(await sharp(jpeg).greyscale().jpeg({ quality: 95 }).toBuffer());
  const fromJpeg = await decodeChipPhoto(greyJpeg);
  const fromJp2 = await decodeChipPhoto(await encodeJ2k('grey.jp2', ['-pred', 'dwt53'], 'gray'));
  for (const photo of [fromJpeg, fromJp2]) {
    assert.is(photo.rgb.length, photo.width * photo.height * 3);
    for (let i = 0; i < photo.rgb.length; i += 3) {
      if (photo.rgb[i] !== photo.rgb[i + 1] || photo.rgb[i] !== photo.rgb[i + 2]) assert.unreachable(`pixel ${i / 3} not grey`);
    }
  }
  const diff = meanAbsDiff(fromJp2.rgb, fromJpeg.rgb);
  assert.ok(diff < 2, `grey JP2 vs grey JPEG mean abs diff ${diff}`);
});

test('16-bit JP2 is scaled to 8 bits as the ffmpeg decoder reads it', async () => {
  const deep = await encodeJ2k('deep.jp2', [], 'rgb48le');
  const back = join(dir.path, 'deep-back.png');
  await run('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', '-i', join(dir.path, 'deep.jp2'), '-pix_fmt', 'rgb24', back]);
  const expected = new Uint8Array(await sharp(back).removeAlpha().raw().toBuffer());
  const ours = await decodeChipPhoto(deep);
  const diff = meanAbsDiff(ours.rgb, expected);
  assert.ok(diff < 1, `16-bit JP2 vs ffmpeg decode mean abs diff ${diff}`);
});

test('truncated, garbled and unknown data are MALFORMED_DATA', async () => {
  const jp2 = await encodeJ2k('damage.jp2', []);
  const j2k = await encodeJ2k('damage.j2k', ['-format', 'j2k']);
  await assertRejectsCode(decodeChipPhoto(jp2.subarray(0, Math.floor(jp2.length * 0.5))), 'MALFORMED_DATA');
  await assertRejectsCode(decodeChipPhoto(jp2.subarray(0, 60)), 'MALFORMED_DATA');
  await assertRejectsCode(decodeChipPhoto(j2k.subarray(0, Math.floor(j2k.length * 0.9))), 'MALFORMED_DATA');
  const garbled = jp2.slice();
  garbled.fill(0xaa, 12, 200); // keeps the signature, wipes ftyp/jp2h
  const error = await assertRejectsCode(decodeChipPhoto(garbled), 'MALFORMED_DATA');
  assert.match(error.message, /read the card again/);
  await assertRejectsCode(decodeChipPhoto(jpeg.subarray(0, Math.floor(jpeg.length * 0.6))), 'MALFORMED_DATA');
  await assertRejectsCode(decodeChipPhoto(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 1, 2, 3)), 'MALFORMED_DATA');
  await assertRejectsCode(decodeChipPhoto(new Uint8Array(0)), 'MALFORMED_DATA');
  // The decoder still works after failures (its WASM state is not poisoned).
  assert.is((await decodeChipPhoto(jp2)).width, 250);
});

test.run();
