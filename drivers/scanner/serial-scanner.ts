/**
 * A serial (USB-CDC or RS-232) QR/barcode scanner. Keeps the port open for as long as it runs: a missing or
 * unplugged scanner is reported as a SERIAL_UNAVAILABLE fault and the port is reopened with a jittered
 * backoff, so plugging it back in is all the operator has to do. Events:
 *   'scan'      {text, at}            every code that decodes as UTF-8
 *   'accessKey' {key, text, at}       the code was a CCCD QR code or MRZ
 *   'rejected'  {text, error, at}     anything else (INVALID_INPUT, Vietnamese + English message)
 *   'fault'     {error, at}           the port could not be opened or went away (SERIAL_UNAVAILABLE)
 *   'open' / 'listenerError'
 */
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import { SerialPortStream, type StreamOptions } from '@serialport/stream';
import { XacminhError } from '../errors.ts';
import type { AccessKey } from '../emrtd/access-key.ts';
import { Backoff, type BackoffOptions } from '../backoff.ts';
import { Framer, type Framing } from './framer.ts';
import { MRZ_LINES, NOT_A_CCCD_CODE, classifyScan, decodeScan, fromMrz, rejection } from './classify.ts';

export interface SerialScannerOptions {
  path: string;
  baudRate?: number;
  framing?: Framing;
  /** Idle gap ending a code in 'timeout' framing. */
  idleMs?: number;
  /** Longest code accepted, in bytes (a CCCD QR is about 150). */
  maxLength?: number;
  /** The lines of one MRZ must arrive within this gap of each other. */
  mrzLineGapMs?: number;
  backoff?: BackoffOptions;
  /** Serial binding; the platform's native one by default, MockBinding in tests. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  binding?: StreamOptions<any>['binding'];
}

export interface ScanEvent {
  text: string;
  at: Date;
}
export interface AccessKeyEvent extends ScanEvent {
  key: AccessKey;
}
export interface RejectedEvent extends ScanEvent {
  error: XacminhError;
}
export interface FaultEvent {
  error: XacminhError;
  at: Date;
}

export class SerialScanner extends EventEmitter {
  readonly options: Required<Omit<SerialScannerOptions, 'binding' | 'backoff'>>;
  private readonly binding: NonNullable<SerialScannerOptions['binding']>;
  private readonly backoff: Backoff;
  private readonly framer: Framer;
  private port: SerialPortStream | undefined;
  private generation = 0;
  private running = false;
  private reopenTimer: NodeJS.Timeout | undefined;
  private mrzLines: string[] = [];
  private mrzTimer: NodeJS.Timeout | undefined;

  constructor(options: SerialScannerOptions) {
    super();
    this.options = {
      path: options.path,
      baudRate: options.baudRate ?? 9600,
      framing: options.framing ?? 'line',
      idleMs: options.idleMs ?? 50,
      maxLength: options.maxLength ?? 1024,
      mrzLineGapMs: options.mrzLineGapMs ?? 500,
    };
    this.binding = options.binding ?? SerialPort.binding;
    this.backoff = new Backoff({ initialMs: 250, maxMs: 10_000, ...options.backoff });
    this.framer = new Framer(
      { framing: this.options.framing, idleMs: this.options.idleMs, maxLength: this.options.maxLength },
      {
        frame: (bytes) => this.onFrame(bytes),
        oversize: (head, length) =>
          this.emitSafe('rejected', {
            text: decodeScan(head) ?? head.toString('latin1'),
            at: new Date(),
            error: rejection(`Mã quét quá dài (${length} byte, tối đa ${this.options.maxLength}). / Scanned code too long (${length} bytes, limit ${this.options.maxLength}): check the scanner's settings.`, {
              reason: 'oversize',
              length,
              maxLength: this.options.maxLength,
            }),
          } satisfies RejectedEvent),
      },
    );
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  /** Resolves after the first open attempt, whatever its outcome (a failure is a 'fault', then retried). */
  start(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.running = true;
    return this.open();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    clearTimeout(this.reopenTimer);
    clearTimeout(this.mrzTimer);
    this.mrzLines = [];
    this.framer.reset();
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    else port?.destroy();
  }

  private open(): Promise<void> {
    const generation = ++this.generation;
    const port = new SerialPortStream({ binding: this.binding, path: this.options.path, baudRate: this.options.baudRate, autoOpen: false });
    this.port = port;
    port.on('data', (data: Buffer) => {
      if (generation === this.generation) this.framer.push(data);
    });
    // A read error or an unplug: both end the session; the 'close' that follows is then a no-op.
    port.on('error', (error: Error) => this.lost(generation, error, 'error'));
    port.on('close', (error: (Error & { disconnected?: boolean }) | null) => this.lost(generation, error, 'closed'));
    return new Promise<void>((resolve) => {
      port.open((error) => {
        if (generation !== this.generation) {
          if (!error) port.close();
          resolve();
          return;
        }
        if (error) this.lost(generation, error, 'open-failed');
        else {
          this.backoff.reset();
          this.emitSafe('open', { path: this.options.path });
        }
        resolve();
      });
    });
  }

  private lost(generation: number, cause: Error | null, stage: 'open-failed' | 'error' | 'closed'): void {
    if (generation !== this.generation || !this.running) return;
    this.generation++;
    this.framer.reset();
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) port.close(() => undefined);
    const delayMs = this.backoff.next();
    const what = stage === 'open-failed' ? 'cannot be opened' : 'was disconnected';
    const error = new XacminhError(
      'SERIAL_UNAVAILABLE',
      `Máy quét mã ở ${this.options.path} không dùng được: kiểm tra cáp USB. / The scanner port ${this.options.path} ${what}: check its cable; retrying in ${delayMs} ms.`,
      { path: this.options.path, stage, retryInMs: delayMs, attempt: this.backoff.attempt, disconnected: Boolean((cause as { disconnected?: boolean } | null)?.disconnected) },
      cause ? { cause } : undefined,
    );
    this.emitSafe('fault', { error, at: new Date() } satisfies FaultEvent);
    clearTimeout(this.reopenTimer);
    this.reopenTimer = setTimeout(() => {
      if (this.running) void this.open();
    }, delayMs);
  }

  private onFrame(bytes: Buffer): void {
    const at = new Date();
    const text = decodeScan(bytes);
    if (text === null) {
      const error = rejection(
        'Mã quét không đọc được (không phải UTF-8): đặt máy quét ở chế độ UTF-8. / The scanned bytes are not UTF-8: set the scanner to UTF-8 output.',
        { reason: 'not-utf8', length: bytes.length },
      );
      this.emitSafe('rejected', { text: bytes.toString('latin1'), error, at } satisfies RejectedEvent);
      return;
    }
    this.emitSafe('scan', { text, at } satisfies ScanEvent);
    const result = classifyScan(text);
    if (result.kind !== 'mrz-line' && this.mrzLines.length > 0) this.abandonMrz(at);
    if (result.kind === 'key') this.emitSafe('accessKey', { key: result.key, text, at } satisfies AccessKeyEvent);
    else if (result.kind === 'rejected') this.emitSafe('rejected', { text, error: result.error, at } satisfies RejectedEvent);
    else this.gatherMrz(result.line, at);
  }

  /** A scanner in line framing sends the MRZ's lines as separate codes: put them back together. */
  private gatherMrz(line: string, at: Date): void {
    if (this.mrzLines.length > 0 && this.mrzLines[0]!.length !== line.length) this.abandonMrz(at);
    this.mrzLines.push(line);
    clearTimeout(this.mrzTimer);
    if (this.mrzLines.length < (MRZ_LINES[line.length] ?? 1)) {
      this.mrzTimer = setTimeout(() => this.abandonMrz(new Date()), this.options.mrzLineGapMs);
      return;
    }
    const text = this.mrzLines.join('\n');
    this.mrzLines = [];
    const result = fromMrz(text);
    if (result.kind === 'key') this.emitSafe('accessKey', { key: result.key, text, at } satisfies AccessKeyEvent);
    else if (result.kind === 'rejected') this.emitSafe('rejected', { text, error: result.error, at } satisfies RejectedEvent);
  }

  private abandonMrz(at: Date): void {
    clearTimeout(this.mrzTimer);
    const text = this.mrzLines.join('\n');
    this.mrzLines = [];
    if (!text) return;
    const error = rejection(`${NOT_A_CCCD_CODE} (MRZ thiếu dòng / incomplete MRZ)`, { reason: 'incomplete-mrz', lines: text.split('\n').length });
    this.emitSafe('rejected', { text, error, at } satisfies RejectedEvent);
  }

  /** A listener that throws must not break the port's stream or the process: its error is reported instead. */
  private emitSafe(event: string, payload: unknown): void {
    try {
      this.emit(event, payload);
    } catch (error) {
      try {
        this.emit('listenerError', { event, error });
      } catch {
        // A throwing 'listenerError' listener has nowhere left to report to.
      }
    }
  }
}
