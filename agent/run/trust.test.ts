// The agent's trust store from site.json's pins and the data dir's trust/ folder: what the operator sees at start.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestMasterList } from '../../drivers/emrtd/authenticity/test-sod.ts';
import { isXacminhError } from '../../drivers/errors.ts';
import { generatePkiVariant } from '../../drivers/sim/test-pki-variants.ts';
import { parseConfig } from '../config/load.ts';
import { loadAgentTrust } from './trust.ts';

const authority = generatePkiVariant({ country: 'UN' });
const country = generatePkiVariant({ country: 'AA' });
const rootSha = createHash('sha256').update(authority.cscaCertificate).digest('hex');
const folder = await mkdtemp(join(tmpdir(), 'xacminh-agent-trust-'));
await writeFile(join(folder, 'un.ml'), buildTestMasterList({ certificates: [country.cscaCertificate, authority.cscaCertificate], signer: authority.ds, signerCertificate: authority.documentSignerCertificate }));

function recordingLog() {
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  return { warnings, log: { info() {}, error() {}, warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }) } };
}

test('site.json without a pin: the master list is not trusted and the start log says which file and what to pin', async () => {
  const { warnings, log } = recordingLog();
  const trust = await loadAgentTrust(folder, parseConfig({}).trust, [], log);
  assert.is(trust.size, 0);
  assert.is(warnings.length, 1);
  assert.equal(warnings[0]!.fields, { file: 'un.ml' });
  assert.match(warnings[0]!.message, `pin the master list signer's fingerprint (${createHash('sha256').update(authority.documentSignerCertificate).digest('hex')})`);
});

test('site.json pinning the list authority’s root (colons, upper case): the list’s CSCAs are trusted, nothing logged', async () => {
  const { warnings, log } = recordingLog();
  const pin = rootSha.toUpperCase().replace(/(..)(?!$)/g, '$1:');
  const trust = await loadAgentTrust(folder, parseConfig({ trust: { masterListSigners: [pin] } }).trust, [], log);
  assert.equal(warnings, []);
  assert.is(trust.findIssuers(country.documentSignerCertificate).length, 1);
});

test('a CRL signed by a demo anchor is applied at start: the anchors are in before the folder\'s CRLs', async () => {
  const demoFolder = await mkdtemp(join(tmpdir(), 'xacminh-agent-trust-demo-'));
  await writeFile(join(demoFolder, 'demo.crl'), country.crl(['0123456789']));
  const { warnings, log } = recordingLog();
  const trust = await loadAgentTrust(demoFolder, parseConfig({}).trust, [country.cscaCertificate], log);
  assert.equal(warnings, []);
  assert.equal(trust.problems, []);
  assert.is(trust.crls.length, 1);
});

test('trust in site.json: a wrong fingerprint or an unknown field is a config error naming it', () => {
  for (const trust of [{ masterListSigners: ['abc'] }, { masterListSigner: [rootSha] }]) {
    assert.throws(() => parseConfig({ trust }), (e: unknown) => isXacminhError(e, 'CONFIG_INVALID') && /trust.*masterListSigner/.test(e.message));
  }
});

test.run();
