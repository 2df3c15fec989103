// Every misbehaving virtual card is caught by a full read + verdict, with the reason that names the fault.
import { X509Certificate } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { accessKeyFromIdNumber } from '../emrtd/access-key.ts';
import { TrustStore } from '../emrtd/authenticity/trust-store.ts';
import { checkAuthenticity, type Authenticity } from '../emrtd/authenticity/verdict.ts';
import { OID } from '../emrtd/oids.ts';
import { readDocument, type ChipDocument } from '../emrtd/read-document.ts';
import { CARD_FAULTS, isCardFault, makeCardWithFault, type CardFault } from './card-faults.ts';
import { InProcessTransport } from './in-process-transport.ts';

/** Records each command header (CLA INS P1 P2) so a test can see the order of operations on the wire. */
class RecordingTransport extends InProcessTransport {
  readonly headers: string[] = [];
  override transmit(apdu: Uint8Array, options?: { signal?: AbortSignal }): Promise<Uint8Array> {
    this.headers.push(Buffer.from(apdu.subarray(0, 4)).toString('hex'));
    return super.transmit(apdu, options);
  }
}

async function readWithFault(fault: CardFault | undefined): Promise<{ document: ChipDocument; authenticity: Authenticity; headers: string[] }> {
  const card = await makeCardWithFault(fault, { seed: 77 });
  const transport = new RecordingTransport(card.card);
  const document = await readDocument(transport, accessKeyFromIdNumber(card.persona.idNumber));
  const trust = new TrustStore();
  trust.add(new X509Certificate(card.publishedCsca), 'published test CSCA');
  return { document, authenticity: checkAuthenticity(document, trust), headers: transport.headers };
}

const passiveCodes = (a: Authenticity) => a.passive.reasons.map((r) => r.code);

test('genuine card: PA, AA and CA all pass, verdict genuine, CA runs before DG1 is read', async () => {
  const { document, authenticity, headers } = await readWithFault(undefined);
  assert.is(authenticity.verdict, 'genuine');
  // MSE:Set AT for CA (INS 22, P1P2 41A4) comes before the first READ BINARY of DG1 by its SFI (P1 81).
  const mse = headers.findIndex((h) => h.slice(2) === '2241a4');
  const dg1 = headers.findIndex((h) => /^..b[01]81/.test(h));
  assert.ok(mse > 0 && dg1 > mse, `CA at ${mse}, DG1 at ${dg1}`);
  assert.ok(authenticity.passive.ok);
  assert.equal([authenticity.active.status, authenticity.chip.status], ['passed', 'passed']);
  assert.equal(document.chipAuthentication, { ok: true, protocolOid: OID['id-CA-ECDH-AES-CBC-CMAC-128'] });
  assert.equal(authenticity.reasons, []);
  assert.ok(document.authenticationMs > 0 && document.authenticationMs < document.stats.durationMs);
  assert.is(document.dg13?.fullName !== undefined, true);
});

test('altered DG13: not genuine, DG_HASH_MISMATCH names DG13, the forged name is what was read', async () => {
  const { document, authenticity } = await readWithFault('altered-dg13');
  assert.is(authenticity.verdict, 'not-genuine');
  assert.equal(passiveCodes(authenticity), ['DG_HASH_MISMATCH']);
  assert.match(authenticity.reasons[0]!, /DG13 was altered/);
  assert.is(document.dg13?.fullName, 'TRẦN VĂN GIẢ');
  // The chip itself is a real chip: AA and CA pass, only the data was forged.
  assert.equal([authenticity.active.status, authenticity.chip.status], ['passed', 'passed']);
});

test('unknown CSCA: not genuine, SIGNER_NOT_TRUSTED', async () => {
  const { authenticity } = await readWithFault('unknown-csca');
  assert.is(authenticity.verdict, 'not-genuine');
  assert.equal(passiveCodes(authenticity), ['SIGNER_NOT_TRUSTED']);
});

test('expired document signer: not genuine, DS_EXPIRED', async () => {
  const { authenticity } = await readWithFault('expired-ds');
  assert.is(authenticity.verdict, 'not-genuine');
  assert.equal(passiveCodes(authenticity), ['DS_EXPIRED']);
});

test('wrong AA key (clone): not genuine with "clone suspected"; CA of the same chip still passes', async () => {
  const { authenticity } = await readWithFault('wrong-aa');
  assert.is(authenticity.verdict, 'not-genuine');
  assert.ok(authenticity.passive.ok);
  assert.equal([authenticity.active.status, authenticity.chip.status], ['failed', 'passed']);
  assert.match(authenticity.reasons.join('\n'), /clone suspected/);
});

test('CA answered from another key (clone): not genuine, and the read still completes after access control again', async () => {
  const { document, authenticity } = await readWithFault('wrong-ca');
  assert.is(authenticity.verdict, 'not-genuine');
  assert.equal([authenticity.active.status, authenticity.chip.status], ['passed', 'failed']);
  assert.match(authenticity.chip.reason!, /clone suspected/);
  assert.equal(document.unread, []);
  assert.ok(document.dg1 && document.dg2 && document.dg13 && document.dg15);
});

test('no DG15: AA not offered, CA alone proves the chip: genuine', async () => {
  const { document, authenticity } = await readWithFault('no-aa');
  assert.is(authenticity.verdict, 'genuine');
  assert.is(document.dg15, undefined);
  assert.equal([authenticity.active.status, authenticity.chip.status], ['not-checked', 'passed']);
});

test('neither AA nor CA: cannot tell, saying a clone cannot be ruled out', async () => {
  const { authenticity } = await readWithFault('no-aa-no-ca');
  assert.is(authenticity.verdict, 'cannot-tell');
  assert.ok(authenticity.passive.ok);
  assert.equal([authenticity.active.status, authenticity.chip.status], ['not-checked', 'not-checked']);
  assert.match(authenticity.reasons.join('\n'), /neither Active nor Chip Authentication/);
});

test('fault names: each listed with a description; unknown names refused', () => {
  assert.ok(Object.keys(CARD_FAULTS).length >= 7);
  assert.ok(isCardFault('wrong-ca'));
  assert.not.ok(isCardFault('toString'));
});

test('chipAuthentication: false skips CA (verdict then rests on AA)', async () => {
  const card = await makeCardWithFault(undefined, { seed: 78 });
  const document = await readDocument(new InProcessTransport(card.card), accessKeyFromIdNumber(card.persona.idNumber), { chipAuthentication: false });
  assert.is(document.chipAuthentication, undefined);
  assert.ok(document.activeAuthentication?.ok);
});

test.run();
