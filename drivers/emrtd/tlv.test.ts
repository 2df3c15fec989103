import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertThrowsCode, fromHex, toHex } from './lds/test-util.ts';
import { encodeLength, encodeTlv, findTlv, peekTlvLength, readSingle, readTlv, readTlvList } from './tlv.ts';

test('one-, two- and three-byte tags with short and long lengths', () => {
  const a = readTlv(fromHex('02 01 05'));
  assert.equal({ tag: a.tag, value: [...a.value], headerLength: a.headerLength, totalLength: a.totalLength }, { tag: 0x02, value: [5], headerLength: 2, totalLength: 3 });
  const b = readTlv(fromHex('5F1F 03 414243'));
  assert.is(b.tag, 0x5f1f);
  assert.is(b.headerLength, 3);
  const c = readTlv(fromHex('7F8101 81 80' + '00'.repeat(128)));
  assert.is(c.tag, 0x7f8101);
  assert.is(c.headerLength, 5);
  assert.is(c.value.length, 128);
  const d = readTlv(fromHex('77 82 0100' + 'AA'.repeat(256) + 'FFFF'));
  assert.is(d.totalLength, 260);
  assert.is(d.raw.length, 260);
});

test('an offset reads the object there; a bad offset is MALFORMED_DATA, not garbage', () => {
  const bytes = fromHex('01 00 04 02 AABB');
  const t = readTlv(bytes, 2);
  assert.is(t.tag, 0x04);
  assert.is(toHex(t.value), 'AABB');
  assertThrowsCode(() => readTlv(bytes, -1));
  assertThrowsCode(() => readTlv(bytes, 1.5));
  assertThrowsCode(() => readTlv(bytes, 6));
});

test('truncated, lying, indefinite and overlong lengths, and bad tags are MALFORMED_DATA', () => {
  for (const hex of [
    '', // nothing
    '5F', // tag cut short
    '61', // no length
    '61 05 0102', // value runs past the end
    '61 80 0000', // indefinite length (BER only; never in the LDS)
    '61 85 0101010101', // 5-byte length field
    '61 82 01', // length field cut short
    '5F 81 81 81 01 00', // 5-byte tag
    '00 00', // padding byte as a tag
    'FF 00',
  ]) {
    assertThrowsCode(() => readTlv(fromHex(hex)));
  }
});

test('secure messaging can ask for its own error code', () => {
  assertThrowsCode(() => readTlv(fromHex('87 05 01'), 0, 'SM_MALFORMED'), 'SM_MALFORMED');
  assertThrowsCode(() => readTlvList(fromHex('87 01 01 99'), 'SM_MALFORMED'), 'SM_MALFORMED');
});

test('readTlvList reads every object and refuses trailing bytes', () => {
  const list = readTlvList(fromHex('02 01 01  06 03 2A0304  31 00'));
  assert.equal(
    list.map((t) => t.tag),
    [0x02, 0x06, 0x31],
  );
  assert.is(readTlvList(new Uint8Array(0)).length, 0);
  assertThrowsCode(() => readTlvList(fromHex('02 01 01 06')));
});

test('findTlv finds the first object with a tag among siblings', () => {
  const bytes = fromHex('5F01 04 30313037  5C 02 6175  5C 01 63');
  assert.is(toHex(findTlv(bytes, 0x5c)!.value), '6175');
  assert.is(findTlv(bytes, 0x5f36), undefined);
});

test('readSingle wants exactly one object with the expected tag', () => {
  assert.is(readSingle(fromHex('60 01 00'), 0x60, 'X').value.length, 1);
  assertThrowsCode(() => readSingle(fromHex('61 01 00'), 0x60, 'X'));
  assertThrowsCode(() => readSingle(fromHex('60 01 00 00'), 0x60, 'X'));
});

test('peekTlvLength: the file size from the first 8 bytes, undefined while the header is incomplete', () => {
  const file = encodeTlv(0x75, new Uint8Array(0x5910));
  assert.equal(peekTlvLength(file.subarray(0, 8)), { headerLength: 4, valueLength: 0x5910 });
  assert.equal(peekTlvLength(fromHex('61 5B 5F1F')), { headerLength: 2, valueLength: 0x5b });
  assert.equal(peekTlvLength(fromHex('7F61 83 010000')), { headerLength: 6, valueLength: 0x10000 });
  assert.is(peekTlvLength(fromHex('75 82 59')), undefined);
  assert.is(peekTlvLength(fromHex('7F')), undefined);
  assert.is(peekTlvLength(new Uint8Array(0)), undefined);
  assertThrowsCode(() => peekTlvLength(fromHex('75 80 00 00')));
  assertThrowsCode(() => peekTlvLength(fromHex('75 88 00 00 00 00 00 00 00 01')));
});

test('encodeLength uses the shortest form at every boundary', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [127, '7F'],
    [128, '8180'],
    [255, '81FF'],
    [256, '820100'],
    [65535, '82FFFF'],
    [65536, '83010000'],
    [0xffffffff, '84FFFFFFFF'],
  ];
  for (const [n, hex] of cases) assert.is(toHex(encodeLength(n)), hex, `length ${n}`);
  assertThrowsCode(() => encodeLength(-1), 'INVALID_INPUT');
  assertThrowsCode(() => encodeLength(1.5), 'INVALID_INPUT');
  assertThrowsCode(() => encodeLength(2 ** 32), 'INVALID_INPUT');
});

test('encodeTlv and readTlv agree for tags of every width and many lengths', () => {
  let state = 7;
  const next = () => (state = (state * 1103515245 + 12345) >>> 0);
  for (const tag of [0x04, 0x30, 0x5f1f, 0x7f61, 0x7f8101]) {
    for (const length of [0, 1, 127, 128, 255, 256, 1000, 65535, 65536, 70000]) {
      const value = Uint8Array.from({ length }, () => next() & 0xff);
      const encoded = encodeTlv(tag, value);
      const back = readTlv(encoded);
      assert.is(back.tag, tag);
      assert.is(back.totalLength, encoded.length);
      assert.ok(Buffer.from(back.value).equals(Buffer.from(value)), `tag ${tag.toString(16)} length ${length}`);
    }
  }
});

test.run();
