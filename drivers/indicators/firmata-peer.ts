/**
 * Test peer: a small StandardFirmata emulation on the far end of a serial line. It announces itself the way
 * a freshly reset Arduino does, answers the capability and analog-mapping queries johnny-five makes, and
 * records every digital level the host sets, so FirmataIndicators can be tested without a board.
 */
import { performance } from 'node:perf_hooks';
import { SerialPort } from 'serialport';

export interface PinLevel {
  atMs: number;
  pin: number;
  on: boolean;
}

const PIN_COUNT = 20;
const MODES = { INPUT: 0x00, OUTPUT: 0x01, PULLUP: 0x0b };

export class FirmataPeer {
  readonly levels: PinLevel[] = [];
  readonly modes = new Map<number, number>();
  private readonly ports = new Uint8Array(8);
  private pending: number[] = [];
  private announcer: NodeJS.Timeout | undefined;
  private readonly origin = performance.now();

  private constructor(private readonly port: SerialPort) {
    port.on('data', (data: Buffer) => this.receive(data));
    // Keep announcing until the host speaks: its port may open (and flush) after our first announcement.
    this.announce();
    this.announcer = setInterval(() => this.announce(), 100);
  }

  static async open(path: string): Promise<FirmataPeer> {
    const port = new SerialPort({ path, baudRate: 57600, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    return new FirmataPeer(port);
  }

  /** Drives an input pin as the board would after a change (the button). */
  setInput(pin: number, high: boolean): void {
    const port = pin >> 3;
    if (high) this.ports[port]! |= 1 << (pin & 7);
    else this.ports[port]! &= ~(1 << (pin & 7));
    const value = this.ports[port]!;
    this.port.write(Buffer.from([0x90 | port, value & 0x7f, (value >> 7) & 0x7f]));
  }

  async close(): Promise<void> {
    clearInterval(this.announcer);
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  private announce(): void {
    const name = [...'StandardFirmata.ino'].flatMap((c) => [c.charCodeAt(0) & 0x7f, 0]);
    this.port.write(Buffer.from([0xf9, 2, 5, 0xf0, 0x79, 2, 5, ...name, 0xf7]));
  }

  private receive(data: Buffer): void {
    if (this.announcer) {
      clearInterval(this.announcer);
      this.announcer = undefined;
    }
    this.pending.push(...data);
    for (;;) {
      const used = this.command(this.pending);
      if (used === 0) return;
      this.pending = this.pending.slice(used);
    }
  }

  /** Handles one command at the head of `bytes`; returns the bytes used, 0 when incomplete. */
  private command(bytes: number[]): number {
    const first = bytes[0];
    if (first === undefined) return 0;
    if (first === 0xf0) {
      const end = bytes.indexOf(0xf7);
      if (end < 0) return 0;
      this.sysex(bytes.slice(1, end));
      return end + 1;
    }
    const type = first < 0xf0 ? first & 0xf0 : first;
    const length = { 0x90: 3, 0xe0: 3, 0xf4: 3, 0xf5: 3, 0xc0: 2, 0xd0: 2, 0xf9: 1, 0xff: 1 }[type] ?? 1;
    if (bytes.length < length) return 0;
    if (type === 0x90) {
      const port = first & 0x0f;
      this.setPort(port, bytes[1]! | (bytes[2]! << 7));
    } else if (type === 0xf5) {
      const pin = bytes[1]!;
      this.setPort(pin >> 3, bytes[2] ? this.ports[pin >> 3]! | (1 << (pin & 7)) : this.ports[pin >> 3]! & ~(1 << (pin & 7)));
    } else if (type === 0xf4) {
      this.modes.set(bytes[1]!, bytes[2]!);
      if (bytes[2] === MODES.PULLUP) this.ports[bytes[1]! >> 3]! |= 1 << (bytes[1]! & 7);
    } else if (type === 0xf9) {
      this.port.write(Buffer.from([0xf9, 2, 5]));
    }
    return length;
  }

  private sysex(body: number[]): void {
    const [command] = body;
    if (command === 0x6b) {
      const pins = Array.from({ length: PIN_COUNT }, () => [MODES.INPUT, 1, MODES.OUTPUT, 1, MODES.PULLUP, 1, 0x7f]).flat();
      this.port.write(Buffer.from([0xf0, 0x6c, ...pins, 0xf7]));
    } else if (command === 0x69) {
      this.port.write(Buffer.from([0xf0, 0x6a, ...new Array<number>(PIN_COUNT).fill(0x7f), 0xf7]));
    } else if (command === 0x79) {
      this.announce();
    }
  }

  private setPort(port: number, value: number): void {
    const before = this.ports[port]!;
    this.ports[port] = value;
    for (let bit = 0; bit < 8; bit++) {
      const pin = port * 8 + bit;
      if (this.modes.get(pin) !== MODES.OUTPUT) continue;
      const was = Boolean(before & (1 << bit));
      const now = Boolean(value & (1 << bit));
      if (was !== now || !this.levels.some((l) => l.pin === pin)) this.levels.push({ atMs: performance.now() - this.origin, pin, on: now });
    }
  }
}
