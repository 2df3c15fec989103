// The verdict for a chip whose EF.SOD is absent or refused: not genuine, and the reason says which.
import { X509Certificate } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InProcessTransport } from '../../sim/in-process-transport.ts';
import { makeVirtualCccd, type SimulatedCccd } from '../../sim/make-card.ts';
import { generateTestPki } from '../../sim/test-pki.ts';
import { VirtualCccd, type VirtualCardBehaviour } from '../../sim/virtual-cccd.ts';
import { accessKeyFromIdNumber } from '../access-key.ts';
import { readDocument } from '../read-document.ts';
import { TrustStore } from './trust-store.ts';
import { checkAuthenticity, type Authenticity } from './verdict.ts';

const pki = await generateTestPki();

async function card(behaviour?: VirtualCardBehaviour): Promise<SimulatedCccd> {
  return makeVirtualCccd({ seed: 41, pki, ...(behaviour ? { behaviour } : {}) });
}

async function verdictOf(sim: SimulatedCccd, chip: VirtualCccd = sim.card): Promise<Authenticity> {
  const document = await readDocument(new InProcessTransport(chip), accessKeyFromIdNumber(sim.persona.idNumber));
  const trust = new TrustStore();
  trust.add(new X509Certificate(sim.publishedCsca), 'test CSCA');
  return checkAuthenticity(document, trust);
}

/** AA and CA pass on both cards below: the verdict rests on the missing SOD alone. */
function assertOnlySodBlamed(a: Authenticity, code: string, text: RegExp): void {
  assert.is(a.verdict, 'not-genuine');
  assert.equal(a.passive.reasons.map((r) => r.code), [code]);
  assert.equal([a.active.status, a.chip.status], ['passed', 'passed']);
  assert.is(a.reasons.length, 1);
  assert.match(a.reasons[0]!, text);
}

test('a chip without EF.SOD: not genuine, SOD_MISSING "has no EF.SOD: its data cannot be proven genuine"', async () => {
  const sim = await card();
  const files = new Map(sim.built.files);
  files.delete('EF.SOD');
  const chip = new VirtualCccd({
    files,
    can: sim.persona.idNumber.slice(6),
    mrz: { documentNumber: sim.persona.idNumber.slice(3), dateOfBirth: '000101', dateOfExpiry: '000101' },
    activeAuthenticationKey: sim.built.keys.activeAuthentication.privateKey,
    chipAuthentication: { key: sim.built.keys.chipAuthentication.privateKey },
  });
  assertOnlySodBlamed(await verdictOf(sim, chip), 'SOD_MISSING', /^The chip has no EF\.SOD: its data cannot be proven genuine$/);
});

test('a chip that refuses EF.SOD (6982): not genuine, SOD_UNREADABLE naming the refusal', async () => {
  const sim = await card({ refusedFiles: ['DG3', 'EF.SOD'] });
  assertOnlySodBlamed(await verdictOf(sim), 'SOD_UNREADABLE', /refused to give its EF\.SOD .*6982.*cannot be proven genuine/);
});

test.run();
