/**
 * The chip side of a CCCD: EF.CardAccess at MF level, the eMRTD application with its files, PACE
 * (CAN or MRZ password) and BAC, and secure messaging on every command once access is granted. It answers
 * raw APDUs, so the same card serves in process and behind pcscd through vpcd.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { signChallenge } from '../emrtd/authenticity/active-chip.ts';
import { decodeCommand, encodeResponse, type CommandApdu, type ResponseApdu } from '../apdu.ts';
import { BacChip, type BacKeyInput } from '../emrtd/bac.ts';
import { LDS_FILES, type LdsFile } from '../emrtd/files.ts';
import { PaceChip, type PacePassword } from '../emrtd/pace/pace.ts';
import type { ChipSecureChannel } from '../emrtd/secure-channel.ts';
import { readTlv, encodeTlv } from '../emrtd/tlv.ts';
import { EMRTD_AID } from '../emrtd/access.ts';
import { OID } from '../emrtd/oids.ts';

export interface VirtualCardBehaviour {
  /** Largest plain READ BINARY the chip's buffer serves; larger asks get 6700 (as picky chips answer). */
  maxReadSize?: number;
  /** Whether extended-length APDUs are accepted at all. */
  extendedLength?: boolean;
  /** Whether READ BINARY with a short file identifier works. */
  sfi?: boolean;
  /** Files that answer 6982 even with secure messaging (DG3 always does: it needs EAC). */
  refusedFiles?: string[];
  /** Active Authentication: the DG15 key signs (genuine), no AA at all, or another key signs (a clone). */
  activeAuthentication?: 'genuine' | 'absent' | 'wrong-key';
}

export interface VirtualCardOptions {
  files: Map<string, Uint8Array>;
  can: string;
  mrz: BacKeyInput;
  /** Private half of the DG15 key. */
  activeAuthenticationKey?: KeyObject;
  behaviour?: VirtualCardBehaviour;
}

const SW = {
  OK: 0x9000,
  END_OF_FILE: 0x6282,
  WRONG_LENGTH: 0x6700,
  SECURITY_NOT_SATISFIED: 0x6982,
  SM_OBJECTS_INCORRECT: 0x6988,
  WRONG_DATA: 0x6a80,
  FILE_NOT_FOUND: 0x6a82,
  WRONG_P1P2: 0x6b00,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
} as const;

const reply = (sw: number, data: Uint8Array = new Uint8Array(0)): ResponseApdu => ({ data, sw });
const CARD_ACCESS_FID = 0x011c;

export class VirtualCccd {
  readonly atr = Uint8Array.of(0x3b, 0x88, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x77, 0x81, 0x81, 0x00, 0x7f);
  private readonly files: Map<number, { file: LdsFile; bytes: Uint8Array }>;
  private readonly behaviour: Required<VirtualCardBehaviour>;
  private powered = false;
  private applicationSelected = false;
  private currentFid: number | undefined;
  private channel: ChipSecureChannel | undefined;
  private pace: PaceChip | undefined;
  private bac: BacChip | undefined;
  private cloneKey: KeyObject | undefined;
  /** Every APDU received, for tests and the benchmark's minimum-count check. */
  readonly log: { ins: number; ne: number | undefined; protected: boolean }[] = [];

  constructor(private readonly options: VirtualCardOptions) {
    this.behaviour = {
      maxReadSize: options.behaviour?.maxReadSize ?? 0xffff,
      extendedLength: options.behaviour?.extendedLength ?? true,
      sfi: options.behaviour?.sfi ?? true,
      refusedFiles: options.behaviour?.refusedFiles ?? ['DG3'],
      activeAuthentication: options.behaviour?.activeAuthentication ?? 'genuine',
    };
    this.files = new Map();
    for (const file of LDS_FILES) {
      const bytes = options.files.get(file.name);
      if (bytes) this.files.set(file.fid, { file, bytes });
    }
  }

  /** Power applied to a card that already has it changes nothing (pcscd may power it more than once). */
  powerOn(): void {
    if (!this.powered) this.reset();
    this.powered = true;
  }

  powerOff(): void {
    this.powered = false;
    this.reset();
  }

  /** A warm reset: the chip forgets its session, selection and access rights. */
  reset(): void {
    this.applicationSelected = false;
    this.currentFid = undefined;
    this.channel = undefined;
    this.pace = undefined;
    this.bac = undefined;
  }

  transmit(raw: Uint8Array): Uint8Array {
    let command: CommandApdu;
    try {
      command = decodeCommand(raw);
    } catch {
      return encodeResponse(reply(SW.WRONG_LENGTH));
    }
    const isExtended = raw.length > 5 && raw[4] === 0;
    const isProtected = (command.cla & 0x0c) === 0x0c;
    this.log.push({ ins: command.ins, ne: command.ne, protected: isProtected });
    if (isExtended && !this.behaviour.extendedLength) return encodeResponse(this.dropSecureMessaging(SW.WRONG_LENGTH));
    return encodeResponse(this.process(command, isProtected));
  }

  private process(command: CommandApdu, isProtected: boolean): ResponseApdu {
    if (!isProtected) {
      // A plain command ends secure messaging (and the access rights with it), then runs as any plain one.
      this.channel = undefined;
      return this.dispatch(command);
    }
    const channel = this.channel;
    if (!channel) return reply(SW.SM_OBJECTS_INCORRECT);
    let inner: CommandApdu;
    try {
      inner = channel.unwrapCommand(command);
    } catch {
      return this.dropSecureMessaging(SW.SM_OBJECTS_INCORRECT);
    }
    const response = this.dispatch(inner);
    if (this.channel !== channel) return response; // the command ended the session (e.g. an error)
    return channel.wrapResponse(response);
  }

  /** ICAO 9303-11: on an SM error the chip aborts secure messaging and answers in plain. */
  private dropSecureMessaging(sw: number): ResponseApdu {
    this.channel = undefined;
    return reply(sw);
  }

  private dispatch(command: CommandApdu): ResponseApdu {
    if ((command.cla & 0xf3) !== 0x00 && command.ins !== 0x86) return reply(SW.CLA_NOT_SUPPORTED);
    switch (command.ins) {
      case 0xa4:
        return this.select(command);
      case 0xb0:
      case 0xb1:
        return this.readBinary(command);
      case 0x22:
        return this.startPace(command);
      case 0x86:
        return this.accessStep(this.pace, command);
      case 0x84:
        if (!this.applicationSelected) return reply(SW.SECURITY_NOT_SATISFIED);
        this.bac = new BacChip(this.options.mrz);
        return this.accessStep(this.bac, command);
      case 0x82:
        return this.accessStep(this.bac, command);
      case 0x88:
        return this.internalAuthenticate(command);
      default:
        return reply(SW.INS_NOT_SUPPORTED);
    }
  }

  private select(command: CommandApdu): ResponseApdu {
    const data = command.data ?? new Uint8Array(0);
    if (command.p1 === 0x04) {
      if (!sameBytes(data, EMRTD_AID)) return reply(SW.FILE_NOT_FOUND);
      this.applicationSelected = true;
      this.currentFid = undefined;
      return reply(SW.OK);
    }
    if (data.length !== 2) return reply(SW.WRONG_LENGTH);
    const fid = (data[0]! << 8) | data[1]!;
    if (fid === 0x3f00) return reply(SW.INS_NOT_SUPPORTED); // what real CCCDs answer to SELECT MF
    if (fid === CARD_ACCESS_FID) {
      this.applicationSelected = false;
      this.currentFid = fid;
      return reply(SW.OK);
    }
    const entry = this.files.get(fid);
    if (!entry || !this.applicationSelected || entry.file.application !== 'eMRTD') return reply(SW.FILE_NOT_FOUND);
    this.currentFid = fid;
    return reply(SW.OK);
  }

  private readBinary(command: CommandApdu): ResponseApdu {
    let offset: number;
    if (command.ins === 0xb1) {
      try {
        const offsetDo = readTlv(command.data ?? new Uint8Array(0));
        if (offsetDo.tag !== 0x54) return reply(SW.WRONG_DATA);
        offset = [...offsetDo.value].reduce((acc, b) => acc * 256 + b, 0);
      } catch {
        return reply(SW.WRONG_DATA);
      }
    } else if (command.p1 & 0x80) {
      if (!this.behaviour.sfi) return reply(0x6a86);
      const sfi = command.p1 & 0x1f;
      const entry = [...this.files.values()].find((e) => e.file.sfi === sfi && this.isReachable(e.file));
      if (!entry) return reply(SW.FILE_NOT_FOUND);
      this.currentFid = entry.file.fid;
      offset = command.p2;
    } else {
      offset = ((command.p1 & 0x7f) << 8) | command.p2;
    }
    const entry = this.currentFid === undefined ? undefined : this.files.get(this.currentFid);
    if (!entry) return reply(SW.FILE_NOT_FOUND);
    if (entry.file.application === 'eMRTD' && (!this.channel || this.behaviour.refusedFiles.includes(entry.file.name))) {
      return this.dropSecureMessaging(SW.SECURITY_NOT_SATISFIED);
    }
    const ne = command.ne ?? 256;
    const isMaxNe = ne === 256 || ne === 65536;
    if (ne > this.behaviour.maxReadSize && !isMaxNe) return this.dropSecureMessaging(SW.WRONG_LENGTH);
    if (offset > entry.bytes.length) return reply(SW.WRONG_P1P2);
    const wanted = Math.min(ne, this.behaviour.maxReadSize);
    const chunk = entry.bytes.slice(offset, offset + (command.ins === 0xb1 ? Math.max(0, wanted - 4) : wanted));
    const data = command.ins === 0xb1 ? encodeTlv(0x53, chunk) : chunk;
    const short = chunk.length < wanted && !isMaxNe;
    return reply(short ? SW.END_OF_FILE : SW.OK, data);
  }

  private internalAuthenticate(command: CommandApdu): ResponseApdu {
    const key = this.options.activeAuthenticationKey;
    if (!key || this.behaviour.activeAuthentication === 'absent') return reply(SW.INS_NOT_SUPPORTED);
    if (!this.channel || !this.applicationSelected) return this.dropSecureMessaging(SW.SECURITY_NOT_SATISFIED);
    const challenge = command.data ?? new Uint8Array(0);
    if (challenge.length !== 8) return reply(SW.WRONG_LENGTH);
    const signer = this.behaviour.activeAuthentication === 'wrong-key' ? (this.cloneKey ??= generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey) : key;
    return reply(SW.OK, signChallenge(signer, challenge));
  }

  private isReachable(file: LdsFile): boolean {
    return file.application === 'eMRTD' ? this.applicationSelected : !this.applicationSelected || file.fid === CARD_ACCESS_FID;
  }

  private startPace(command: CommandApdu): ResponseApdu {
    if (command.p1 !== 0xc1 || command.p2 !== 0xa4) return reply(SW.WRONG_P1P2);
    let passwordRef: number | undefined;
    try {
      let rest = command.data ?? new Uint8Array(0);
      while (rest.length > 0) {
        const tlv = readTlv(rest);
        if (tlv.tag === 0x83) passwordRef = tlv.value[0];
        rest = rest.subarray(tlv.totalLength);
      }
    } catch {
      return reply(SW.WRONG_DATA);
    }
    const password: PacePassword | undefined =
      passwordRef === 0x02 ? { type: 'CAN', can: this.options.can } : passwordRef === 0x01 ? { type: 'MRZ', mrz: this.options.mrz } : undefined;
    if (!password) return reply(SW.WRONG_DATA);
    this.pace = new PaceChip(password, { protocolOid: OID['id-PACE-ECDH-GM-AES-CBC-CMAC-128'], parameterId: 13 });
    this.applicationSelected = false;
    return this.accessStep(this.pace, command);
  }

  private accessStep(protocol: PaceChip | BacChip | undefined, command: CommandApdu): ResponseApdu {
    if (!protocol) return reply(SW.SECURITY_NOT_SATISFIED);
    const { response, channel } = protocol.handle(command);
    if (channel) this.channel = channel;
    return response;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
