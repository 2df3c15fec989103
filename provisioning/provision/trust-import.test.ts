// Trust store import: an unpinned master list refused, a pinned one taken; CRLs checked, an outdated one reported.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generatePkiVariant } from '../../drivers/sim/test-pki-variants.ts';
import { importTrust, trustSummary } from './trust-import.ts';

const shared = resolve('../shared/data/trust');
const masterList = join(shared, 'icao-masterlist-2025-08-19.ml');
const vnCsca = join(shared, 'csca-vn-2022.der');
if (!existsSync(masterList)) throw new Error(`Shared test data missing: ${masterList} (see ../shared/data/README.md)`);

const DAY = 24 * 3600 * 1000;
const now = new Date();
const inputs = mkdtempSync(join(tmpdir(), 'xacminh-trust-in-'));
const pki = generatePkiVariant({ country: 'VN' });
const other = generatePkiVariant({ country: 'LA' });
const file = (name: string, bytes: Uint8Array) => {
  const path = join(inputs, name);
  writeFileSync(path, bytes);
  return path;
};
const csca = file('test-csca.der', pki.cscaCertificate);
const currentCrl = file('test-current.crl', pki.crl([]));
const outdatedCrl = file('test-outdated.crl', pki.crl([], { thisUpdate: new Date(now.getTime() - 60 * DAY), nextUpdate: new Date(now.getTime() - 30 * DAY) }));
const foreignCrl = file('foreign.crl', other.crl([]));
const junk = file('notes.txt', new TextEncoder().encode('not a certificate'));

test('a master list whose signer is not pinned is refused, nothing of it copied, the fingerprint to pin given', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'xacminh-trust-'));
  const { files, summary } = await importTrust(dataDir, { files: [masterList, vnCsca], pins: [], now });
  assert.is(files[0]!.kind, 'master-list');
  assert.is(files[0]!.status, 'refused');
  assert.match(files[0]!.message!, 'is not pinned');
  assert.match(files[0]!.signerSha256 ?? '', /^[0-9a-f]{64}$/);
  assert.equal([files[1]!.kind, files[1]!.status], ['certificate', 'imported']);
  assert.equal(readdirSync(join(dataDir, 'trust')), ['csca-vn-2022.der']);
  assert.is(summary.cscas, 1);
  assert.is(summary.masterLists, 0);
});

test('the same list with its signer pinned is imported, and a second import is unchanged', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'xacminh-trust-'));
  const refused = await importTrust(dataDir, { files: [masterList], pins: [], now });
  const pin = refused.files[0]!.signerSha256!;
  const { files, summary } = await importTrust(dataDir, { files: [masterList], pins: [pin], now });
  assert.equal([files[0]!.status, files[0]!.certificates! > 100], ['imported', true]);
  assert.is(summary.masterLists, 1);
  assert.ok(summary.cscas > 100, String(summary.cscas));
  assert.ok(summary.expiredCscas > 0, 'the 2025 list carries expired CSCAs');
  assert.ok(new Date(summary.earliestExpiry!.notAfter) >= now, 'the earliest expiry is of a CSCA still valid');
  const again = await importTrust(dataDir, { files: [masterList], pins: [pin], now });
  assert.is(again.files[0]!.status, 'unchanged');
  // Without the pin the agent would not load it: the summary says so.
  assert.match((await trustSummary(dataDir, [], now)).problems.join('\n'), 'is not pinned');
});

test('CRLs: one signed by a trusted CSCA imported; an outdated one imported and reported; a foreign one and junk refused', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'xacminh-trust-'));
  // CRLs listed first: the CSCA they rest on is still taken in before them.
  const { files, summary } = await importTrust(dataDir, { files: [currentCrl, outdatedCrl, foreignCrl, junk, csca, join(inputs, 'absent.der')], pins: [], now });
  const byName = Object.fromEntries(files.map((f) => [f.source.split('/').pop(), f]));
  assert.equal([byName['test-current.crl']!.status, byName['test-current.crl']!.outdated], ['imported', undefined]);
  assert.equal([byName['test-outdated.crl']!.status, byName['test-outdated.crl']!.outdated], ['imported', true]);
  assert.match(byName['test-outdated.crl']!.message!, 'outdated since');
  assert.is(byName['foreign.crl']!.status, 'refused');
  assert.match(byName['foreign.crl']!.message!, 'not signed by any CSCA in the trust store');
  assert.equal([byName['notes.txt']!.kind, byName['notes.txt']!.status], ['unknown', 'refused']);
  assert.equal([byName['absent.der']!.status, byName['absent.der']!.message], ['refused', 'cannot be read (ENOENT)']);
  assert.equal(readdirSync(join(dataDir, 'trust')).sort(), ['test-csca.der', 'test-current.crl', 'test-outdated.crl']);
  assert.equal({ cscas: summary.cscas, crls: summary.crls, outdated: summary.outdatedCrls }, { cscas: 1, crls: 2, outdated: 1 });
  assert.match(summary.problems.join('\n'), 'expired on');
});

test.run();
