import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concat } from '../crypto/bytes.ts';
import { encodeTlv, readTlv, readTlvList } from '../tlv.ts';
import { encodeDg2, parseDg2 } from './dg2.ts';
import { assertThrowsCode, fromHex, toHex } from './test-util.ts';

const JPEG = concat(fromHex('FFD8FFE000104A464946'), Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff), fromHex('FFD9'));

/** An ISO/IEC 19794-5 facial record built by hand: per face a 20-byte info block, landmarks (8 bytes each), 12-byte image info. */
function facialRecord(faces: { data: Uint8Array; type: number; width: number; height: number; landmarks?: number }[]): Uint8Array {
  const blocks = faces.map((f) => {
    const landmarks = f.landmarks ?? 0;
    const block = new Uint8Array(20 + landmarks * 8 + 12 + f.data.length);
    const v = new DataView(block.buffer);
    v.setUint32(0, block.length);
    v.setUint16(4, landmarks);
    block.fill(0xee, 20, 20 + landmarks * 8); // landmark points: must be skipped, not read as image info
    const info = 20 + landmarks * 8;
    block[info + 1] = f.type;
    v.setUint16(info + 2, f.width);
    v.setUint16(info + 4, f.height);
    block.set(f.data, info + 12);
    return block;
  });
  const header = new Uint8Array(14);
  header.set([0x46, 0x41, 0x43, 0x00, 0x30, 0x31, 0x30, 0x00]);
  const body = concat(...blocks);
  new DataView(header.buffer).setUint32(8, 14 + body.length);
  new DataView(header.buffer).setUint16(12, faces.length);
  return concat(header, body);
}

const dg2Of = (record: Uint8Array, blockTag = 0x5f2e) =>
  encodeTlv(0x75, encodeTlv(0x7f61, concat(encodeTlv(0x02, Uint8Array.of(1)), encodeTlv(0x7f60, concat(encodeTlv(0xa1, encodeTlv(0x81, Uint8Array.of(2))), encodeTlv(blockTag, record))))));

test('DG2 round trip: the JPEG comes out byte for byte, with its size and format', () => {
  const dg2 = parseDg2(encodeDg2(JPEG, { width: 480, height: 640 }));
  assert.is(dg2.images.length, 1);
  assert.equal(dg2.images[0], { format: 'jpeg', width: 480, height: 640, data: JPEG });
  assert.is(parseDg2(encodeDg2(JPEG, { width: 240, height: 320 }, 'jpeg2000')).images[0]!.format, 'jpeg2000');
});

test('encodeDg2 writes the CBEFF nesting 75 / 7F61 / 7F60 / 5F2E and a FAC record', () => {
  const outer = readTlv(encodeDg2(JPEG, { width: 1, height: 1 }));
  assert.is(outer.tag, 0x75);
  const group = readTlv(outer.value);
  assert.is(group.tag, 0x7f61);
  const [count, template] = readTlvList(group.value);
  assert.equal([count!.tag, [...count!.value]], [0x02, [1]]);
  assert.is(template!.tag, 0x7f60);
  const [header, block] = readTlvList(template!.value);
  assert.is(header!.tag, 0xa1);
  assert.is(block!.tag, 0x5f2e);
  assert.is(toHex(block!.value.subarray(0, 8)), '4641430030313000'); // 'FAC\0' '010\0'
});

test('a hand-built record: landmarks are skipped, several faces, type byte read, 7F2E accepted', () => {
  const j2k = concat(fromHex('0000000C6A5020200D0A870A'), new Uint8Array(40));
  const record = facialRecord([
    { data: JPEG, type: 0, width: 413, height: 531, landmarks: 3 },
    { data: j2k, type: 1, width: 100, height: 120 },
  ]);
  const { images } = parseDg2(dg2Of(record));
  assert.equal(
    images.map((i) => [i.format, i.width, i.height, i.data.length]),
    [
      ['jpeg', 413, 531, JPEG.length],
      ['jpeg2000', 100, 120, j2k.length],
    ],
  );
  assert.equal(images[0]!.data, JPEG);
  assert.is(parseDg2(dg2Of(record, 0x7f2e)).images.length, 2);
});

test('an image-type byte we do not know: the data’s own signature decides', () => {
  const j2kCodestream = fromHex('FF4FFF51 0000');
  const { images } = parseDg2(
    dg2Of(
      facialRecord([
        { data: JPEG, type: 7, width: 1, height: 1 },
        { data: j2kCodestream, type: 9, width: 1, height: 1 },
        { data: fromHex('00112233'), type: 9, width: 1, height: 1 },
      ]),
    ),
  );
  assert.equal(
    images.map((i) => i.format),
    ['jpeg', 'jpeg2000', 'unknown'],
  );
});

test('lying lengths and missing pieces are MALFORMED_DATA', () => {
  const good = facialRecord([{ data: JPEG, type: 0, width: 1, height: 1 }]);
  const lying = good.slice();
  new DataView(lying.buffer).setUint32(14, good.length); // block claims more than the record holds
  assertThrowsCode(() => parseDg2(dg2Of(lying)));
  const manyLandmarks = good.slice();
  new DataView(manyLandmarks.buffer).setUint16(18, 60000);
  assertThrowsCode(() => parseDg2(dg2Of(manyLandmarks)));
  const moreFaces = good.slice();
  new DataView(moreFaces.buffer).setUint16(12, 2);
  assertThrowsCode(() => parseDg2(dg2Of(moreFaces)));
  const noFaces = good.slice(0, 14);
  new DataView(noFaces.buffer).setUint16(12, 0);
  assertThrowsCode(() => parseDg2(dg2Of(noFaces)));
  assertThrowsCode(() => parseDg2(dg2Of(concat(fromHex('46414400'), good.subarray(4))))); // 'FAD\0'
  assertThrowsCode(() => parseDg2(dg2Of(good.subarray(0, 10))));
  assertThrowsCode(() => parseDg2(encodeTlv(0x75, encodeTlv(0x7f61, encodeTlv(0x02, Uint8Array.of(0)))))); // no template
  assertThrowsCode(() => parseDg2(encodeTlv(0x75, encodeTlv(0x7f61, encodeTlv(0x7f60, encodeTlv(0xa1, new Uint8Array(0))))))); // no data block
  assertThrowsCode(() => parseDg2(encodeTlv(0x61, new Uint8Array(0))));
});

test('a photo larger than 64 KiB (4-byte lengths throughout)', () => {
  const big = concat(fromHex('FFD8FF'), new Uint8Array(200_000).fill(0x55));
  const image = parseDg2(encodeDg2(big, { width: 2000, height: 3000 })).images[0]!;
  assert.is(image.data.length, big.length);
  assert.is(image.height, 3000);
});

test.run();
