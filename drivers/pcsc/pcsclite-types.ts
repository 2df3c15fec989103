/**
 * The part of the @pokusew/pcsclite binding we use, typed here because its declaration file exports only
 * the factory. Loaded through require: it is a CommonJS native addon. Tests pass a fake of these shapes.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

export interface CardReader extends EventEmitter {
  readonly name: string;
  /** Set by the addon on connect/disconnect; stays true after a card removal until disconnect succeeds. */
  connected: boolean;
  readonly SCARD_SHARE_SHARED: number;
  readonly SCARD_SHARE_EXCLUSIVE: number;
  readonly SCARD_PROTOCOL_T0: number;
  readonly SCARD_PROTOCOL_T1: number;
  readonly SCARD_STATE_PRESENT: number;
  readonly SCARD_STATE_MUTE: number;
  readonly SCARD_UNPOWER_CARD: number;
  readonly SCARD_LEAVE_CARD: number;
  connect(options: { share_mode?: number; protocol?: number }, callback: (err: unknown, protocol: number) => void): void;
  disconnect(disposition: number, callback: (err: unknown) => void): void;
  transmit(data: Buffer, resLen: number, protocol: number, callback: (err: unknown, response: Buffer) => void): void;
  close(): void;
}

export interface PcscLite extends EventEmitter {
  /** Called by the library on the next tick with a callback that receives every reader list. */
  start?(callback: (err: unknown, readers: Buffer) => void): void;
  close(): void;
}

const require = createRequire(import.meta.url);

export function loadPcsclite(): () => PcscLite {
  return require('@pokusew/pcsclite') as () => PcscLite;
}
