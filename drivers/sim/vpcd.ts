/**
 * Attaches a simulated card to pcscd through Debian's vsmartcard-vpcd driver: the card connects as a TCP
 * client to the driver's port; every message is a 2-byte big-endian length and a payload. A one-byte
 * payload is a control (0 power off, 1 power on, 2 reset, 4 ATR request); anything else is a command APDU.
 * Test machines only: vpcd lets anything that can reach its port present a card.
 */
import { Socket } from 'node:net';
import type { SimulatedCard } from './in-process-transport.ts';

export const VPCD_PORT = 35963;

const CONTROL = { POWER_OFF: 0, POWER_ON: 1, RESET: 2, GET_ATR: 4 } as const;

export class VpcdBridge {
  private socket: Socket | undefined;
  private buffered = Buffer.alloc(0);
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly card: SimulatedCard,
    private readonly options: { host?: string; port?: number } = {},
  ) {}

  get inserted(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  /** Puts the card on the virtual reader. */
  insert(): Promise<void> {
    if (this.inserted) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      socket.setNoDelay(true);
      socket.once('error', reject);
      socket.connect(this.options.port ?? VPCD_PORT, this.options.host ?? '127.0.0.1', () => {
        socket.off('error', reject);
        socket.on('error', () => socket.destroy()); // pcscd went away: the card is simply off the reader
        this.socket = socket;
        this.buffered = Buffer.alloc(0);
        resolve();
      });
      socket.on('data', (chunk: Buffer) => this.receive(chunk));
    });
  }

  /** Lifts the card off the virtual reader. */
  remove(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }

  private receive(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 2) {
      const length = this.buffered.readUInt16BE(0);
      if (this.buffered.length < 2 + length) return;
      const payload = new Uint8Array(this.buffered.subarray(2, 2 + length));
      this.buffered = this.buffered.subarray(2 + length);
      // Answers go back in order even if the card answers asynchronously.
      this.queue = this.queue.then(() => this.handle(payload)).catch(() => undefined);
    }
  }

  private async handle(payload: Uint8Array): Promise<void> {
    if (payload.length === 1) {
      switch (payload[0]) {
        case CONTROL.POWER_OFF:
          this.card.powerOff();
          return;
        case CONTROL.POWER_ON:
          this.card.powerOn();
          return;
        case CONTROL.RESET:
          this.card.reset();
          return;
        case CONTROL.GET_ATR:
          this.send(this.card.atr);
          return;
        default:
          return;
      }
    }
    let response: Uint8Array;
    try {
      response = await this.card.transmit(payload);
    } catch {
      response = Uint8Array.of(0x6f, 0x00); // the card failed internally: "no precise diagnosis"
    }
    this.send(response);
  }

  private send(data: Uint8Array): void {
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    const frame = Buffer.alloc(2 + data.length);
    frame.writeUInt16BE(data.length, 0);
    frame.set(data, 2);
    socket.write(frame);
  }
}
