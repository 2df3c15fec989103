// The PC/SC driver against the real pcscd, with small scripted cards attached through vpcd.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SimulatedCard } from '../sim/in-process-transport.ts';
import { ensurePcscdWithVpcd } from '../sim/pcscd-harness.ts';
import { VpcdBridge } from '../sim/vpcd.ts';
import { PcscContext } from './context.ts';
import { assertRejectsCode } from '../test-assert.ts';

const contextUrl = new URL('./context.ts', import.meta.url).href;

/** Answers by a script keyed on INS; counts what it saw. */
class ScriptedCard implements SimulatedCard {
  readonly atr = Uint8Array.of(0x3b, 0x80, 0x80, 0x01, 0x01);
  readonly seen: number[][] = [];
  delayMs = 0;
  lastLe = 0;
  powerOn(): void {}
  powerOff(): void {}
  reset(): void {}
  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    this.seen.push([...apdu]);
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const ins = apdu[1];
    if (ins === 0xb0) {
      // Echo a pattern of the length asked for (extended Le when the APDU is 7 bytes long).
      const le = apdu.length === 7 ? (apdu[5]! << 8) | apdu[6]! || 65536 : apdu[4]! || 256;
      this.lastLe = le;
      return Uint8Array.from([...Array.from({ length: le }, (_, i) => i & 0xff), 0x90, 0x00]);
    }
    if (ins === 0xca) return Uint8Array.of(0x61, 0x03); // data waits for GET RESPONSE
    if (ins === 0xc0) return Uint8Array.of(0xaa, 0xbb, 0xcc, 0x90, 0x00);
    if (ins === 0xcb) return apdu[4] === 0x02 ? Uint8Array.of(0x12, 0x34, 0x90, 0x00) : Uint8Array.of(0x6c, 0x02);
    return Uint8Array.of(0x6d, 0x00);
  }
}

// The second slot: the chip-read tests use the first, and engineers run suites side by side on one pcscd.
const harness = await ensurePcscdWithVpcd({ slot: 1 });
const card = new ScriptedCard();
const bridge = new VpcdBridge(card, { port: harness.port });
const context = await PcscContext.open();


test.after(async () => {
  await bridge.remove();
  context.close();
  await harness.stop();
});

test('open() knows the readers at once; no card: NO_CARD after the timeout', async () => {
  const fresh = await PcscContext.open();
  try {
    assert.ok(fresh.readers().some((r) => r.name === harness.readerName && !r.cardPresent), JSON.stringify(fresh.readers()));
  } finally {
    fresh.close();
  }
  assert.is(await context.waitForReader(new RegExp(`${harness.readerName}$`), { timeoutMs: 3000 }), harness.readerName);
  const started = Date.now();
  await assertRejectsCode(context.waitForCard(harness.readerName, { timeoutMs: 300 }), 'NO_CARD');
  assert.ok(Date.now() - started >= 290);
  await assertRejectsCode(context.connect(harness.readerName), 'NO_CARD');
});

test('an unknown reader: NO_READER', async () => {
  await assertRejectsCode(context.waitForReader('No such reader', { timeoutMs: 200 }), 'NO_READER');
  await assertRejectsCode(context.connect('No such reader'), 'NO_READER');
});

test('insert fires card-inserted; transmit round-trips 4 KB and near-64 KB extended-length answers', async () => {
  const inserted = new Promise<string>((resolve) => context.once('card-inserted', (name) => resolve(name)));
  await bridge.insert();
  assert.ok(bridge.inserted);
  assert.is(await inserted, harness.readerName);
  const { reader, atr } = await context.waitForCard(harness.readerName, { timeoutMs: 5000 });
  assert.equal([...atr], [...card.atr]);
  const transport = await context.connect(reader);
  assert.equal([...transport.atr], [...card.atr]);
  await assertRejectsCode(context.connect(reader), 'READER_BUSY'); // one handle per reader per context
  const response = await transport.transmit(Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x00, 0x10, 0x00));
  assert.is(card.lastLe, 4096);
  assert.is(response.length, 4096 + 2);
  assert.equal([...response.subarray(4094)], [0xfe, 0xff, 0x90, 0x00]);
  // vpcd frames carry at most 65,535 bytes: 65,533 data bytes + SW is the largest answer it can pass.
  const big = await transport.transmit(Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x00, 0xff, 0xfd));
  assert.is(big.length, 65535);
  assert.is(big[65532], 65532 & 0xff);
  await transport.disconnect();
  assert.not.ok(transport.connected);
  await assertRejectsCode(transport.transmit(Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x10)), 'CARD_REMOVED');
});

test('61xx: GET RESPONSE is sent for the caller; 6Cxx: the command is resent with the right Le', async () => {
  const transport = await context.connect(harness.readerName);
  assert.equal([...(await transport.transmit(Uint8Array.of(0x00, 0xca, 0x00, 0x00, 0x00)))], [0xaa, 0xbb, 0xcc, 0x90, 0x00]);
  assert.equal([...(await transport.transmit(Uint8Array.of(0x00, 0xcb, 0x00, 0x00, 0x05)))], [0x12, 0x34, 0x90, 0x00]);
  await transport.disconnect();
});

test('exclusive use: a second connection is READER_BUSY', async () => {
  const first = await context.connect(harness.readerName, { shareMode: 'exclusive' });
  const other = await PcscContext.open();
  try {
    await other.waitForCard(harness.readerName, { timeoutMs: 3000 });
    await assertRejectsCode(other.connect(harness.readerName), 'READER_BUSY');
  } finally {
    other.close();
    await first.disconnect();
  }
});

test('cancellation and a card that never answers: CANCELLED, TIMEOUT', async () => {
  const transport = await context.connect(harness.readerName, { timeoutMs: 300 });
  card.delayMs = 600;
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const started = Date.now();
  await assertRejectsCode(transport.transmit(Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x10), { signal: controller.signal }), 'CANCELLED');
  assert.ok(Date.now() - started < 300, 'cancel lands without waiting for the card');
  await new Promise((resolve) => setTimeout(resolve, 700)); // let the slow answer drain
  await assertRejectsCode(transport.transmit(Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x10)), 'TIMEOUT');
  card.delayMs = 0;
  await new Promise((resolve) => setTimeout(resolve, 700));
  // The late answers were dropped: the next exchange gets its own answer.
  const response = await transport.transmit(Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x03));
  assert.equal([...response], [0, 1, 2, 0x90, 0x00]);
  await transport.disconnect();
});

test('card lifted during a transmit: CARD_REMOVED and card-removed; a new card connects without a disconnect', async () => {
  const transport = await context.connect(harness.readerName);
  card.delayMs = 300;
  const removed = new Promise<string>((resolve) => context.once('card-removed', (name) => resolve(name)));
  const pending = transport.transmit(Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x10));
  setTimeout(() => void bridge.remove(), 50);
  await assertRejectsCode(pending, 'CARD_REMOVED');
  assert.is(await removed, harness.readerName);
  assert.not.ok(bridge.inserted);
  await assertRejectsCode(transport.transmit(Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x10)), 'CARD_REMOVED');
  card.delayMs = 0;
  // The dead connection was never disconnected: connecting to the next card must still work.
  await bridge.insert();
  const { reader } = await context.waitForCard(harness.readerName, { timeoutMs: 5000 });
  const next = await context.connect(reader);
  assert.equal([...(await next.transmit(Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x02)))], [0, 1, 0x90, 0x00]);
  await next.disconnect();
});

test('a closed context lets the process exit (the binding leaks a handle if closed too early)', () => {
  const script = `const { PcscContext } = await import(${JSON.stringify(contextUrl)});
    const c = await PcscContext.open(); c.close(); const d = await PcscContext.open({ readyTimeoutMs: 0 }); d.close(); console.log('closed');`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 8000 });
  assert.is(child.stdout.trim(), 'closed', child.stderr);
  assert.is(child.status, 0, `exit ${child.status} ${child.signal ?? ''}: did not exit by itself`);
});

test.run();
