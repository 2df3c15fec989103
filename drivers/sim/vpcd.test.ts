// The vpcd wire protocol against a stand-in for the driver's side (a local TCP server), and the in-process
// transport. The real driver is exercised in drivers/pcsc/pcsc.test.ts.
import { createServer, type Server, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InProcessTransport, type SimulatedCard } from './in-process-transport.ts';
import { VpcdBridge } from './vpcd.ts';
import { assertRejectsCode } from '../test-assert.ts';

class LogCard implements SimulatedCard {
  readonly atr = Uint8Array.of(0x3b, 0x80, 0x80, 0x01, 0x01);
  readonly log: string[] = [];
  powerOn(): void {
    this.log.push('on');
  }
  powerOff(): void {
    this.log.push('off');
  }
  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    this.log.push(`apdu ${Buffer.from(apdu).toString('hex')}`);
    if (apdu[1] === 0xee) throw new Error('card bug');
    // The first command answers late, so out-of-order answers would show.
    if (apdu[1] === 0x01) await new Promise((resolve) => setTimeout(resolve, 30));
    if (apdu[1] === 0xb0) return new Uint8Array(70_000); // longer than a vpcd frame can carry
    return Uint8Array.of(apdu[1]!, 0x90, 0x00);
  }
}

/** Plays pcscd's vpcd driver: accepts the card and lets the test send frames and read answers. */
class FakeDriver {
  server: Server;
  client: Socket | undefined;
  private received = Buffer.alloc(0);
  private readonly waiting: (() => void)[] = [];
  private readonly connected: Promise<Socket>;
  closed: Promise<void> | undefined;

  constructor() {
    let onConnect!: (s: Socket) => void;
    this.connected = new Promise((resolve) => (onConnect = resolve));
    this.server = createServer((socket) => {
      this.client = socket;
      this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
      socket.on('data', (chunk: Buffer) => {
        this.received = Buffer.concat([this.received, chunk]);
        for (const wake of this.waiting.splice(0)) wake();
      });
      onConnect(socket);
    });
  }
  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }
  async send(...payloads: number[][]): Promise<void> {
    const socket = await this.connected;
    const frames = Buffer.concat(payloads.map((p) => Buffer.from([p.length >> 8, p.length & 0xff, ...p])));
    // Byte by byte: the bridge must reassemble frames split anywhere.
    for (const byte of frames) socket.write(Buffer.of(byte));
  }
  async frame(): Promise<number[]> {
    for (;;) {
      if (this.received.length >= 2) {
        const length = this.received.readUInt16BE(0);
        if (this.received.length >= 2 + length) {
          const payload = [...this.received.subarray(2, 2 + length)];
          this.received = this.received.subarray(2 + length);
          return payload;
        }
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }
  close(): Promise<void> {
    this.client?.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}


test('vpcd: controls, ATR, APDU answers in order, card failures as 6F00, removal closes the link', async () => {
  const driver = new FakeDriver();
  const port = await driver.listen();
  const card = new LogCard();
  const bridge = new VpcdBridge(card, { port });
  const inserting = bridge.insert();
  await driver.send([0x04]); // pcscd's presence poll asks for the ATR first
  await inserting;
  assert.ok(bridge.inserted);
  assert.equal(await driver.frame(), [...card.atr]);
  await driver.send([0x01], [0x00, 0x01, 0x00, 0x00], [0x00, 0x02, 0x00, 0x00, 0x05], [0x00, 0xee, 0x00, 0x00], [0x02], [0x00]);
  assert.equal(await driver.frame(), [0x01, 0x90, 0x00]);
  assert.equal(await driver.frame(), [0x02, 0x90, 0x00]);
  assert.equal(await driver.frame(), [0x6f, 0x00]);
  await driver.send([0x00, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00]);
  assert.equal(await driver.frame(), [0x6f, 0x00], 'an answer longer than 65535 bytes cannot be framed');
  // Reset without a reset() on the card: power cycle.
  assert.equal(card.log, ['on', 'apdu 00010000', 'apdu 0002000005', 'apdu 00ee0000', 'off', 'on', 'off', 'apdu 00b00000000000']);
  await bridge.remove();
  assert.not.ok(bridge.inserted);
  await driver.closed;
  await driver.close();
});

test('vpcd: nothing listening is PCSC_UNAVAILABLE; a driver that never talks is TIMEOUT', async () => {
  const driver = new FakeDriver();
  const port = await driver.listen();
  const silent = new VpcdBridge(new LogCard(), { port, timeoutMs: 200 });
  await assertRejectsCode(silent.insert(), 'TIMEOUT');
  assert.not.ok(silent.inserted);
  await driver.close();
  await assertRejectsCode(new VpcdBridge(new LogCard(), { port, timeoutMs: 200 }).insert(), 'PCSC_UNAVAILABLE');
});

test('in-process: transmit, remove → CARD_REMOVED (also mid-command), insert powers the card again', async () => {
  const card = new LogCard();
  const transport = new InProcessTransport(card);
  assert.equal([...(await transport.transmit(Uint8Array.of(0, 0x02, 0, 0)))], [0x02, 0x90, 0x00]);
  transport.remove();
  assert.not.ok(transport.inserted);
  await assertRejectsCode(transport.transmit(Uint8Array.of(0, 0x02, 0, 0)), 'CARD_REMOVED');
  transport.insert();
  const slow = transport.transmit(Uint8Array.of(0, 0x01, 0, 0));
  setTimeout(() => transport.remove(), 5);
  await assertRejectsCode(slow, 'CARD_REMOVED');
  const controller = new AbortController();
  controller.abort();
  transport.insert();
  await assertRejectsCode(transport.transmit(Uint8Array.of(0, 0x02, 0, 0), { signal: controller.signal }), 'CANCELLED');
  assert.equal(card.log, ['on', 'apdu 00020000', 'off', 'on', 'apdu 00010000', 'off', 'on']);
});

test.run();
