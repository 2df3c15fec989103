// Fuzz: ≥ 10,000 random, mutated and truncated MJPEG streams (seeded, reproducible). The parser must never
// throw, only emit well-formed frames within the size limit, keep its buffer bounded, and recover on the
// next good frame.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import sharp from 'sharp';
import { XacminhError } from '../errors.ts';
import { MjpegParser } from './mjpeg-parser.ts';
import { chunked, concat, lfwImages, prng } from './test-media.ts';

const CASES = 10_000;
const MAX_FRAME = 64 * 1024;
const MAX_CHUNK = 4096;

// Small real JPEGs (baseline and progressive) keep 10,000 cases fast.
const sources = lfwImages(6);
const seeds: Uint8Array[] = [];
for (const [i, file] of sources.entries()) {
  const size = 24 + 8 * i;
  seeds.push(new Uint8Array(await sharp(file).resize(size, size).jpeg({ quality: 70, progressive: i % 2 === 1 }).toBuffer()));
}
const good = new Uint8Array(await sharp(sources[0]!).resize(40, 30).jpeg({ quality: 80 }).toBuffer());

type Mutation = (bytes: Uint8Array, random: () => number) => Uint8Array;
const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)]!;
const at = (bytes: Uint8Array, random: () => number) => Math.floor(random() * (bytes.length + 1));
const randomBytes = (n: number, random: () => number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
const markers = [0xd8, 0xd9, 0xda, 0xc0, 0xc4, 0xe1, 0xd0, 0x00, 0xff, 0x01, 0xdd];

const mutations: Mutation[] = [
  (b, r) => {
    const c = b.slice();
    for (let k = 0; k < 1 + r() * 8; k++) if (c.length) c[Math.floor(r() * c.length)] = Math.floor(r() * 256);
    return c;
  },
  (b, r) => b.subarray(0, at(b, r)), // truncate
  (b, r) => b.subarray(at(b, r)), // lose the head
  (b, r) => {
    const i = at(b, r);
    return concat([b.subarray(0, i), randomBytes(1 + Math.floor(r() * 300), r), b.subarray(i)]);
  },
  (b, r) => {
    const i = at(b, r);
    return concat([b.subarray(0, i), b.subarray(Math.min(b.length, i + 1 + Math.floor(r() * 500)))]);
  },
  (b, r) => {
    const i = at(b, r);
    return concat([b.subarray(0, i), Uint8Array.of(0xff, pick(markers, r)), b.subarray(i)]);
  },
  (b, r) => {
    // A segment length rewritten: the classic way to swallow the next frame.
    const c = b.slice();
    const i = Math.floor(r() * Math.max(1, c.length - 4));
    c[i] = 0xff;
    c[i + 1] = pick([0xe0, 0xe1, 0xdb, 0xc4, 0xc0, 0xda], r);
    c[i + 2] = Math.floor(r() * 256);
    c[i + 3] = Math.floor(r() * 256);
    return c;
  },
  (b, r) => concat([b, b.subarray(at(b, r))]), // duplicated tail
  (_b, r) => randomBytes(Math.floor(r() * 3000), r), // pure noise
  (b, r) => {
    const c = b.slice();
    c.fill(0xff, at(c, r), at(c, r));
    return c;
  },
];

test(`${CASES} mutated streams: no throw, well-formed bounded output, recovery on the next good frame`, () => {
  for (let seed = 1; seed <= CASES; seed++) {
    const random = prng(seed);
    const parts: Uint8Array[] = [];
    for (let k = 0, n = 1 + Math.floor(random() * 3); k < n; k++) {
      let frame = pick(seeds, random);
      for (let m = 0, mm = Math.floor(random() * 3); m < mm; m++) frame = pick(mutations, random)(frame, random);
      parts.push(frame);
    }
    if (random() < 0.1) parts.push(new Uint8Array(MAX_FRAME + 100).fill(0x42)); // an oversized run of data
    const errors: unknown[] = [];
    const parser = new MjpegParser({ maxFrameBytes: MAX_FRAME, onError: (e) => errors.push(e) });
    const emitted: Uint8Array[] = [];
    try {
      for (const chunk of chunked(concat(parts), random, MAX_CHUNK)) {
        for (const f of parser.push(chunk)) emitted.push(f.jpeg);
        assert.ok(parser.bufferedBytes <= MAX_FRAME + MAX_CHUNK, `seed ${seed}: buffered ${parser.bufferedBytes}`);
      }
      // Two good frames after the damage: the last frame out must be the good one, intact.
      for (const chunk of chunked(concat([good, good]), random, MAX_CHUNK)) for (const f of parser.push(chunk)) emitted.push(f.jpeg);
      for (const f of parser.end()) emitted.push(f.jpeg);
    } catch (error) {
      throw new Error(`seed ${seed}: parser threw ${String(error)}`);
    }
    for (const jpeg of emitted) {
      assert.ok(jpeg.length <= MAX_FRAME, `seed ${seed}: frame over limit`);
      assert.ok(jpeg[0] === 0xff && jpeg[1] === 0xd8, `seed ${seed}: frame without SOI`);
      assert.ok(jpeg.at(-2) === 0xff && jpeg.at(-1) === 0xd9, `seed ${seed}: frame without EOI`);
    }
    const last = emitted.at(-1);
    assert.ok(last && Buffer.from(last).equals(good), `seed ${seed}: did not recover on the good frame`);
    assert.ok(errors.every((e) => e instanceof XacminhError), `seed ${seed}: untyped error`);
  }
});

test.run();
