// Active and Chip Authentication end to end through the real pcscd + pcsclite, the virtual CCCD behind vpcd.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PcscContext } from '../../pcsc/context.ts';
import type { PcscTransport } from '../../pcsc/transport.ts';
import { makeVirtualCccd } from '../../sim/make-card.ts';
import { ensurePcscdWithVpcd } from '../../sim/pcscd-harness.ts';
import { VpcdBridge } from '../../sim/vpcd.ts';
import { OID } from '../oids.ts';
import { performActiveAuthentication } from './active.ts';
import { performChipAuthentication } from './chip.ts';
import { openChipSession, readName } from './test-chip-session.ts';
import { X509Certificate } from 'node:crypto';
import { accessKeyFromIdNumber } from '../access-key.ts';
import { readDocument } from '../read-document.ts';
import { TrustStore } from './trust-store.ts';
import { checkAuthenticity } from './verdict.ts';

const genuine = await makeVirtualCccd({ seed: 51 });
const clone = await makeVirtualCccd({ seed: 52, behaviour: { chipAuthentication: 'wrong-key', activeAuthentication: 'wrong-key' } });
const harness = await ensurePcscdWithVpcd();
const bridges = [new VpcdBridge(genuine.card, { port: harness.port }), new VpcdBridge(clone.card, { port: harness.port + 1 })];
const context = await PcscContext.open();
const transports: PcscTransport[] = [];

async function connect(slot: 0 | 1): Promise<PcscTransport> {
  await bridges[slot]!.insert();
  const { reader } = await context.waitForCard(`Virtual PCD 00 0${slot}`, { timeoutMs: 5000 });
  const transport = await context.connect(reader);
  transports.push(transport);
  return transport;
}

test.after(async () => {
  for (const t of transports) await t.disconnect().catch(() => undefined);
  context.close();
  for (const b of bridges) await b.remove();
  await harness.stop();
});

test('genuine card through pcscd: AA (RSA) then CA (ECDH AES-128), DG1 read under the CA keys', async () => {
  const { session, dg14, dg15 } = await openChipSession(await connect(0), genuine.persona.idNumber);
  assert.equal(await performActiveAuthentication(session, dg15, { dg14 }), { ok: true, algorithm: 'RSA-ISO9796-2' });
  assert.equal(await performChipAuthentication(session, dg14), { ok: true, protocolOid: OID['id-CA-ECDH-AES-CBC-CMAC-128'] });
  assert.equal(await readName(session, 'DG1'), genuine.built.files.get('DG1'));
  // AA still works under the CA channel.
  assert.ok((await performActiveAuthentication(session, dg15, { dg14 })).ok);
});

test('clone through pcscd: AA and CA both fail with "clone suspected"', async () => {
  const { session, dg14, dg15 } = await openChipSession(await connect(1), clone.persona.idNumber);
  const aa = await performActiveAuthentication(session, dg15, { dg14 });
  assert.is(aa.ok, false);
  assert.match(aa.reason!, /clone suspected/);
  const ca = await performChipAuthentication(session, dg14);
  assert.is(ca.ok, false);
  assert.match(ca.reason!, /clone suspected/);
});

test('whole read through pcscd: readDocument runs PACE, CA after DG14, AA; the verdict is genuine with all three', async () => {
  await bridges[0]!.remove();
  const transport = await connect(0);
  const document = await readDocument(transport, accessKeyFromIdNumber(genuine.persona.idNumber));
  const trust = new TrustStore();
  trust.add(new X509Certificate(genuine.publishedCsca), 'test CSCA');
  const authenticity = checkAuthenticity(document, trust);
  assert.is(authenticity.verdict, 'genuine', authenticity.reasons.join('; '));
  assert.ok(authenticity.passive.ok);
  assert.equal([authenticity.active.status, authenticity.chip.status], ['passed', 'passed']);
  assert.equal(document.files.get('DG13'), genuine.built.files.get('DG13'));
});

test.run();
