import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeCommand, decodeResponse, encodeCommand, encodeResponse, type CommandApdu, type ResponseApdu } from '../apdu.ts';
import { XacminhError, isXacminhError } from '../errors.ts';
import { mrzCheckDigit as checkDigit } from './mrz.ts';
import { BacChip, bacCryptogram, computeBacKeySeed, deriveBacKeys, mrzInformation, performBac } from './bac.ts';
import { fromHex, hex } from './crypto/bytes.ts';
import type { ChipSecureChannel } from './secure-channel.ts';
import { queuedRandom, scriptedCard } from './pace/test-support.ts';
import { fuzzSeed, mutateBytes } from '../mutate.ts';
import { mulberry32 } from '../prng.ts';

// ICAO Doc 9303 Part 11, Appendix D (specimen: L898902C<, born 690806, expires 940623).
const KEY = { documentNumber: 'L898902C', dateOfBirth: '690806', dateOfExpiry: '940623' };
const D = {
  mrz: 'L898902C<369080619406236',
  seed: '239AB9CB282DAF66231DC5A4DF6BFBAE',
  kEnc: 'AB94FDECF2674FDFB9B391F85D7F76F2',
  kMac: '7962D9ECE03D1ACD4C76089DCE131543',
  rndIc: '4608F91988702212',
  rndIfd: '781723860C06C226',
  kIfd: '0B795240CB7049B01C19B33E32804F0B',
  cmdData: '72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7',
  respData: '46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449',
  kIc: '0B4F80323EB3191CB04970CB4052790B',
};

test('D.2: MRZ information, check digits, Kseed, KEnc and KMac', () => {
  assert.is(mrzInformation(KEY), D.mrz);
  assert.is(checkDigit('L898902C<'), '3');
  assert.is(hex(computeBacKeySeed(KEY)), D.seed);
  const { kEnc, kMac } = deriveBacKeys(fromHex(D.seed));
  assert.is(hex(kEnc), D.kEnc);
  assert.is(hex(kMac), D.kMac);
});

test('long document numbers are used in full; lower case and spaces are normalised; bad input is INVALID_INPUT', () => {
  const long = mrzInformation({ documentNumber: '123456789012', dateOfBirth: '900101', dateOfExpiry: '300101' });
  assert.is(long, `123456789012${checkDigit('123456789012')}9001011${'300101'}${checkDigit('300101')}`);
  assert.is(mrzInformation({ ...KEY, documentNumber: ' l898902c ' }), D.mrz);
  for (const bad of [{ ...KEY, documentNumber: '' }, { ...KEY, documentNumber: 'AB-12' }, { ...KEY, dateOfBirth: '6908' }, { ...KEY, dateOfExpiry: '941323' }]) {
    assert.throws(() => mrzInformation(bad), (e: unknown) => isXacminhError(e, 'INVALID_INPUT'));
  }
});

test('D.3: performBac sends the published EXTERNAL AUTHENTICATE and yields the D.4 channel', async () => {
  const card = scriptedCard([`${D.rndIc}9000`, `${D.respData}9000`]);
  const channel = await performBac(card.send, KEY, { random: queuedRandom(D.rndIfd, D.kIfd) });
  assert.equal(card.sent, ['0084000008', `0082000028${D.cmdData}28`]);
  // Session keys and SSC show in the first protected command of D.4.
  assert.is(hex(encodeCommand(channel.wrap(decodeCommand(fromHex('00A4020C02011E'))))), '0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800');
});

test('D.3: BacChip produces the published chip cryptogram', () => {
  const chip = new BacChip(KEY, { random: queuedRandom(D.rndIc, D.kIc) });
  const challenge = chip.handle(decodeCommand(fromHex('0084000008')));
  assert.is(hex(encodeResponse(challenge.response)), `${D.rndIc}9000`);
  const auth = chip.handle(decodeCommand(fromHex(`0082000028${D.cmdData}28`)));
  assert.is(hex(encodeResponse(auth.response)), `${D.respData}9000`);
  assert.ok(auth.channel);
  // The chip's channel opens D.4's protected SELECT.
  const plain = auth.channel.unwrapCommand(decodeCommand(fromHex('0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800')));
  assert.is(hex(encodeCommand(plain)), '00A4020C02011E');
});

function chipTransport(chip: BacChip) {
  let channel: ChipSecureChannel | undefined;
  const send = (command: CommandApdu): Promise<ResponseApdu> => {
    const out = chip.handle(decodeCommand(encodeCommand(command)));
    channel = out.channel ?? channel;
    return Promise.resolve(out.response);
  };
  return { send, channel: () => channel };
}

test('round trip: terminal and BacChip agree on keys; protected commands work both ways', async () => {
  const chip = new BacChip(KEY);
  const t = chipTransport(chip);
  const channel = await performBac(t.send, KEY);
  const chipChannel = t.channel()!;
  const command = { cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 4 };
  assert.equal(chipChannel.unwrapCommand(channel.wrap(command)), command);
  assert.equal(channel.unwrap(chipChannel.wrapResponse({ data: fromHex('60145F01'), sw: 0x9000 })), { data: fromHex('60145F01'), sw: 0x9000 });
});

test('wrong MRZ: the chip answers 6300 and performBac throws ACCESS_DENIED with the operator message', async () => {
  const chip = new BacChip(KEY);
  const error = await performBac(chipTransport(chip).send, { ...KEY, dateOfBirth: '690807' }).catch((e: unknown) => e);
  assert.ok(isXacminhError(error, 'ACCESS_DENIED'));
  assert.match((error as XacminhError).message, 'BAC refused: check document number, date of birth and expiry');
  assert.is((error as XacminhError).evidence.sw, '6300');
  const denied6982 = await performBac(scriptedCard([`${D.rndIc}9000`, '6982']).send, KEY).catch((e: unknown) => e);
  assert.ok(isXacminhError(denied6982, 'ACCESS_DENIED'));
});

test('a chip cryptogram with a bad MAC or without our nonce is refused', async () => {
  const badMac = D.respData.slice(0, -2) + '48';
  const e1 = await performBac(scriptedCard([`${D.rndIc}9000`, `${badMac}9000`]).send, KEY, { random: queuedRandom(D.rndIfd, D.kIfd) }).catch((e: unknown) => e);
  assert.ok(isXacminhError(e1, 'ACCESS_DENIED'));
  // A well-MACed cryptogram that echoes another RND.IFD.
  const { kEnc, kMac } = deriveBacKeys(fromHex(D.seed));
  const forged = hex(bacCryptogram(kEnc, kMac, fromHex(`${D.rndIc}${'00'.repeat(8)}${D.kIc}`)));
  const e2 = await performBac(scriptedCard([`${D.rndIc}9000`, `${forged}9000`]).send, KEY, { random: queuedRandom(D.rndIfd, D.kIfd) }).catch((e: unknown) => e);
  assert.ok(isXacminhError(e2, 'ACCESS_DENIED'));
  const e3 = await performBac(scriptedCard([`${D.rndIc}9000`, `${D.respData.slice(0, 60)}9000`]).send, KEY).catch((e: unknown) => e);
  assert.ok(isXacminhError(e3, 'SM_MALFORMED'));
  const e4 = await performBac(scriptedCard(['6D00']).send, KEY).catch((e: unknown) => e);
  assert.ok(isXacminhError(e4, 'CARD_ERROR'));
});

test('BacChip: one attempt per challenge, EXTERNAL AUTHENTICATE without challenge is 6985', () => {
  const chip = new BacChip(KEY, { random: queuedRandom(D.rndIc, D.kIc) });
  assert.is(chip.handle(decodeCommand(fromHex(`0082000028${D.cmdData}28`))).response.sw, 0x6985);
  chip.handle(decodeCommand(fromHex('0084000008')));
  assert.is(chip.handle(decodeCommand(fromHex(`0082000028${D.cmdData.replace('72C2', '72C3')}28`))).response.sw, 0x6300);
  assert.is(chip.handle(decodeCommand(fromHex(`0082000028${D.cmdData}28`))).response.sw, 0x6985);
});

test('fuzz: 10,000 random and mutated chip answers to BAC: never a channel, only XacminhError', async () => {
  const seed = fuzzSeed();
  const random = mulberry32(seed);
  const genuine = fromHex(`${D.respData}9000`);
  // The unmutated exchange opens a channel, so a refusal below is the mutation's doing.
  const send0 = scriptedCard([`${D.rndIc}9000`, hex(genuine)]).send;
  assert.ok(await performBac(send0, KEY, { random: queuedRandom(D.rndIfd, D.kIfd) }));
  const bases = [genuine, fromHex('9000'), fromHex('6300')];
  let channels = 0;
  for (let i = 0; i < 10_000; i++) {
    const raw =
      i % 3 === 0
        ? Uint8Array.from({ length: 2 + Math.floor(random() * 60) }, () => Math.floor(random() * 256))
        : mutateBytes(bases[Math.floor(i / 3) % bases.length]!, random); // i / 3: i % 3 is taken, and the genuine answer must be a base
    const challenge = i % 11 === 0 ? fromHex('0102039000') : fromHex(`${D.rndIc}9000`);
    const answers = [challenge, raw];
    const send = (): Promise<ResponseApdu> => Promise.resolve(decodeResponse(answers.shift()!));
    try {
      await performBac(send, KEY, { random: queuedRandom(D.rndIfd, D.kIfd) });
      channels++;
    } catch (error) {
      if (!(error instanceof XacminhError)) throw new Error(`seed ${seed}: untyped error for ${hex(raw)}: ${String(error)}`);
    }
  }
  // Only the genuine EXTERNAL AUTHENTICATE answer carries the chip's MAC over RND.IFD: no mutant may pass.
  assert.is(channels, 0, `seed ${seed}: ${channels} mutated answers opened a BAC channel`);
});

test.run();
