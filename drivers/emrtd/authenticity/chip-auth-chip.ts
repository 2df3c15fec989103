/**
 * Chip Authentication, chip side, for the virtual card. It answers MSE:Set KAT (3DES) or MSE:Set AT +
 * GENERAL AUTHENTICATE (AES), validates the terminal's ephemeral key, and hands back the new chip-side
 * channel, which the card installs only after its answer went out under the old keys.
 * A clone (behaviour 'wrong-key') knows the public key in DG14 but not the private one: it derives keys
 * from another scalar, so the terminal's next protected command fails.
 */
import type { CommandApdu, ResponseApdu } from '../../apdu.ts';
import { XacminhError } from '../../errors.ts';
import { bytesEqual, defaultRandom, type RandomSource } from '../crypto/bytes.ts';
import { OID, oidToBytes } from '../oids.ts';
import type { ChipSecureChannel } from '../secure-channel.ts';
import { createChipSecureChannel } from '../sm.ts';
import { readTlvList } from '../tlv.ts';
import { readCaPublicKey, type CaKeyPair, type CaPublicKey } from './ca-key.ts';
import { caSessionKeys, describeCaOid, keyIdBytes, type CaSuite } from './chip.ts';

export type ChipAuthBehaviour = 'genuine' | 'absent' | 'wrong-key';

export interface ChipAuthChipOptions {
  key: CaKeyPair;
  /** The id-CA-… protocol DG14 advertises. */
  protocolOid: string;
  keyId?: number;
  behaviour?: ChipAuthBehaviour;
  random?: RandomSource;
}

const reply = (sw: number, data: Uint8Array = new Uint8Array(0)): ResponseApdu => ({ data, sw });

export class ChipAuthenticationChip {
  readonly #suite: CaSuite;
  readonly #oidBytes: Uint8Array;
  readonly #key: CaPublicKey;
  readonly #scalar: bigint;
  readonly #options: ChipAuthChipOptions;
  #awaitingKey = false;

  constructor(options: ChipAuthChipOptions) {
    const suite = describeCaOid(options.protocolOid);
    if (!suite) throw new XacminhError('INVALID_INPUT', `Not a Chip Authentication protocol: ${options.protocolOid}`);
    this.#suite = suite;
    this.#oidBytes = oidToBytes(options.protocolOid);
    this.#key = readCaPublicKey(options.key.spki);
    this.#options = options;
    // The clone's scalar: any other one gives other keys.
    this.#scalar = options.behaviour === 'wrong-key' ? this.#key.group.randomScalar(options.random ?? defaultRandom) : options.key.privateScalar;
  }

  /** Whether a GENERAL AUTHENTICATE now belongs to CA (after MSE:Set AT 41 A4). */
  get expectsGeneralAuthenticate(): boolean {
    return this.#awaitingKey;
  }

  reset(): void {
    this.#awaitingKey = false;
  }

  /** Handles 00 22 41 A6 / 00 22 41 A4 / 00 86 00 00 (already unwrapped from secure messaging). */
  handle(command: CommandApdu): { response: ResponseApdu; channel?: ChipSecureChannel } {
    if (this.#options.behaviour === 'absent') return { response: reply(0x6a80) };
    try {
      const data = command.data ?? new Uint8Array(0);
      if (command.ins === 0x22 && command.p1 === 0x41 && command.p2 === 0xa6) {
        this.#awaitingKey = false;
        if (this.#suite.cipher !== '3DES') return { response: reply(0x6a80) };
        const objects = this.#objects(data);
        if (!objects || !this.#keyIdMatches(objects.get(0x84))) return { response: reply(0x6a80) };
        return this.#agree(objects.get(0x91));
      }
      if (command.ins === 0x22 && command.p1 === 0x41 && command.p2 === 0xa4) {
        this.#awaitingKey = false;
        const objects = this.#objects(data);
        const oid = objects?.get(0x80);
        if (this.#suite.cipher !== 'AES' || !objects || !oid || !bytesEqual(oid, this.#oidBytes) || !this.#keyIdMatches(objects.get(0x84))) {
          return { response: reply(0x6a80) };
        }
        this.#awaitingKey = true;
        return { response: reply(0x9000) };
      }
      if (command.ins === 0x86 && this.#awaitingKey) {
        this.#awaitingKey = false;
        if (command.p1 !== 0 || command.p2 !== 0) return { response: reply(0x6a86) };
        const outer = readTlvList(data);
        if (outer.length !== 1 || outer[0]!.tag !== 0x7c) return { response: reply(0x6a80) };
        const inner = this.#objects(outer[0]!.value);
        const result = this.#agree(inner?.get(0x80));
        return result.channel ? { ...result, response: reply(0x9000, Uint8Array.of(0x7c, 0x00)) } : result;
      }
      return { response: reply(0x6985) };
    } catch (error) {
      this.#awaitingKey = false;
      if (error instanceof XacminhError) return { response: reply(0x6a80) };
      throw error;
    }
  }

  #objects(data: Uint8Array): Map<number, Uint8Array> | undefined {
    const map = new Map<number, Uint8Array>();
    for (const tlv of readTlvList(data)) {
      if (map.has(tlv.tag)) return undefined;
      map.set(tlv.tag, tlv.value);
    }
    return map;
  }

  #keyIdMatches(value: Uint8Array | undefined): boolean {
    if (value === undefined) return true;
    return this.#options.keyId !== undefined && bytesEqual(value, keyIdBytes(this.#options.keyId));
  }

  #agree(ephemeral: Uint8Array | undefined): { response: ResponseApdu; channel?: ChipSecureChannel } {
    if (!ephemeral) return { response: reply(0x6a80) };
    const { group } = this.#key;
    const terminalKey = group.decode(ephemeral); // validates: on the curve / in the subgroup
    if (group.equals(terminalKey, this.#key.publicKey)) return { response: reply(0x6a80) };
    const keys = caSessionKeys(group.secret(group.multiply(terminalKey, this.#scalar)), this.#suite);
    return { response: reply(0x9000), channel: createChipSecureChannel(keys) };
  }
}

/** DG14 entries announcing this chip's CA key, for card builders. */
export function chipAuthenticationInfos(pair: CaKeyPair, protocolOid: string, keyId?: number) {
  const suite = describeCaOid(protocolOid);
  if (!suite) throw new XacminhError('INVALID_INPUT', `Not a Chip Authentication protocol: ${protocolOid}`);
  const pkOid = suite.agreement === 'DH' ? OID['id-PK-DH'] : OID['id-PK-ECDH'];
  const id = keyId !== undefined ? { keyId } : {};
  return [
    { type: 'ChipAuthenticationInfo' as const, oid: protocolOid, version: 1, ...id },
    { type: 'ChipAuthenticationPublicKeyInfo' as const, oid: pkOid, publicKey: pair.spki, ...id },
  ];
}
