// The session's card port over the real pcscd + pcsclite, with the virtual CCCD attached through vpcd.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { accessKeyFromIdNumber } from '../../drivers/emrtd/access-key.ts';
import { readDocument } from '../../drivers/emrtd/read-document.ts';
import { makeVirtualCccd } from '../../drivers/sim/make-card.ts';
import { ensurePcscdWithVpcd } from '../../drivers/sim/pcscd-harness.ts';
import { VpcdBridge } from '../../drivers/sim/vpcd.ts';
import type { CardHandle } from './card-port.ts';
import { PcscCardPort } from './pcsc-card-port.ts';

const sim = await makeVirtualCccd({ seed: 7 });
const harness = await ensurePcscdWithVpcd();
const bridge = new VpcdBridge(sim.card, { port: harness.port });
const port = new PcscCardPort(harness.readerName);

test.after(async () => {
  await port.stop();
  await bridge.remove().catch(() => undefined);
  await harness.stop();
});

test('a card laid on the reader becomes a handle the chip can be read through; lifting it fires `removed`', async () => {
  const cards: CardHandle[] = [];
  port.on('card', (handle) => cards.push(handle));
  await port.start();
  await bridge.insert();
  await until(() => cards.length === 1);
  const handle = cards[0]!;
  const doc = await readDocument(handle.transport, accessKeyFromIdNumber(sim.persona.idNumber), { extendedLength: true });
  assert.is(doc.dg13?.idNumber, sim.persona.idNumber);
  assert.is(handle.removed.aborted, false);
  await handle.release();
  await bridge.remove();
  await until(() => handle.removed.aborted);
  await bridge.insert();
  await until(() => cards.length === 2);
  assert.is(cards[1]!.removed.aborted, false, 'a new card, a new handle');
  await cards[1]!.release();
});

async function until(condition: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test.run();
