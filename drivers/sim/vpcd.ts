/**
 * Attaches a simulated card to pcscd through Debian's vsmartcard-vpcd driver: the card connects as a TCP
 * client to the driver's port; every message is a 2-byte big-endian length and a payload. A one-byte
 * payload is a control (0 power off, 1 power on, 2 reset, 4 ATR request: only the last is answered);
 * anything else is a command APDU, answered with one message holding the response APDU.
 * Test machines only: vpcd lets anything that can reach its port present a card.
 */
import { Socket } from 'node:net';
import { XacminhError } from '../errors.ts';
import type { SimulatedCard } from './in-process-transport.ts';

export type { SimulatedCard } from './in-process-transport.ts';

/** vpcd's first slot ("Virtual PCD 00 00"); the second slot listens on the next port. */
export const VPCD_PORT = 35963;

const CONTROL = { POWER_OFF: 0, POWER_ON: 1, RESET: 2, GET_ATR: 4 } as const;
/** The length prefix is 16 bits: no answer can be longer, whatever Le asked for. */
const MAX_FRAME = 0xffff;

export interface VpcdBridgeOptions {
  host?: string;
  port?: number;
  /** How long insert() waits for pcscd to talk to the card (default 5 s; pcscd polls every 400 ms). */
  timeoutMs?: number;
}

export class VpcdBridge {
  private socket: Socket | undefined;
  private buffered: Buffer = Buffer.alloc(0);
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly card: SimulatedCard,
    private readonly options: VpcdBridgeOptions = {},
  ) {}

  get inserted(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  private get address(): string {
    return `${this.options.host ?? '127.0.0.1'}:${this.options.port ?? VPCD_PORT}`;
  }

  /**
   * Puts the card on the virtual reader. Resolves once pcscd's driver has spoken to the card: a bare TCP
   * connect proves little, as the driver's listen backlog accepts us even while another card holds the slot.
   */
  insert(): Promise<void> {
    if (this.inserted) return Promise.resolve();
    const timeoutMs = this.options.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      this.socket = socket;
      this.buffered = Buffer.alloc(0);
      this.queue = Promise.resolve();
      let settled = false;
      const settle = (error?: XacminhError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!error) return resolve();
        if (this.socket === socket) this.socket = undefined;
        socket.destroy();
        reject(error);
      };
      const timer = setTimeout(
        () =>
          settle(
            new XacminhError('TIMEOUT', `pcscd did not talk to the virtual card on ${this.address} within ${timeoutMs} ms: another virtual card may hold that slot`, {
              address: this.address,
            }),
          ),
        timeoutMs,
      );
      socket.setNoDelay(true);
      socket.on('error', (error) => {
        // Before the first message it is a failed insert; after, pcscd went away: the card is simply off.
        settle(new XacminhError('PCSC_UNAVAILABLE', `Cannot reach vpcd on ${this.address}: is pcscd running with vsmartcard-vpcd? (${error.message})`, { address: this.address }, { cause: error }));
      });
      socket.on('close', () => {
        if (this.socket === socket) this.socket = undefined;
        settle(new XacminhError('PCSC_UNAVAILABLE', `vpcd on ${this.address} closed the connection`, { address: this.address }));
      });
      socket.on('data', (chunk: Buffer) => {
        settle();
        this.receive(socket, chunk);
      });
      socket.connect(this.options.port ?? VPCD_PORT, this.options.host ?? '127.0.0.1');
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

  private receive(socket: Socket, chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 2) {
      const length = this.buffered.readUInt16BE(0);
      if (this.buffered.length < 2 + length) return;
      const payload = new Uint8Array(this.buffered.subarray(2, 2 + length));
      this.buffered = this.buffered.subarray(2 + length);
      // Answers go back in order even if the card answers asynchronously.
      this.queue = this.queue.then(() => this.handle(socket, payload)).catch(() => undefined);
    }
  }

  private async handle(socket: Socket, payload: Uint8Array): Promise<void> {
    if (payload.length === 1) {
      try {
        switch (payload[0]) {
          case CONTROL.POWER_OFF:
            return this.card.powerOff();
          case CONTROL.POWER_ON:
            return this.card.powerOn();
          case CONTROL.RESET:
            if (this.card.reset) return this.card.reset();
            this.card.powerOff();
            return this.card.powerOn();
          case CONTROL.GET_ATR:
            return send(socket, this.card.atr);
          default:
            return; // unknown control: vpcd expects no answer
        }
      } catch {
        return; // a card failing to power up still has to answer the next ATR request
      }
    }
    let response: Uint8Array;
    try {
      response = await this.card.transmit(payload);
    } catch {
      response = Uint8Array.of(0x6f, 0x00); // the card failed internally: "no precise diagnosis"
    }
    // 65,536 data bytes + SW cannot be framed; 6F00 rather than a truncated (wrong) answer.
    if (response.length > MAX_FRAME || response.length < 2) response = Uint8Array.of(0x6f, 0x00);
    send(socket, response);
  }
}

function send(socket: Socket, data: Uint8Array): void {
  if (socket.destroyed) return;
  const frame = Buffer.alloc(2 + data.length);
  frame.writeUInt16BE(data.length, 0);
  frame.set(data, 2);
  socket.write(frame);
}
