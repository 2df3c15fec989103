/**
 * Basic Access Control (ICAO 9303-11 §4.3), terminal and chip side. Key derivation is pure and checked
 * against Appendix D; performBac only adds the two APDUs (GET CHALLENGE, EXTERNAL AUTHENTICATE).
 */
import type { CommandApdu, ResponseApdu } from '../apdu.ts';
import { SW_OK } from '../apdu.ts';
import { StatusWordError, XacminhError } from '../errors.ts';
import { bytesEqual, concat, defaultRandom, xor, type RandomSource } from './crypto/bytes.ts';
import { TDES } from './crypto/cipher-suite.ts';
import { KDF_ENC, KDF_MAC, deriveKey, sha1 } from './crypto/kdf.ts';
import type { ChipSecureChannel, SecureChannel, SessionKeys } from './secure-channel.ts';
import { createChipSecureChannel, createSecureChannel } from './sm.ts';
import { mrzCheckDigit } from './mrz.ts';

export interface BacKeyInput {
  documentNumber: string;
  dateOfBirth: string;
  dateOfExpiry: string;
}

export type SendPlain = (command: CommandApdu) => Promise<ResponseApdu>;

function normaliseDate(value: string, what: string): string {
  const date = value.trim();
  if (!/^\d{6}$/.test(date)) throw new XacminhError('INVALID_INPUT', `${what} must be YYMMDD`, { field: what });
  const month = Number(date.slice(2, 4));
  const day = Number(date.slice(4, 6));
  if (month < 1 || month > 12 || day < 1 || day > 31) throw new XacminhError('INVALID_INPUT', `${what} is not a valid date`, { field: what });
  return date;
}

/**
 * MRZ information for BAC: document number (padded with '<' to 9; longer numbers are used in full, as
 * 9303-11 requires), its check digit, date of birth and check digit, date of expiry and check digit.
 */
export function mrzInformation(input: BacKeyInput): string {
  const documentNumber = input.documentNumber.trim().toUpperCase().replace(/\s+/g, '');
  if (!/^[0-9A-Z<]{1,22}$/.test(documentNumber)) {
    throw new XacminhError('INVALID_INPUT', 'Document number must be letters and digits', { field: 'documentNumber' });
  }
  const number = documentNumber.padEnd(9, '<');
  const dob = normaliseDate(input.dateOfBirth, 'dateOfBirth');
  const doe = normaliseDate(input.dateOfExpiry, 'dateOfExpiry');
  return `${number}${mrzCheckDigit(number)}${dob}${mrzCheckDigit(dob)}${doe}${mrzCheckDigit(doe)}`;
}

/** Kseed: the first 16 bytes of SHA-1(MRZ information). */
export function computeBacKeySeed(input: BacKeyInput): Uint8Array {
  return sha1(new TextEncoder().encode(mrzInformation(input))).slice(0, 16);
}

export function deriveBacKeys(keySeed: Uint8Array): { kEnc: Uint8Array; kMac: Uint8Array } {
  return { kEnc: deriveKey(keySeed, '3DES', 16, KDF_ENC), kMac: deriveKey(keySeed, '3DES', 16, KDF_MAC) };
}

/** Session keys from K.IFD ⊕ K.IC and the SSC from the low halves of the nonces, chip first (§9.7.3). */
export function bacSessionKeys(kIfd: Uint8Array, kIc: Uint8Array, rndIc: Uint8Array, rndIfd: Uint8Array): SessionKeys {
  const { kEnc, kMac } = deriveBacKeys(xor(kIfd, kIc));
  return { cipher: '3DES', kEnc, kMac, ssc: concat(rndIc.subarray(4, 8), rndIfd.subarray(4, 8)) };
}

/** E = 3DES-CBC(KEnc, plain), M = retail MAC(KMac, E): the body of EXTERNAL AUTHENTICATE both ways. */
export function bacCryptogram(kEnc: Uint8Array, kMac: Uint8Array, plain: Uint8Array): Uint8Array {
  const e = TDES.encryptZeroIv(kEnc, plain);
  return concat(e, TDES.mac(kMac, e));
}

/** Checks the MAC of a 40-byte cryptogram and decrypts it; undefined when the MAC does not verify. */
export function openBacCryptogram(kEnc: Uint8Array, kMac: Uint8Array, data: Uint8Array): Uint8Array | undefined {
  if (data.length !== 40) return undefined;
  const e = data.subarray(0, 32);
  if (!bytesEqual(TDES.mac(kMac, e), data.subarray(32, 40))) return undefined;
  return TDES.decryptZeroIv(kEnc, e);
}

const DENIED_MESSAGE = 'BAC refused: check document number, date of birth and expiry';

function takeRandom(random: RandomSource, n: number): Uint8Array {
  const bytes = random(n);
  if (!(bytes instanceof Uint8Array) || bytes.length !== n) throw new XacminhError('INVALID_INPUT', 'random source returned the wrong length');
  return bytes;
}

export async function performBac(send: SendPlain, input: BacKeyInput, options: { random?: RandomSource } = {}): Promise<SecureChannel> {
  const random = options.random ?? defaultRandom;
  const { kEnc, kMac } = deriveBacKeys(computeBacKeySeed(input));

  const challenge = await send({ cla: 0x00, ins: 0x84, p1: 0x00, p2: 0x00, ne: 8 });
  if (challenge.sw !== SW_OK) throw new StatusWordError('CARD_ERROR', challenge.sw, 'GET CHALLENGE failed');
  if (challenge.data.length !== 8) {
    throw new XacminhError('SM_MALFORMED', `GET CHALLENGE returned ${challenge.data.length} bytes, expected 8`);
  }
  const rndIc = challenge.data.slice();
  const rndIfd = takeRandom(random, 8);
  const kIfd = takeRandom(random, 16);

  const body = bacCryptogram(kEnc, kMac, concat(rndIfd, rndIc, kIfd));
  const answer = await send({ cla: 0x00, ins: 0x82, p1: 0x00, p2: 0x00, data: body, ne: 40 });
  if (answer.sw === 0x6300 || answer.sw === 0x6982) throw new StatusWordError('ACCESS_DENIED', answer.sw, DENIED_MESSAGE);
  if (answer.sw !== SW_OK) throw new StatusWordError('CARD_ERROR', answer.sw, 'EXTERNAL AUTHENTICATE failed');
  if (answer.data.length !== 40) {
    throw new XacminhError('SM_MALFORMED', `EXTERNAL AUTHENTICATE returned ${answer.data.length} bytes, expected 40`);
  }
  const r = openBacCryptogram(kEnc, kMac, answer.data);
  if (!r) throw new XacminhError('ACCESS_DENIED', `${DENIED_MESSAGE} (the chip's cryptogram MAC does not verify)`);
  // R = RND.IC ‖ RND.IFD ‖ K.IC: both nonces must come back, or this is not the chip we challenged.
  if (!bytesEqual(r.subarray(0, 8), rndIc) || !bytesEqual(r.subarray(8, 16), rndIfd)) {
    throw new XacminhError('ACCESS_DENIED', `${DENIED_MESSAGE} (the chip did not echo the nonces)`);
  }
  return createSecureChannel(bacSessionKeys(kIfd, r.subarray(16, 32), rndIc, rndIfd));
}

/** Chip side of BAC for the virtual card. One EXTERNAL AUTHENTICATE attempt per challenge. */
export class BacChip {
  readonly #kEnc: Uint8Array;
  readonly #kMac: Uint8Array;
  readonly #random: RandomSource;
  #rndIc: Uint8Array | undefined;

  constructor(input: BacKeyInput, options: { random?: RandomSource } = {}) {
    const keys = deriveBacKeys(computeBacKeySeed(input));
    this.#kEnc = keys.kEnc;
    this.#kMac = keys.kMac;
    this.#random = options.random ?? defaultRandom;
  }

  handle(command: CommandApdu): { response: ResponseApdu; channel?: ChipSecureChannel } {
    const sw = (value: number) => ({ response: { data: new Uint8Array(0), sw: value } });
    if (command.cla !== 0x00) return sw(0x6e00);
    if (command.ins === 0x84) {
      if (command.p1 !== 0 || command.p2 !== 0) return sw(0x6b00);
      if (command.ne !== 8) return sw(0x6700);
      this.#rndIc = takeRandom(this.#random, 8).slice();
      return { response: { data: this.#rndIc.slice(), sw: SW_OK } };
    }
    if (command.ins !== 0x82) return sw(0x6d00);
    const rndIc = this.#rndIc;
    this.#rndIc = undefined; // a challenge is good for one attempt
    if (!rndIc) return sw(0x6985);
    if (command.p1 !== 0 || command.p2 !== 0) return sw(0x6b00);
    if (!command.data || command.data.length !== 40) return sw(0x6700);
    const s = openBacCryptogram(this.#kEnc, this.#kMac, command.data);
    // S = RND.IFD ‖ RND.IC ‖ K.IFD
    if (!s || !bytesEqual(s.subarray(8, 16), rndIc)) return sw(0x6300);
    const rndIfd = s.subarray(0, 8);
    const kIc = takeRandom(this.#random, 16);
    const data = bacCryptogram(this.#kEnc, this.#kMac, concat(rndIc, rndIfd, kIc));
    const channel = createChipSecureChannel(bacSessionKeys(s.subarray(16, 32), kIc, rndIc, rndIfd));
    return { response: { data, sw: SW_OK }, channel };
  }
}
