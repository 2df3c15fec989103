import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureDiffers, mutateBytes } from './mutate.ts';
import { bytesEqual } from './emrtd/crypto/bytes.ts';
import { mulberry32 } from './prng.ts';

const inputs = [new Uint8Array(0), Uint8Array.of(0x42), Uint8Array.of(0x00, 0x86, 0x00, 0x00), Uint8Array.from({ length: 128 }, (_, i) => (i * 37) & 0xff)];

test('mutateBytes never hands back the original, for 200 seeds × 500 mutants of short and long inputs', () => {
  for (let seed = 0; seed < 200; seed++) {
    const random = mulberry32(seed);
    for (let i = 0; i < 500; i++) {
      const input = inputs[i % inputs.length]!;
      const before = input.slice();
      const out = mutateBytes(input, random, { maxChanges: 1 + (i % 6) });
      assert.not.ok(bytesEqual(out, input), `seed ${seed} mutant ${i} equals its input`);
      assert.equal(input, before, 'the input itself is left alone');
    }
  }
});

test('mutateBytes with `from` leaves the bytes before it unchanged and still always differs', () => {
  const random = mulberry32(90345);
  const input = Uint8Array.of(0x00, 0x86, 0x00, 0x00, 0x7c, 0x02, 0x80, 0x00);
  for (let i = 0; i < 20_000; i++) {
    const out = mutateBytes(input, random, { from: 1 });
    assert.not.ok(bytesEqual(out, input), `mutant ${i} equals its input`);
    assert.is(out[0], 0x00, `mutant ${i} changed byte 0`);
  }
  // Nothing after `from` to change: the mutant grows instead.
  assert.equal(mutateBytes(Uint8Array.of(7), random, { from: 1, truncate: 0, append: 0 }).subarray(0, 1), Uint8Array.of(7));
});

test('ensureDiffers: a changed candidate passes through; an unchanged one is changed in exactly one byte', () => {
  const random = mulberry32(1);
  const original = Uint8Array.of(1, 2, 3, 4);
  const changed = Uint8Array.of(1, 2, 3);
  assert.is(ensureDiffers(original, changed, random), changed);
  for (let i = 0; i < 1000; i++) {
    const out = ensureDiffers(original, original.slice(), random);
    assert.is(out.length, 4);
    assert.is([...out].filter((v, k) => v !== original[k]).length, 1);
  }
  assert.is(ensureDiffers(new Uint8Array(0), new Uint8Array(0), random).length, 1);
});

test.run();
