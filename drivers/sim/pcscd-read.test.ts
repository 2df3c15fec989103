// The chip path end to end through the real pcscd + pcsclite, with the virtual CCCD attached by vpcd.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { accessKeyFromDocumentFields, accessKeyFromIdNumber } from '../emrtd/access-key.ts';
import { readDocument } from '../emrtd/read-document.ts';
import { isXacminhError } from '../errors.ts';
import { PcscContext } from '../pcsc/context.ts';
import type { PcscTransport } from '../pcsc/transport.ts';
import { makeVirtualCccd } from './make-card.ts';
import { ensurePcscdWithVpcd } from './pcscd-harness.ts';
import { portraitFromJpeg } from './portrait.ts';
import { lfwFace } from './shared-data.ts';
import { VirtualCccd } from './virtual-cccd.ts';
import { VpcdBridge } from './vpcd.ts';

const sim = await makeVirtualCccd({ seed: 42, photo: portraitFromJpeg(lfwFace(5).bytes) });
const harness = await ensurePcscdWithVpcd();
const bridge = new VpcdBridge(sim.card, { port: harness.port });
const context = await PcscContext.open();
let transport: PcscTransport;

test.before(async () => {
  await bridge.insert();
  const { reader } = await context.waitForCard(harness.readerName, { timeoutMs: 5000 });
  transport = await context.connect(reader);
});

test.after(async () => {
  await transport?.disconnect().catch(() => undefined);
  context.close();
  await bridge.remove();
  await harness.stop();
});

test('PACE-CAN through pcscd: every DG13 field, photo bytes identical', async () => {
  sim.card.reset();
  const doc = await readDocument(transport, accessKeyFromIdNumber(sim.persona.idNumber), { extendedLength: true });
  assert.is(doc.accessProtocol, 'PACE');
  for (const [field, value] of Object.entries(sim.persona)) assert.is((doc.dg13 as unknown as Record<string, unknown>)[field], value, field);
  assert.equal(doc.dg2!.images[0]!.data, sim.photo);
  assert.equal(doc.files.get('EF.SOD'), sim.built.files.get('EF.SOD'));
  assert.equal(doc.activeAuthentication, { ok: true, algorithm: 'RSA-ISO9796-2' });
});

test('PACE with the MRZ password through pcscd, short APDUs only', async () => {
  sim.card.reset();
  const p = sim.persona;
  const key = accessKeyFromDocumentFields(p.idNumber.slice(3), p.dateOfBirth, p.dateOfExpiry.includes('/') ? p.dateOfExpiry : '991231');
  const doc = await readDocument(transport, key, { extendedLength: false });
  assert.is(doc.stats.readSize, 223);
  assert.equal(doc.files.get('DG2'), sim.built.files.get('DG2'));
});

test('BAC through pcscd on the second virtual reader: a card without PACE', async () => {
  const files = new Map(sim.built.files);
  files.delete('EF.CardAccess');
  const p = sim.persona;
  const key = accessKeyFromDocumentFields(p.idNumber.slice(3), p.dateOfBirth, p.dateOfExpiry.includes('/') ? p.dateOfExpiry : '991231');
  if (key.kind !== 'MRZ') throw new Error('expected an MRZ key');
  const bacCard = new VirtualCccd({ files, can: p.idNumber.slice(6), mrz: key.mrz });
  const second = new VpcdBridge(bacCard, { port: harness.port + 1 });
  await second.insert();
  try {
    const { reader } = await context.waitForCard('Virtual PCD 00 01', { timeoutMs: 5000 });
    const bacTransport = await context.connect(reader);
    const doc = await readDocument(bacTransport, key, { extendedLength: true });
    assert.is(doc.accessProtocol, 'BAC');
    for (const [field, value] of Object.entries(p)) assert.is((doc.dg13 as unknown as Record<string, unknown>)[field], value, field);
    assert.equal(doc.dg2!.images[0]!.data, sim.photo);
    await bacTransport.disconnect();
  } finally {
    await second.remove();
  }
});

test('card lifted from the reader mid-read: CARD_REMOVED', async () => {
  sim.card.reset();
  let removal: Promise<void> | undefined;
  try {
    await readDocument(transport, accessKeyFromIdNumber(sim.persona.idNumber), {
      maxReadSize: 223,
      onProgress: (p) => {
        if (p.file === 'DG2' && (p.fileBytesRead ?? 0) > 1000 && !removal) removal = bridge.remove();
      },
    });
    assert.unreachable('the read should fail');
  } catch (error) {
    assert.ok(isXacminhError(error, 'CARD_REMOVED'), `got ${String(error)}`);
  }
  await removal;
  await bridge.insert();
  const { reader } = await context.waitForCard(harness.readerName, { timeoutMs: 5000 });
  transport = await context.connect(reader);
});

test.run();
