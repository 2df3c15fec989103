/**
 * The chip side of a CCCD: EF.CardAccess at MF level, the eMRTD application with its files, PACE
 * (CAN or MRZ password) and BAC, and secure messaging on every command once access is granted. It answers
 * raw APDUs, so the same card serves in process and behind pcscd through vpcd.
 */
import type { KeyObject } from 'node:crypto';
import { ActiveAuthenticationChip, type AaSignOptions } from '../emrtd/authenticity/active-chip.ts';
import { caKeyPairFromKeyObject, type CaKeyPair } from '../emrtd/authenticity/ca-key.ts';
import { ChipAuthenticationChip, type ChipAuthBehaviour } from '../emrtd/authenticity/chip-auth-chip.ts';
import { decodeCommand, encodeResponse, type CommandApdu, type ResponseApdu } from '../apdu.ts';
import { BacChip, type BacKeyInput } from '../emrtd/bac.ts';
import { LDS_FILES, type LdsFile } from '../emrtd/files.ts';
import { PaceChip, type PacePassword } from '../emrtd/pace/pace.ts';
import type { ChipSecureChannel } from '../emrtd/secure-channel.ts';
import { readTlv, encodeTlv } from '../emrtd/tlv.ts';
import { EMRTD_AID } from '../emrtd/access.ts';
import { bytesEqual } from '../emrtd/crypto/bytes.ts';
import { OID } from '../emrtd/oids.ts';

export interface VirtualCardBehaviour {
  /** Largest plain READ BINARY the chip's buffer serves; larger asks get 6700 (as picky chips answer). */
  maxReadSize?: number;
  /** Whether extended-length APDUs are accepted at all. */
  extendedLength?: boolean;
  /** Whether READ BINARY with a short file identifier works. */
  sfi?: boolean;
  /** What a chip without SFI answers to such a READ BINARY (default 6A86; 6A82, 6981, 6D00, 6E00 are seen too). */
  sfiRefusal?: number;
  /** Files that answer 6982 even with secure messaging (DG3 always does: it needs EAC). */
  refusedFiles?: string[];
  /** Active Authentication: the DG15 key signs (genuine), no AA at all, or another key signs (a clone). */
  activeAuthentication?: 'genuine' | 'absent' | 'wrong-key';
  /** Chip Authentication: the DG14 key agrees (genuine), no CA, or keys from another private key (a clone). */
  chipAuthentication?: ChipAuthBehaviour;
}

export interface VirtualCardOptions {
  files: Map<string, Uint8Array>;
  can: string;
  mrz: BacKeyInput;
  /** Private half of the DG15 key. */
  activeAuthenticationKey?: KeyObject;
  /** How the AA key signs (hash, trailer); default SHA-1 / BC for RSA, SHA-256 for ECDSA. */
  activeAuthenticationSign?: AaSignOptions;
  /** Private half of the DG14 CA key and the protocol DG14 advertises (default id-CA-ECDH-AES-CBC-CMAC-128). */
  chipAuthentication?: { key: KeyObject | CaKeyPair; protocolOid?: string; keyId?: number };
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
  private readonly activeAuth: ActiveAuthenticationChip;
  private readonly chipAuth: ChipAuthenticationChip | undefined;
  /** The channel Chip Authentication set up: installed once the answer went out under the old keys. */
  private pendingChannel: ChipSecureChannel | undefined;
  /** Whose keys protect the channel now: access control's (BAC/PACE) or Chip Authentication's. */
  private channelKeys: 'access' | 'chip-authentication' = 'access';
  /** Every eMRTD file read and under whose keys, for tests. */
  readonly fileReads: { file: string; keys: 'access' | 'chip-authentication' }[] = [];
  /** Every APDU received, for tests and the benchmark's minimum-count check. */
  readonly log: { ins: number; ne: number | undefined; protected: boolean }[] = [];

  constructor(private readonly options: VirtualCardOptions) {
    this.behaviour = {
      maxReadSize: options.behaviour?.maxReadSize ?? 0xffff,
      extendedLength: options.behaviour?.extendedLength ?? true,
      sfi: options.behaviour?.sfi ?? true,
      sfiRefusal: options.behaviour?.sfiRefusal ?? 0x6a86,
      refusedFiles: options.behaviour?.refusedFiles ?? ['DG3'],
      activeAuthentication: options.behaviour?.activeAuthentication ?? 'genuine',
      chipAuthentication: options.behaviour?.chipAuthentication ?? 'genuine',
    };
    this.activeAuth = new ActiveAuthenticationChip({
      ...(options.activeAuthenticationKey ? { key: options.activeAuthenticationKey } : {}),
      behaviour: this.behaviour.activeAuthentication,
      ...(options.activeAuthenticationSign ? { sign: options.activeAuthenticationSign } : {}),
    });
    const ca = options.chipAuthentication;
    this.chipAuth = ca
      ? new ChipAuthenticationChip({
          key: 'privateScalar' in ca.key ? ca.key : caKeyPairFromKeyObject(ca.key),
          protocolOid: ca.protocolOid ?? OID['id-CA-ECDH-AES-CBC-CMAC-128'],
          ...(ca.keyId !== undefined ? { keyId: ca.keyId } : {}),
          behaviour: this.behaviour.chipAuthentication,
        })
      : undefined;
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
    this.pendingChannel = undefined;
    this.chipAuth?.reset();
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
    const wrapped = channel.wrapResponse(response);
    if (this.pendingChannel) {
      this.channel = this.pendingChannel;
      this.channelKeys = 'chip-authentication';
      this.pendingChannel = undefined;
    }
    return wrapped;
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
        return command.p1 === 0x41 ? this.chipAuthentication(command) : this.startPace(command);
      case 0x86:
        if (this.chipAuth?.expectsGeneralAuthenticate) return this.chipAuthentication(command);
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
      if (!bytesEqual(data, EMRTD_AID)) return reply(SW.FILE_NOT_FOUND);
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
      if (!this.behaviour.sfi) return reply(this.behaviour.sfiRefusal);
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
    if (entry.file.application === 'eMRTD') this.fileReads.push({ file: entry.file.name, keys: this.channelKeys });
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
    if (!this.activeAuth.available) return reply(SW.INS_NOT_SUPPORTED);
    if (!this.channel || !this.applicationSelected) return this.dropSecureMessaging(SW.SECURITY_NOT_SATISFIED);
    return this.activeAuth.handle(command.data ?? new Uint8Array(0));
  }

  /** CA runs only inside BAC/PACE secure messaging, in the eMRTD application. */
  private chipAuthentication(command: CommandApdu): ResponseApdu {
    if (!this.chipAuth) return reply(SW.WRONG_DATA);
    if (!this.channel || !this.applicationSelected) return this.dropSecureMessaging(SW.SECURITY_NOT_SATISFIED);
    const { response, channel } = this.chipAuth.handle(command);
    if (channel) this.pendingChannel = channel;
    return response;
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
    if (channel) {
      this.channel = channel;
      this.channelKeys = 'access';
    }
    return response;
  }
}
