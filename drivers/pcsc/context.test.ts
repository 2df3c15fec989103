// The PC/SC context's bookkeeping against a fake binding: hot-plug, card events, error containment.
// (pcsc.test.ts runs the same code against the real pcscd.)
import { EventEmitter } from 'node:events';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ErrorCode } from '../errors.ts';
import { PcscContext } from './context.ts';
import { pcscError } from './errors.ts';
import type { CardReader, PcscLite } from './pcsclite-types.ts';
import { assertRejectsCode } from '../test-assert.ts';

const PRESENT = 0x20;
const EMPTY = 0x10;
const MUTE = 0x200;

class FakeReader extends EventEmitter {
  connected = false;
  closed = false;
  readonly SCARD_SHARE_SHARED = 2;
  readonly SCARD_SHARE_EXCLUSIVE = 1;
  readonly SCARD_PROTOCOL_T0 = 1;
  readonly SCARD_PROTOCOL_T1 = 2;
  readonly SCARD_STATE_PRESENT = PRESENT;
  readonly SCARD_STATE_MUTE = MUTE;
  readonly SCARD_UNPOWER_CARD = 2;
  readonly SCARD_LEAVE_CARD = 0;
  connectError: Error | undefined;
  responses: Uint8Array[] = [];
  sent: number[][] = [];
  constructor(readonly name: string) {
    super();
  }
  connect(_o: unknown, cb: (err: unknown, protocol: number) => void): void {
    setImmediate(() => {
      if (this.connectError) return cb(this.connectError, 0);
      this.connected = true;
      cb(null, 2);
    });
  }
  disconnect(_d: number, cb: (err: unknown) => void): void {
    this.connected = false;
    setImmediate(() => cb(null));
  }
  transmit(data: Buffer, _len: number, _p: number, cb: (err: unknown, response: Buffer) => void): void {
    this.sent.push([...data]);
    const next = this.responses.shift();
    setImmediate(() => (next ? cb(null, Buffer.from(next)) : cb(new Error('SCardTransmit error: Card was removed.(0x80100069)'), Buffer.alloc(0))));
  }
  close(): void {
    this.closed = true;
  }
  status(state: number, atr?: number[]): void {
    this.emit('status', atr ? { state, atr: Buffer.from(atr) } : { state });
  }
}

class FakePcsc extends EventEmitter {
  closed = false;
  close(): void {
    this.closed = true;
  }
  plug(name: string): FakeReader {
    const reader = new FakeReader(name);
    this.emit('reader', reader as unknown as CardReader);
    return reader;
  }
}

function setup() {
  const pcsc = new FakePcsc();
  const context = PcscContext.fromBinding(pcsc as unknown as PcscLite);
  const events: string[] = [];
  for (const e of ['reader-added', 'reader-removed', 'card-inserted', 'card-removed'] as const) {
    context.on(e, (name: string) => events.push(`${e}:${name}`));
  }
  return { pcsc, context, events };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));


test('hot-plug: readers come and go, a card on an unplugged reader is reported removed first', async () => {
  const { pcsc, context, events } = setup();
  const waiting = context.waitForReader(/ACR/, { timeoutMs: 1000 });
  const reader = pcsc.plug('ACS ACR1252 00 00');
  assert.is(await waiting, 'ACS ACR1252 00 00');
  reader.status(EMPTY);
  const card = context.waitForCard(undefined, { timeoutMs: 1000 });
  reader.status(PRESENT, [0x3b, 0x8a]);
  assert.equal(await card, { reader: 'ACS ACR1252 00 00', atr: Uint8Array.of(0x3b, 0x8a) });
  assert.equal(context.readers(), [{ name: 'ACS ACR1252 00 00', cardPresent: true, atr: Uint8Array.of(0x3b, 0x8a) }]);
  const transport = await context.connect('ACS ACR1252 00 00');
  reader.emit('end');
  assert.equal(events, ['reader-added:ACS ACR1252 00 00', 'card-inserted:ACS ACR1252 00 00', 'card-removed:ACS ACR1252 00 00', 'reader-removed:ACS ACR1252 00 00']);
  assert.equal(context.readers(), []);
  await assertRejectsCode(transport.transmit(Uint8Array.of(0, 0xb0, 0, 0, 1)), 'CARD_REMOVED');
  await assertRejectsCode(context.waitForReader('ACS', { timeoutMs: 50 }), 'NO_READER');
  context.close();
});

test('a mute card is no card; a card taken off ends its transport', async () => {
  const { pcsc, context, events } = setup();
  const reader = pcsc.plug('R');
  reader.status(PRESENT | MUTE, [0x3b]);
  await assertRejectsCode(context.waitForCard('R', { timeoutMs: 50 }), 'NO_CARD');
  await assertRejectsCode(context.connect('R'), 'NO_CARD');
  reader.status(PRESENT, [0x3b]);
  const transport = await context.connect('R');
  reader.responses.push(Uint8Array.of(0x90, 0x00));
  assert.equal([...(await transport.transmit(Uint8Array.of(0, 0xa4, 0, 0)))], [0x90, 0x00]);
  reader.status(EMPTY);
  assert.not.ok(transport.connected);
  await assertRejectsCode(transport.transmit(Uint8Array.of(0, 0xa4, 0, 0)), 'CARD_REMOVED');
  assert.equal(events, ['reader-added:R', 'card-inserted:R', 'card-removed:R']);
  context.close();
});

test('one connection per reader per context; after a removal a new card connects on a fresh handle', async () => {
  const { pcsc, context } = setup();
  const reader = pcsc.plug('R');
  reader.status(PRESENT, [0x3b]);
  const first = await context.connect('R');
  await assertRejectsCode(context.connect('R'), 'READER_BUSY');
  reader.status(EMPTY);
  reader.status(PRESENT, [0x3b, 0x01]);
  assert.ok(reader.connected, 'the binding still holds the dead handle');
  const second = await context.connect('R');
  assert.equal([...second.atr], [0x3b, 0x01]);
  assert.not.ok(first.connected);
  reader.responses.push(Uint8Array.of(0x90, 0x00));
  assert.equal([...(await second.transmit(Uint8Array.of(0, 0xa4, 0, 0)))], [0x90, 0x00]);
  await second.disconnect();
  assert.not.ok(reader.connected);
  reader.connectError = new Error('SCardConnect error: Sharing violation.(0x8010000b)');
  await assertRejectsCode(context.connect('R'), 'READER_BUSY');
  context.close();
});

test('T=0: 61xx is fetched with GET RESPONSE, 6Cxx resent with the right Le, both invisible to the caller', async () => {
  const { pcsc, context } = setup();
  const reader = pcsc.plug('R');
  reader.status(PRESENT, [0x3b]);
  const transport = await context.connect('R');
  reader.responses.push(Uint8Array.of(1, 2, 0x61, 0x02), Uint8Array.of(3, 4, 0x61, 0x01), Uint8Array.of(5, 0x90, 0x00));
  assert.equal([...(await transport.transmit(Uint8Array.of(0x01, 0xb0, 0, 0, 0)))], [1, 2, 3, 4, 5, 0x90, 0x00]);
  assert.equal(reader.sent.slice(1), [
    [0x01, 0xc0, 0, 0, 0x02],
    [0x01, 0xc0, 0, 0, 0x01],
  ]);
  reader.sent.length = 0;
  reader.responses.push(Uint8Array.of(0x6c, 0x03), Uint8Array.of(7, 8, 9, 0x90, 0x00));
  assert.equal([...(await transport.transmit(Uint8Array.of(0, 0xca, 0x01, 0x02, 0x01, 0xaa, 0x10)))], [7, 8, 9, 0x90, 0x00]);
  assert.equal(reader.sent[1], [0, 0xca, 0x01, 0x02, 0x01, 0xaa, 0x03]);
  // 6Cxx to a command without Le is not retried: there is no Le to fix.
  reader.responses.push(Uint8Array.of(0x6c, 0x03));
  assert.equal([...(await transport.transmit(Uint8Array.of(0, 0xca, 0x01, 0x02)))], [0x6c, 0x03]);
  await assertRejectsCode(transport.transmit(Uint8Array.of(0, 0xca)), 'INVALID_INPUT');
  context.close();
});

test('errors never escape: no error listener, a throwing listener, a failed binding, after close', async () => {
  const warnings: string[] = [];
  const pcsc = new FakePcsc();
  const context = PcscContext.fromBinding(pcsc as unknown as PcscLite, { logger: { debug: () => undefined, warn: (_f, m) => warnings.push(m) } });
  context.on('reader-added', () => {
    throw new Error('listener bug');
  });
  const reader = pcsc.plug('R');
  assert.ok(warnings.includes('pcsc: an event listener threw'));
  reader.emit('error', new Error('SCardGetStatusChange error: Unknown reader.(0x80100009)'));
  const waiting = context.waitForCard('R', { timeoutMs: 1000 });
  pcsc.emit('error', new Error('SCardGetStatusChange error: Service was stopped.(0x8010001e)'));
  await assertRejectsCode(waiting, 'PCSC_UNAVAILABLE');
  await assertRejectsCode(context.connect('R'), 'PCSC_UNAVAILABLE');
  const seen: string[] = [];
  context.on('error', (e) => seen.push(e.code));
  reader.emit('error', new Error('SCardGetStatusChange error: Unknown reader.(0x80100009)'));
  assert.equal(seen, ['NO_READER']);
  context.close();
  pcsc.emit('error', new Error('SCardGetStatusChange error: Command cancelled.(0x80100002)'));
  assert.equal(seen, ['NO_READER'], 'the cancel that close() causes is not an error');
  await tick();
  assert.ok(pcsc.closed);
});

test('close: pending waits are cancelled; a reader that never spoke is closed once it does', async () => {
  const { pcsc, context } = setup();
  const quiet = pcsc.plug('Q');
  const waiting = context.waitForCard(undefined, { timeoutMs: 5000 });
  context.close();
  await assertRejectsCode(waiting, 'CANCELLED');
  assert.not.ok(quiet.closed, 'closing before its status thread runs would leak it');
  await tick();
  assert.not.ok(quiet.closed, 'closing before its status thread runs would leak it');
  quiet.status(EMPTY);
  assert.not.ok(quiet.closed, 'closing inside its status callback would deadlock');
  await tick();
  assert.ok(quiet.closed);
  assert.ok(pcsc.closed);
  const controller = new AbortController();
  const { context: other } = setup();
  const aborted = other.waitForReader(undefined, { timeoutMs: 5000, signal: controller.signal });
  controller.abort();
  await assertRejectsCode(aborted, 'CANCELLED');
  other.close();
});

test('pcscError reads the PC/SC code out of the message', () => {
  const cases: [string, ErrorCode][] = [
    ['SCardTransmit error: Card was removed.(0x80100069)', 'CARD_REMOVED'],
    ['SCardConnect error: Sharing violation.(0x8010000B)', 'READER_BUSY'],
    ['SCardConnect error: No smart card inserted.(0x8010000c)', 'NO_CARD'],
    ['SCardEstablishContext error: Service not available.(0x8010001d)', 'PCSC_UNAVAILABLE'],
    ['SCardConnect error: Unknown reader specified.(0x80100009)', 'NO_READER'],
    ['Card Reader not connected', 'CARD_REMOVED'],
    ['SCardTransmit error: Internal error.(0x80100001)', 'CARD_ERROR'],
  ];
  for (const [message, code] of cases) {
    const error = pcscError(new Error(message), 'test');
    assert.is(error.code, code, message);
    assert.is(error.evidence.message, message);
  }
});

test.run();
