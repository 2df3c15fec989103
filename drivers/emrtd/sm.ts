/**
 * Secure messaging of ICAO 9303-11 §9.8, both sides. One implementation, two cipher strategies
 * (crypto/cipher-suite.ts). The send-sequence counter is incremented before every command and every
 * response, on both sides, so the two stay in step.
 *
 * Unprotected answers: a chip may answer an error (6982, 6A82, 6988…) with a bare status word. unwrap
 * returns such a status word as it is, so the caller sees the real error, but the channel is closed from
 * then on: 9303-11 has the chip drop its session keys on an SM error, and JMRTD treats it as one. Any
 * later wrap/unwrap throws SM_MALFORMED ("re-authenticate"). A MAC failure closes the channel too.
 */
import type { CommandApdu, ResponseApdu } from '../apdu.ts';
import { SW_OK } from '../apdu.ts';
import { XacminhError, formatSw } from '../errors.ts';
import { bytesEqual, concat, incrementCounter, pad, unpad } from './crypto/bytes.ts';
import { cipherSuite, type CipherSuite } from './crypto/cipher-suite.ts';
import { encodeTlv, readTlvList, type Tlv } from './tlv.ts';
import type { ChipSecureChannel, SecureChannel, SessionKeys, SmCipher } from './secure-channel.ts';

/** SecureChannel plus what the card session may want to know about its state. */
export interface TerminalSecureChannel extends SecureChannel {
  /** True once an unprotected error or a bad MAC ended the session. */
  readonly closed: boolean;
}

const SM_CLA = 0x0c;

class SmState {
  readonly suite: CipherSuite;
  readonly kEnc: Uint8Array;
  readonly kMac: Uint8Array;
  readonly ssc: Uint8Array;
  closed = false;

  constructor(keys: SessionKeys) {
    this.suite = cipherSuite(keys.cipher);
    const keyLengths = keys.cipher === 'AES' ? [16, 24, 32] : [16];
    if (!keyLengths.includes(keys.kEnc.length) || keys.kMac.length !== keys.kEnc.length) {
      throw new XacminhError('INVALID_INPUT', `Session keys of the wrong length for ${keys.cipher}`);
    }
    if (keys.ssc.length !== this.suite.blockSize) {
      throw new XacminhError('INVALID_INPUT', `SSC must be ${this.suite.blockSize} bytes for ${keys.cipher}`);
    }
    this.kEnc = keys.kEnc.slice();
    this.kMac = keys.kMac.slice();
    this.ssc = keys.ssc.slice();
  }

  next(): Uint8Array {
    if (this.closed) throw new XacminhError('SM_MALFORMED', 'Secure channel is closed; re-authenticate (BAC/PACE)');
    incrementCounter(this.ssc);
    return this.ssc;
  }

  mac(ssc: Uint8Array, data: Uint8Array): Uint8Array {
    return this.suite.mac(this.kMac, concat(ssc, data));
  }

  encrypt(ssc: Uint8Array, plain: Uint8Array): Uint8Array {
    return this.suite.encrypt(this.kEnc, ssc, pad(plain, this.suite.blockSize));
  }

  decrypt(ssc: Uint8Array, cryptogram: Uint8Array): Uint8Array {
    if (cryptogram.length === 0 || cryptogram.length % this.suite.blockSize !== 0) {
      throw new XacminhError('SM_MALFORMED', `Cryptogram length ${cryptogram.length} is not a whole number of blocks`);
    }
    return unpad(this.suite.decrypt(this.kEnc, ssc, cryptogram));
  }

  /** DO'87' (padding-content indicator 01) for even INS, DO'85' for odd INS whose data is BER-TLV. */
  dataObject(ssc: Uint8Array, plain: Uint8Array, oddIns: boolean): Uint8Array {
    const cryptogram = this.encrypt(ssc, plain);
    return oddIns ? encodeTlv(0x85, cryptogram) : encodeTlv(0x87, concat(Uint8Array.of(0x01), cryptogram));
  }

  /** Decrypts a DO'87'/'85' value. */
  openDataObject(ssc: Uint8Array, object: Tlv): Uint8Array {
    if (object.tag === 0x85) return this.decrypt(ssc, object.value);
    if (object.value[0] !== 0x01) throw new XacminhError('SM_MALFORMED', 'DO87 padding-content indicator is not 01');
    return this.decrypt(ssc, object.value.subarray(1));
  }

  checkMac(ssc: Uint8Array, covered: Uint8Array, received: Uint8Array): void {
    if (!bytesEqual(this.mac(ssc, covered), received)) {
      this.closed = true;
      throw new XacminhError('SM_INVALID_MAC', 'Secure-messaging MAC does not verify');
    }
  }
}

function leBytes(ne: number): Uint8Array {
  if (ne <= 256) return Uint8Array.of(ne & 0xff); // 256 encodes as 00
  return Uint8Array.of((ne >> 8) & 0xff, ne & 0xff); // 65536 encodes as 00 00
}

function neFromDo97(value: Uint8Array): number {
  if (value.length === 1) return value[0] === 0 ? 256 : value[0]!;
  if (value.length === 2) {
    const n = (value[0]! << 8) | value[1]!;
    return n === 0 ? 65536 : n;
  }
  throw new XacminhError('SM_MALFORMED', `DO97 of ${value.length} bytes`);
}

/**
 * Splits SM data objects into the parts before DO'8E' (which the MAC covers) and the MAC itself,
 * checking they come in the allowed order and appear once each.
 */
function splitObjects(data: Uint8Array, allowed: readonly number[]): { objects: Map<number, Tlv>; covered: Uint8Array; mac: Uint8Array } {
  const list = readTlvList(data, 'SM_MALFORMED');
  const objects = new Map<number, Tlv>();
  let lastIndex = -1;
  for (const [i, tlv] of list.entries()) {
    const order = allowed.indexOf(tlv.tag);
    if (order < 0 || order <= lastIndex) {
      throw new XacminhError('SM_MALFORMED', `Unexpected or misplaced SM data object ${tlv.tag.toString(16).toUpperCase()}`);
    }
    lastIndex = order;
    objects.set(tlv.tag, tlv);
    if (tlv.tag === 0x8e && i !== list.length - 1) throw new XacminhError('SM_MALFORMED', 'DO8E is not the last data object');
  }
  const macObject = objects.get(0x8e);
  if (!macObject) throw new XacminhError('SM_MALFORMED', 'Secure-messaging object without DO8E (MAC)');
  if (macObject.value.length !== 8) throw new XacminhError('SM_MALFORMED', `DO8E of ${macObject.value.length} bytes`);
  const covered = concat(...list.filter((t) => t.tag !== 0x8e).map((t) => t.raw));
  return { objects, covered, mac: macObject.value };
}

/** Terminal side. */
export function createSecureChannel(keys: SessionKeys): TerminalSecureChannel {
  const state = new SmState(keys);
  const cipher: SmCipher = keys.cipher;
  return {
    cipher,
    get closed() {
      return state.closed;
    },
    wrap(command: CommandApdu): CommandApdu {
      const ssc = state.next();
      const oddIns = (command.ins & 1) === 1;
      const header = Uint8Array.of(command.cla | SM_CLA, command.ins, command.p1, command.p2);
      const parts: Uint8Array[] = [];
      if (command.data && command.data.length > 0) parts.push(state.dataObject(ssc, command.data, oddIns));
      if (command.ne !== undefined) {
        if (command.ne < 1 || command.ne > 65536) throw new XacminhError('INVALID_INPUT', `APDU Ne out of range: ${command.ne}`);
        parts.push(encodeTlv(0x97, leBytes(command.ne)));
      }
      const objects = concat(...parts);
      const mac = state.mac(ssc, concat(pad(header, state.suite.blockSize), objects));
      const data = concat(objects, encodeTlv(0x8e, mac));
      // Extended encoding when the answer or the protected data would not fit a short APDU.
      const extended = (command.ne ?? 0) > 256 || data.length > 255;
      return { cla: header[0]!, ins: command.ins, p1: command.p1, p2: command.p2, data, ne: extended ? 65536 : 256 };
    },
    unwrap(response: ResponseApdu): ResponseApdu {
      try {
        const ssc = state.next();
        if (response.data.length === 0) {
          if (response.sw === SW_OK) throw new XacminhError('SM_MALFORMED', 'Unprotected 9000 on a secure channel');
          state.closed = true; // plain error status word: the session is over (see the file comment)
          return { data: new Uint8Array(0), sw: response.sw };
        }
        const { objects, covered, mac } = splitObjects(response.data, [0x87, 0x85, 0x99, 0x8e]);
        if (objects.has(0x87) && objects.has(0x85)) throw new XacminhError('SM_MALFORMED', 'Both DO85 and DO87 in a response');
        state.checkMac(ssc, covered, mac); // before anything is decrypted
        const status = objects.get(0x99);
        if (!status || status.value.length !== 2) throw new XacminhError('SM_MALFORMED', 'Missing or malformed DO99 (status word)');
        const sw = (status.value[0]! << 8) | status.value[1]!;
        const cryptogram = objects.get(0x87) ?? objects.get(0x85);
        const data = cryptogram ? state.openDataObject(ssc, cryptogram) : new Uint8Array(0);
        return { data, sw };
      } catch (error) {
        state.closed = true;
        if (error instanceof XacminhError) throw error;
        throw new XacminhError('SM_MALFORMED', 'Secure-messaging response could not be processed', { sw: formatSw(response.sw) }, { cause: error });
      }
    },
  };
}

/** Chip side (virtual card): checks and opens commands, protects responses. */
export function createChipSecureChannel(keys: SessionKeys): ChipSecureChannel {
  const state = new SmState(keys);
  let lastOddIns = false;
  return {
    cipher: keys.cipher,
    unwrapCommand(command: CommandApdu): CommandApdu {
      try {
        const ssc = state.next();
        if ((command.cla & SM_CLA) !== SM_CLA) throw new XacminhError('SM_MALFORMED', 'Command is not SM-protected (CLA)');
        const { objects, covered, mac } = splitObjects(command.data ?? new Uint8Array(0), [0x87, 0x85, 0x97, 0x8e]);
        if (objects.has(0x87) && objects.has(0x85)) throw new XacminhError('SM_MALFORMED', 'Both DO85 and DO87 in a command');
        const header = Uint8Array.of(command.cla, command.ins, command.p1, command.p2);
        state.checkMac(ssc, concat(pad(header, state.suite.blockSize), covered), mac);
        const cryptogram = objects.get(0x87) ?? objects.get(0x85);
        const le = objects.get(0x97);
        lastOddIns = (command.ins & 1) === 1;
        const plain: CommandApdu = { cla: command.cla & ~SM_CLA & 0xff, ins: command.ins, p1: command.p1, p2: command.p2 };
        if (cryptogram) plain.data = state.openDataObject(ssc, cryptogram);
        if (le) plain.ne = neFromDo97(le.value);
        return plain;
      } catch (error) {
        state.closed = true;
        if (error instanceof XacminhError) throw error;
        throw new XacminhError('SM_MALFORMED', 'Secure-messaging command could not be processed', {}, { cause: error });
      }
    },
    wrapResponse(response: ResponseApdu): ResponseApdu {
      const ssc = state.next();
      const parts: Uint8Array[] = [];
      if (response.data.length > 0) parts.push(state.dataObject(ssc, response.data, lastOddIns));
      parts.push(encodeTlv(0x99, Uint8Array.of(response.sw >> 8, response.sw & 0xff)));
      const objects = concat(...parts);
      return { data: concat(objects, encodeTlv(0x8e, state.mac(ssc, objects))), sw: response.sw };
    },
  };
}
