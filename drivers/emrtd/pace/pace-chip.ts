/**
 * PACE, chip side, for the virtual card: MSE:Set AT (00 22 C1 A4) then the four GENERAL AUTHENTICATE
 * steps (10 86 ×3, 00 86). Received public keys are validated (on the curve / in the subgroup, not
 * equal to ours); any protocol error answers 6A80 or 6985 and resets, a wrong token answers 6300.
 */
import type { CommandApdu, ResponseApdu } from '../../apdu.ts';
import { SW_OK } from '../../apdu.ts';
import { XacminhError } from '../../errors.ts';
import { bytesEqual, defaultRandom, type RandomSource } from '../crypto/bytes.ts';
import { encodeTlv, readTlvList } from '../tlv.ts';
import type { ChipSecureChannel, SessionKeys } from '../secure-channel.ts';
import { createChipSecureChannel } from '../sm.ts';
import { mapGenerator, standardGroup, withGenerator, type GroupElement, type PaceGroup } from './group.ts';
import {
  authenticationToken,
  dynamicAuthData,
  openDynamicAuthData,
  passwordKey,
  passwordReference,
  requireObject,
  resolvePaceSuite,
  sessionKeys,
  type PacePassword,
  type PaceParameters,
  type PaceSuite,
} from './protocol.ts';

type State =
  | { step: 'idle' }
  | { step: 'ready' }
  | { step: 'nonce'; s: Uint8Array }
  | { step: 'mapped'; mapped: PaceGroup }
  | { step: 'agreed'; keys: SessionKeys; ourPublic: Uint8Array; theirPublic: Uint8Array };

const NONCE_LENGTH = 16;

export class PaceChip {
  readonly #suite: PaceSuite;
  readonly #password: PacePassword;
  readonly #parameterId: number;
  readonly #kPi: Uint8Array;
  readonly #random: RandomSource;
  #state: State = { step: 'idle' };

  constructor(password: PacePassword, params: PaceParameters, options: { random?: RandomSource } = {}) {
    this.#suite = resolvePaceSuite(params);
    this.#password = password;
    this.#parameterId = params.parameterId;
    this.#kPi = passwordKey(password, this.#suite);
    this.#random = options.random ?? defaultRandom;
  }

  handle(command: CommandApdu): { response: ResponseApdu; channel?: ChipSecureChannel } {
    try {
      if (command.ins === 0x22 && command.p1 === 0xc1 && command.p2 === 0xa4 && command.cla === 0x00) return this.#mseSetAt(command);
      if (command.ins === 0x86 && (command.cla === 0x10 || command.cla === 0x00)) {
        if (command.p1 !== 0 || command.p2 !== 0) return this.#fail(0x6a86);
        return this.#generalAuthenticate(command);
      }
      return { response: status(0x6d00) };
    } catch (error) {
      this.#state = { step: 'idle' };
      if (error instanceof XacminhError) return { response: status(0x6a80) };
      throw error;
    }
  }

  #fail(sw: number): { response: ResponseApdu } {
    this.#state = { step: 'idle' };
    return { response: status(sw) };
  }

  #mseSetAt(command: CommandApdu): { response: ResponseApdu } {
    const objects = new Map(readTlvList(command.data ?? new Uint8Array(0)).map((t) => [t.tag, t.value]));
    const oid = objects.get(0x80);
    const ref = objects.get(0x83);
    const id = objects.get(0x84);
    if (!oid || !bytesEqual(oid, this.#suite.oidBytes)) return this.#fail(0x6a80);
    if (!ref || ref.length !== 1 || ref[0] !== passwordReference(this.#password)) return this.#fail(0x6a80);
    if (id && (id.length !== 1 || id[0] !== this.#parameterId)) return this.#fail(0x6a80);
    this.#state = { step: 'ready' };
    return { response: status(SW_OK) };
  }

  #generalAuthenticate(command: CommandApdu): { response: ResponseApdu; channel?: ChipSecureChannel } {
    const state = this.#state;
    const last = state.step === 'agreed';
    if ((command.cla === 0x00) !== last) return this.#fail(0x6985); // only the token step ends the chain
    const objects = openDynamicAuthData(command.data ?? new Uint8Array(0));
    const group = standardGroup(this.#suite.domain);
    switch (state.step) {
      case 'idle':
        return this.#fail(0x6985);
      case 'ready': {
        if (objects.size !== 0) return this.#fail(0x6a80);
        const s = takeRandom(this.#random, NONCE_LENGTH);
        this.#state = { step: 'nonce', s };
        return ok(dynamicAuthData(encodeTlv(0x80, this.#suite.suite.encryptZeroIv(this.#kPi, s))));
      }
      case 'nonce': {
        const theirs = group.decode(requireObject(objects, 0x81));
        const key = group.randomScalar(this.#random);
        const ours = group.multiply(group.generator, key);
        if (group.equals(theirs, ours)) return this.#fail(0x6a80);
        const generator: GroupElement = mapGenerator(this.#suite.domain, state.s, group.multiply(theirs, key));
        this.#state = { step: 'mapped', mapped: withGenerator(this.#suite.domain, generator) };
        return ok(dynamicAuthData(encodeTlv(0x82, group.encode(ours))));
      }
      case 'mapped': {
        const { mapped } = state;
        const theirPublic = requireObject(objects, 0x83);
        const theirs = mapped.decode(theirPublic);
        const key = mapped.randomScalar(this.#random);
        const ours = mapped.multiply(mapped.generator, key);
        if (mapped.equals(theirs, ours)) return this.#fail(0x6a80);
        const keys = sessionKeys(mapped.secret(mapped.multiply(theirs, key)), this.#suite);
        const ourPublic = mapped.encode(ours);
        this.#state = { step: 'agreed', keys, ourPublic, theirPublic: mapped.encode(theirs) };
        return ok(dynamicAuthData(encodeTlv(0x84, ourPublic)));
      }
      case 'agreed': {
        const token = requireObject(objects, 0x85);
        const expected = authenticationToken(this.#suite, state.keys.kMac, group.publicValueTag, state.ourPublic);
        if (!bytesEqual(token, expected)) return this.#fail(0x6300);
        const ours = authenticationToken(this.#suite, state.keys.kMac, group.publicValueTag, state.theirPublic);
        this.#state = { step: 'idle' };
        return { response: { data: dynamicAuthData(encodeTlv(0x86, ours)), sw: SW_OK }, channel: createChipSecureChannel(state.keys) };
      }
    }
  }
}

function status(sw: number): ResponseApdu {
  return { data: new Uint8Array(0), sw };
}

function ok(data: Uint8Array): { response: ResponseApdu } {
  return { response: { data, sw: SW_OK } };
}

function takeRandom(random: RandomSource, n: number): Uint8Array {
  const bytes = random(n);
  if (!(bytes instanceof Uint8Array) || bytes.length !== n) throw new XacminhError('INVALID_INPUT', 'random source returned the wrong length');
  return bytes.slice();
}
