import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { decodeCommand, decodeResponse, encodeCommand, encodeResponse, type CommandApdu } from '../apdu.ts';
import { XacminhError, isXacminhError } from '../errors.ts';
import { bytesEqual, fromHex, hex } from './crypto/bytes.ts';
import type { SessionKeys } from './secure-channel.ts';
import { createChipSecureChannel, createSecureChannel } from './sm.ts';
import { fuzzSeed, mutateBytes } from '../mutate.ts';
import { mulberry32 } from '../prng.ts';

// ICAO Doc 9303 Part 11, Appendix D.4: session keys after BAC and the protected exchange.
const D4_KEYS = (): SessionKeys => ({
  cipher: '3DES',
  kEnc: fromHex('979EC13B1CBFE9DCD01AB0FED307EAE5'),
  kMac: fromHex('F1CB1F1FB5ADF208806B89DC579DC1F8'),
  ssc: fromHex('887022120C06C226'),
});
const D4 = [
  { plain: '00A4020C02011E', protectedCmd: '0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800', rapdu: '990290008E08FA855A5D4C50A8ED9000', data: '' },
  { plain: '00B0000004', protectedCmd: '0CB000000D9701048E08ED6705417E96BA5500', rapdu: '8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000', data: '60145F01' },
  {
    plain: '00B0000412',
    protectedCmd: '0CB000040D9701128E082EA28A70F3C7B53500',
    rapdu: '871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000',
    data: '04303130365F36063034303030305C026175',
  },
];

test('D.4: terminal side produces the published protected APDUs and opens the published responses', () => {
  const channel = createSecureChannel(D4_KEYS());
  for (const step of D4) {
    assert.is(hex(encodeCommand(channel.wrap(decodeCommand(fromHex(step.plain))))), step.protectedCmd);
    const response = channel.unwrap(decodeResponse(fromHex(step.rapdu)));
    assert.is(hex(response.data), step.data);
    assert.is(response.sw, 0x9000);
  }
});

test('D.4: chip side opens the published commands and produces the published responses', () => {
  const chip = createChipSecureChannel(D4_KEYS());
  for (const step of D4) {
    const plain = chip.unwrapCommand(decodeCommand(fromHex(step.protectedCmd)));
    assert.is(hex(encodeCommand(plain)), step.plain);
    assert.is(hex(encodeResponse(chip.wrapResponse({ data: fromHex(step.data), sw: 0x9000 }))), step.rapdu);
  }
});

const suites: Array<[string, () => SessionKeys]> = [
  ['3DES', () => ({ cipher: '3DES', kEnc: new Uint8Array(randomBytes(16)), kMac: new Uint8Array(randomBytes(16)), ssc: new Uint8Array(randomBytes(8)) })],
  ...[16, 24, 32].map((n): [string, () => SessionKeys] => [
    `AES-${n * 8}`,
    () => ({ cipher: 'AES', kEnc: new Uint8Array(randomBytes(n)), kMac: new Uint8Array(randomBytes(n)), ssc: new Uint8Array(16) }),
  ]),
];

const commands: Array<[string, CommandApdu, number]> = [
  ['SELECT no Le', { cla: 0, ins: 0xa4, p1: 2, p2: 0x0c, data: fromHex('011D') }, 0],
  ['READ BINARY short', { cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 223 }, 223],
  ['READ BINARY Le 256', { cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 256 }, 256],
  ['READ BINARY odd INS (DO85, offset DO54)', { cla: 0, ins: 0xb1, p1: 0, p2: 0, data: fromHex('54028001'), ne: 200 }, 200],
  ['READ BINARY extended Ne 1000', { cla: 0, ins: 0xb0, p1: 0x10, p2: 0, ne: 1000 }, 1000],
  ['READ BINARY extended Ne 65536', { cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 65536 }, 4000],
  ['long data (extended Lc)', { cla: 0, ins: 0xd6, p1: 0, p2: 0, data: new Uint8Array(randomBytes(400)) }, 0],
];

for (const [name, keys] of suites) {
  test(`${name}: wrap/unwrap round trip both directions, odd INS and extended length`, () => {
    const k = keys();
    const terminal = createSecureChannel(k);
    const chip = createChipSecureChannel(k);
    for (const [label, command, answerLength] of commands) {
      const wrapped = terminal.wrap(command);
      const raw = encodeCommand(wrapped); // must encode: short or extended as needed
      const needsExtended = (command.ne ?? 0) > 256 || wrapped.data!.length > 255;
      assert.is(wrapped.ne, needsExtended ? 65536 : 256, label);
      const opened = chip.unwrapCommand(decodeCommand(raw));
      assert.equal(opened, command, label);
      if ((command.ins & 1) === 1) assert.is(wrapped.data![0], 0x85, `${label}: DO85 for odd INS`);
      const answer = { data: new Uint8Array(randomBytes(answerLength)), sw: 0x9000 };
      const protectedAnswer = chip.wrapResponse(answer);
      if ((command.ins & 1) === 1 && answerLength > 0) assert.is(protectedAnswer.data[0], 0x85, `${label}: DO85 in the answer`);
      const result = terminal.unwrap(decodeResponse(encodeResponse(protectedAnswer)));
      assert.equal(result, answer, label);
    }
    // A protected error status word travels in DO99, and the channel stays usable afterwards.
    chip.unwrapCommand(terminal.wrap({ cla: 0, ins: 0xb0, p1: 0x7f, p2: 0, ne: 8 }));
    assert.equal(terminal.unwrap(chip.wrapResponse({ data: new Uint8Array(0), sw: 0x6b00 })), { data: new Uint8Array(0), sw: 0x6b00 });
    chip.unwrapCommand(terminal.wrap({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 8 }));
    assert.is(terminal.unwrap(chip.wrapResponse({ data: new Uint8Array(8), sw: 0x9000 })).data.length, 8);
  });

  test(`${name}: every corrupted byte of a protected response is rejected, MAC checked before decryption`, () => {
    const k = keys();
    const chip = createChipSecureChannel(k);
    const probe = createSecureChannel(k);
    chip.unwrapCommand(probe.wrap({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 40 }));
    const good = encodeResponse(chip.wrapResponse({ data: new Uint8Array(randomBytes(40)), sw: 0x9000 }));
    const body = good.subarray(0, good.length - 2);
    const values = new Set<number>(); // positions inside DO values (cryptogram, status, MAC)
    for (let i = 0; i < body.length; ) {
      const len = body[i + 1]!;
      for (let j = i + 2; j < i + 2 + len; j++) values.add(j);
      i += 2 + len;
    }
    for (let i = 0; i < body.length; i++) {
      const terminal = createSecureChannel(k);
      terminal.wrap({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 40 });
      const bad = good.slice();
      bad[i]! ^= 0x01 << (i % 8);
      let error: unknown;
      try {
        terminal.unwrap(decodeResponse(bad));
      } catch (e) {
        error = e;
      }
      if (values.has(i)) assert.ok(isXacminhError(error, 'SM_INVALID_MAC'), `byte ${i}: ${String(error)}`);
      else assert.ok(isXacminhError(error, 'SM_INVALID_MAC') || isXacminhError(error, 'SM_MALFORMED'), `byte ${i} (tag/length): ${String(error)}`);
    }
    const terminal = createSecureChannel(k);
    terminal.wrap({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 40 });
    assert.is(terminal.unwrap(decodeResponse(good)).data.length, 40, 'the uncorrupted response still verifies');
  });
}

test('a corrupted command MAC is refused by the chip side', () => {
  const terminal = createSecureChannel(D4_KEYS());
  const chip = createChipSecureChannel(D4_KEYS());
  const wrapped = terminal.wrap({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 4 });
  wrapped.data![wrapped.data!.length - 1]! ^= 0xff;
  assert.throws(() => chip.unwrapCommand(wrapped), (e: unknown) => isXacminhError(e, 'SM_INVALID_MAC'));
});

test('plain error status word is returned as is and closes the channel; plain 9000 and missing DO8E are malformed', () => {
  const terminal = createSecureChannel(D4_KEYS());
  terminal.wrap({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 4 });
  assert.equal(terminal.unwrap({ data: new Uint8Array(0), sw: 0x6a82 }), { data: new Uint8Array(0), sw: 0x6a82 });
  assert.ok(terminal.closed);
  assert.throws(() => terminal.wrap({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 4 }), (e: unknown) => isXacminhError(e, 'SM_MALFORMED'));

  const t2 = createSecureChannel(D4_KEYS());
  t2.wrap({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 4 });
  assert.throws(() => t2.unwrap({ data: new Uint8Array(0), sw: 0x9000 }), (e: unknown) => isXacminhError(e, 'SM_MALFORMED'));

  const t3 = createSecureChannel(D4_KEYS());
  t3.wrap({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 4 });
  assert.throws(() => t3.unwrap({ data: fromHex('99029000'), sw: 0x9000 }), (e: unknown) => isXacminhError(e, 'SM_MALFORMED'));
});

test('fuzz: 12,000 random and mutated responses into unwrap: never data, only XacminhError', () => {
  const seed = fuzzSeed();
  const random = mulberry32(seed);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  const k: SessionKeys = { cipher: 'AES', kEnc: bytes(16), kMac: bytes(16), ssc: new Uint8Array(16) };
  const chip = createChipSecureChannel(k);
  const probe = createSecureChannel(k);
  chip.unwrapCommand(probe.wrap({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 64 }));
  const aesData = bytes(64);
  const aesResponse = encodeResponse(chip.wrapResponse({ data: aesData, sw: 0x9000 }));
  const tdes = D4.map((s) => fromHex(s.rapdu));
  // A channel waiting for the answer to D.4 step `step` (3DES), or for aesResponse.
  const fresh = (useAes: boolean, step: number) => {
    if (useAes) {
      const channel = createSecureChannel(k);
      channel.wrap({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 64 });
      return channel;
    }
    const channel = createSecureChannel(D4_KEYS());
    for (const [j, s] of D4.entries()) {
      channel.wrap(decodeCommand(fromHex(s.plain)));
      if (j === step) return channel;
      channel.unwrap(decodeResponse(fromHex(s.rapdu)));
    }
    throw new Error(`no D.4 step ${step}`);
  };
  // The unmutated responses open, so a refusal below is the mutation's doing.
  assert.is(fresh(true, 0).unwrap(decodeResponse(aesResponse)).data.length, 64);
  for (const [step, s] of D4.entries()) assert.is(hex(fresh(false, step).unwrap(decodeResponse(tdes[step]!)).data), s.data);
  let bareStatusWords = 0;
  let outerSwOnly = 0;
  for (let i = 0; i < 12_000; i++) {
    const useAes = i % 2 === 0;
    const step = Math.floor(i / 2) % tdes.length;
    const original = useAes ? aesResponse : tdes[step]!;
    const raw = i % 5 === 0 ? bytes(2 + Math.floor(random() * 90)) : mutateBytes(original, random, { truncate: 0.2 });
    try {
      const response = fresh(useAes, step).unwrap(decodeResponse(raw));
      if (raw.length === original.length && bytesEqual(raw.subarray(0, -2), original.subarray(0, -2))) {
        // Only the outer status word changed: it is outside the MAC, and unwrap answers DO'99', so what comes
        // out is still the authenticated answer.
        assert.equal([hex(response.data), response.sw], [useAes ? hex(aesData) : D4[step]!.data, 0x9000]);
        outerSwOnly++;
        continue;
      }
      // Otherwise the one thing that may pass: a bare error status word (the chip ended secure messaging), as it is.
      assert.ok(raw.length === 2 && response.data.length === 0 && response.sw !== 0x9000, `seed ${seed}: accepted ${hex(raw)}`);
      bareStatusWords++;
    } catch (error) {
      if (!(error instanceof XacminhError)) throw new Error(`seed ${seed}: non-typed error for ${hex(raw)}: ${String(error)}`);
    }
  }
  console.log(`    seed ${seed}: ${bareStatusWords} bare status words and ${outerSwOnly} outer-SW-only mutants passed; every other mutant refused`);
  assert.ok(bareStatusWords < 12_000 / 5, `seed ${seed}: ${bareStatusWords} bare status words: the mutants hardly reach unwrap`);
});


test.run();
