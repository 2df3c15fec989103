import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { matchChipResolution } from './chip-resolution.ts';
import { resizeSquare } from './face-geometry.ts';

const SIZE = 150;
/** A fine checkerboard: all of its detail is at the highest frequency a chip can hold. */
const checker = (cell: number) => {
  const rgb = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) rgb.fill(((x / cell) ^ (y / cell)) & 1 ? 255 : 0, (y * SIZE + x) * 3, (y * SIZE + x) * 3 + 3);
  return rgb;
};
/** Mean absolute difference between horizontal neighbours: how much fine detail is left. */
const detail = (rgb: Uint8Array) => {
  let sum = 0;
  for (let y = 0; y < SIZE; y++) for (let x = 1; x < SIZE; x++) sum += Math.abs(rgb[(y * SIZE + x) * 3]! - rgb[(y * SIZE + x - 1) * 3]!);
  return sum / (SIZE * (SIZE - 1));
};

test('resizing to the same size changes nothing', () => {
  const chip = checker(3);
  assert.equal(Array.from(resizeSquare(chip, SIZE, SIZE)), Array.from(chip));
});

test('a live chip is brought down to a small photo’s resolution, and left alone otherwise', () => {
  const chip = checker(2);
  assert.is(matchChipResolution(chip, SIZE, 2.0, undefined), chip, 'no photo resolution given');
  assert.is(matchChipResolution(chip, SIZE, 2.0, 1.3), chip, 'the photo is as sharp as the chip');
  assert.is(matchChipResolution(chip, SIZE, 0.3, 0.4), chip, 'the live face is already the smaller one');
  const matched = matchChipResolution(chip, SIZE, 2.0, 0.3);
  assert.is(matched.length, chip.length);
  assert.ok(detail(matched) < detail(chip) / 4, `fine detail ${detail(matched).toFixed(1)} vs ${detail(chip).toFixed(1)}`);
  // Coarse structure survives: the mean brightness stays.
  const mean = (rgb: Uint8Array) => rgb.reduce((s, v) => s + v, 0) / rgb.length;
  assert.ok(Math.abs(mean(matched) - mean(chip)) < 8);
});

test.run();
