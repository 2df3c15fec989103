/**
 * The same indicators on a microcontroller running StandardFirmata (an Arduino beside a PC terminal), through
 * johnny-five. johnny-five's `port` option loads the `firmata` package, whose entry point requires its own
 * serialport 8 and throws when that native binding is not built (as here). So we build the Firmata io from
 * `firmata-io` (the same protocol code, without a transport) over a serialport 13 stream and hand johnny-five
 * that io.
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import { SerialPortStream, type StreamOptions } from '@serialport/stream';
import { XacminhError } from '../errors.ts';
import { PatternIndicators, type IndicatorLog } from './indicators.ts';
import { OUTPUTS, type Output } from './patterns.ts';
import type { GpioPins } from './gpio.ts';

export interface FirmataIndicatorsConfig {
  path: string;
  baudRate?: number;
  /** Arduino pin numbers. */
  pins: GpioPins;
  relayPulseMs?: number;
  activeLow?: boolean;
  /** The button pulls its pin to ground (the board's internal pull-up is enabled); default true. */
  buttonActiveLow?: boolean;
  /** The board must answer the Firmata handshake within this time. */
  readyTimeoutMs?: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  binding?: StreamOptions<any>['binding'];
}

/** The part of johnny-five's Board (and its Firmata io) used here: there are no bundled types. */
interface FiveBoard extends EventEmitter {
  io: {
    MODES: { OUTPUT: number; INPUT: number; PULLUP: number };
    pinMode(pin: number, mode: number): void;
    digitalWrite(pin: number, value: 0 | 1): void;
    digitalRead(pin: number, callback: (value: 0 | 1) => void): void;
  };
}
interface FiveModule {
  Board: new (options: Record<string, unknown>) => FiveBoard;
}
type FirmataIo = FiveBoard['io'] & EventEmitter;
interface FirmataIoModule {
  Firmata: new (transport: SerialPortStream, options?: Record<string, unknown>) => FirmataIo;
}

const require = createRequire(import.meta.url);

function loadFive(): { five: FiveModule; Firmata: FirmataIoModule['Firmata'] } {
  const five = require('johnny-five') as FiveModule;
  // firmata-io as johnny-five's own firmata dependency resolves it, so both use one copy.
  const fromFirmata = createRequire(createRequire(require.resolve('johnny-five')).resolve('firmata'));
  return { five, Firmata: (fromFirmata('firmata-io') as FirmataIoModule).Firmata };
}

export class FirmataIndicators extends PatternIndicators {
  private constructor(
    private readonly config: FirmataIndicatorsConfig,
    private readonly board: FiveBoard,
    private readonly port: SerialPortStream,
    private readonly log: IndicatorLog,
  ) {
    super({ relayPulseMs: config.relayPulseMs });
  }

  /** Opens the port, waits for the Firmata handshake and sets the pin modes. */
  static async open(config: FirmataIndicatorsConfig, log: IndicatorLog = () => undefined): Promise<FirmataIndicators> {
    const { five, Firmata } = loadFive();
    const port = new SerialPortStream({ binding: config.binding ?? SerialPort.binding, path: config.path, baudRate: config.baudRate ?? 57600, autoOpen: false });
    const unavailable = (why: string, cause?: unknown): XacminhError =>
      new XacminhError('SERIAL_UNAVAILABLE', `The Firmata board on ${config.path} ${why}: check its USB cable and that StandardFirmata is flashed`, { path: config.path }, cause ? { cause } : undefined);
    const io = new Firmata(port, { reportVersionTimeout: 1000 });
    // timeout: johnny-five's own connect timeout is disabled; ours below covers the handshake.
    // sigint: false, or johnny-five installs a SIGINT handler that calls process.reallyExit() and cuts
    // short the agent's own clean shutdown.
    const board = new five.Board({ io, repl: false, debug: false, sigint: false, timeout: 1e9 });
    // Kept for the board's lifetime: an unhandled 'error' event would end the process.
    const onError = (error: unknown): void => log('warn', `Firmata board on ${config.path}: ${String(error)}`, { code: 'SERIAL_UNAVAILABLE' });
    port.on('error', onError);
    io.on('error', onError);
    board.on('error', onError);
    const readyTimeoutMs = config.readyTimeoutMs ?? 10_000;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(unavailable(`did not answer the Firmata handshake within ${readyTimeoutMs} ms`)), readyTimeoutMs);
        board.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
        // Opened after the io exists: Firmata turns the port's 'open' into the 'connect' johnny-five waits for.
        port.open((error) => {
          if (!error) return;
          clearTimeout(timer);
          reject(unavailable('cannot be opened', error));
        });
      });
    } catch (error) {
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
      throw error;
    }
    const indicators = new FirmataIndicators(config, board, port, log);
    indicators.setup();
    return indicators;
  }

  private setup(): void {
    const io = this.board.io;
    const inactive = this.config.activeLow ? 1 : 0;
    for (const output of OUTPUTS) {
      const pin = this.config.pins[output];
      if (pin === undefined) continue;
      io.pinMode(pin, io.MODES.OUTPUT);
      io.digitalWrite(pin, inactive);
    }
    const button = this.config.pins.button;
    if (button !== undefined) {
      const activeLow = this.config.buttonActiveLow ?? true;
      io.pinMode(button, activeLow ? io.MODES.PULLUP : io.MODES.INPUT);
      let last: 0 | 1 = activeLow ? 1 : 0;
      // Firmata reports the port on every change; a press is the edge into the active level.
      io.digitalRead(button, (value) => {
        const pressedNow = activeLow ? value === 0 : value === 1;
        const wasPressed = activeLow ? last === 0 : last === 1;
        last = value;
        if (pressedNow && !wasPressed) this.pressed();
      });
    }
    this.port.on('close', (error: (Error & { disconnected?: boolean }) | null) => {
      if (error?.disconnected) this.log('warn', `Firmata board on ${this.config.path} was disconnected`, { code: 'SERIAL_UNAVAILABLE' });
    });
  }

  protected has(output: Output): boolean {
    return this.config.pins[output] !== undefined;
  }

  protected write(output: Output, on: boolean): void {
    if (!this.port.isOpen) throw new XacminhError('SERIAL_UNAVAILABLE', `The Firmata board on ${this.config.path} is not connected`, { path: this.config.path });
    this.board.io.digitalWrite(this.config.pins[output]!, (on !== Boolean(this.config.activeLow)) ? 1 : 0);
  }

  protected override onWriteError(output: Output | 'button', error: unknown): void {
    this.log('warn', `Firmata write to ${output} failed: ${String(error)}`, { output });
  }

  protected async release(): Promise<void> {
    // Let the final "all off" writes leave before the port closes.
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.drain(() => resolve()));
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }
}
