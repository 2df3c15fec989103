/**
 * The part of the @pokusew/pcsclite binding we use, typed here because its declaration file exports only
 * the factory. Loaded through require: it is a CommonJS native addon.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

export interface CardReader extends EventEmitter {
  readonly name: string;
  readonly SCARD_SHARE_SHARED: number;
  readonly SCARD_SHARE_EXCLUSIVE: number;
  readonly SCARD_STATE_PRESENT: number;
  readonly SCARD_STATE_CHANGED: number;
  readonly SCARD_STATE_MUTE: number;
  readonly SCARD_UNPOWER_CARD: number;
  readonly SCARD_LEAVE_CARD: number;
  connect(options: { share_mode?: number; protocol?: number }, callback: (err: unknown, protocol: number) => void): void;
  disconnect(disposition: number, callback: (err: unknown) => void): void;
  transmit(data: Buffer, resLen: number, protocol: number, callback: (err: unknown, response: Buffer) => void): void;
  close(): void;
}

export interface PcscLite extends EventEmitter {
  close(): void;
}

const require = createRequire(import.meta.url);

export function loadPcsclite(): () => PcscLite {
  return require('@pokusew/pcsclite') as () => PcscLite;
}
