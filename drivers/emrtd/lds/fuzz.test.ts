// Random and mutated card data into every parser: only typed XacminhErrors may come out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../errors.ts';
import { buildCardFiles, cardAccessFile } from '../../sim/card-files.ts';
import { generatePersona } from '../../sim/persona.ts';
import { drawnPortrait, mulberry32 } from '../../sim/portrait.ts';
import { generateTestPki } from '../../sim/test-pki.ts';
import { parseMrz } from '../mrz.ts';
import { peekTlvLength, readTlv, readTlvList } from '../tlv.ts';
import { parseCardAccess } from './card-access.ts';
import { parseCom } from './com.ts';
import { parseDg1 } from './dg1.ts';
import { parseDg2 } from './dg2.ts';
import { parseDg13 } from './dg13.ts';
import { parseDg14 } from './dg14.ts';
import { parseDg15 } from './dg15.ts';
import { parseSod } from './sod.ts';

const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const random = mulberry32(seed);
const int = (n: number) => Math.floor(random() * n);

const persona = generatePersona(3);
const built = buildCardFiles(persona, drawnPortrait(3), await generateTestPki());
const files = built.files;

const PARSERS: [string, (b: Uint8Array) => unknown, Uint8Array][] = [
  ['EF.CardAccess', parseCardAccess, cardAccessFile()],
  ['EF.COM', parseCom, files.get('EF.COM')!],
  ['DG1', parseDg1, files.get('DG1')!],
  // DG2 is large: mutate a copy whose photo is cut short, the structure is what matters.
  ['DG2', parseDg2, files.get('DG2')!],
  ['DG13', parseDg13, files.get('DG13')!],
  ['DG14', parseDg14, files.get('DG14')!],
  ['DG15', parseDg15, files.get('DG15')!],
  ['EF.SOD', parseSod, files.get('EF.SOD')!],
  ['TLV', (b) => readTlvList(b), files.get('DG13')!],
];

function mutate(original: Uint8Array): Uint8Array {
  const bytes = original.slice();
  switch (int(6)) {
    case 0: // bit flips
      for (let i = 0, n = 1 + int(4); i < n; i++) bytes[int(bytes.length)]! ^= 1 << int(8);
      return bytes;
    case 1: // truncation
      return bytes.subarray(0, int(bytes.length));
    case 2: {
      // a lying length byte near a header
      const at = int(Math.min(bytes.length, 64));
      bytes[at] = [0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x85, 0xff][int(8)]!;
      return bytes;
    }
    case 3: // random garbage of the same size
      return Uint8Array.from(bytes, () => int(256));
    case 4: {
      // a slice from the middle
      const start = int(bytes.length);
      return bytes.subarray(start, start + int(bytes.length - start + 1));
    }
    default: {
      // bytes inserted
      const at = int(bytes.length);
      const extra = Uint8Array.from({ length: 1 + int(8) }, () => int(256));
      return new Uint8Array([...bytes.subarray(0, at), ...extra, ...bytes.subarray(at)]);
    }
  }
}

test(`10,000+ mutated inputs into every LDS parser: typed errors only (seed ${seed})`, () => {
  let runs = 0;
  let rejected = 0;
  for (const [name, parse, original] of PARSERS) {
    const rounds = name === 'DG2' || name === 'EF.SOD' ? 600 : 1400;
    for (let i = 0; i < rounds; i++) {
      const input = mutate(original);
      runs++;
      try {
        parse(input);
      } catch (error) {
        rejected++;
        if (!isXacminhError(error)) {
          assert.unreachable(`${name} threw ${String(error)} for input ${Buffer.from(input.subarray(0, 48)).toString('hex')}… (seed ${seed})`);
        }
      }
    }
  }
  assert.ok(runs >= 10_000, `only ${runs} runs`);
  assert.ok(rejected > runs / 4, `suspiciously few rejections: ${rejected} of ${runs}`);
});

test(`MRZ parser and TLV header peeking on random text and bytes (seed ${seed})`, () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<\n é';
  for (let i = 0; i < 3000; i++) {
    const text = Array.from({ length: int(100) }, () => alphabet[int(alphabet.length)]).join('');
    try {
      parseMrz(text);
    } catch (error) {
      assert.ok(isXacminhError(error), `parseMrz threw ${String(error)} for ${JSON.stringify(text)}`);
    }
    const bytes = Uint8Array.from({ length: int(12) }, () => int(256));
    try {
      peekTlvLength(bytes);
      readTlv(bytes);
    } catch (error) {
      assert.ok(isXacminhError(error), `TLV threw ${String(error)}`);
    }
  }
});

test.run();
