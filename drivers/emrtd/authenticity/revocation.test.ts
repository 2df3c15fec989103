// CRLs dropped in the trust folder, applied to a card read from the virtual CCCD: revoked, stale, forged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isXacminhError } from '../../errors.ts';
import { InProcessTransport } from '../../sim/in-process-transport.ts';
import { makeVirtualCccd } from '../../sim/make-card.ts';
import { generatePkiVariant } from '../../sim/test-pki-variants.ts';
import { accessKeyFromIdNumber } from '../access-key.ts';
import { readDocument } from '../read-document.ts';
import { TrustStore, type TrustStoreOptions } from './trust-store.ts';
import { checkAuthenticity, type Authenticity } from './verdict.ts';

const DAY = 24 * 3600 * 1000;
const pki = generatePkiVariant({ country: 'VN' });
const sim = await makeVirtualCccd({ pki, seed: 31 });
const document = await readDocument(new InProcessTransport(sim.card), accessKeyFromIdNumber(sim.persona.idNumber));
const revokingDs = () => pki.crl([pki.documentSignerSerial]);
const revokingOthers = () => pki.crl(['0123456789']);
const stale = (serials: string[]) => pki.crl(serials, { thisUpdate: new Date(Date.now() - 60 * DAY), nextUpdate: new Date(Date.now() - 30 * DAY) });

/** A trust folder with the card's CSCA as z-csca.der (after the CRLs alphabetically: CSCAs must load first) and `files`. */
async function trustWith(files: Record<string, Uint8Array | string>, options: TrustStoreOptions = {}): Promise<TrustStore> {
  const folder = await mkdtemp(join(tmpdir(), 'xacminh-crl-'));
  await writeFile(join(folder, 'z-csca.der'), pki.cscaCertificate);
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(folder, name), bytes);
  return TrustStore.fromFolder(folder, options);
}

const codes = (a: Authenticity) => a.passive.reasons.map((r) => r.code);
const pem = (der: Uint8Array) => `-----BEGIN X509 CRL-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END X509 CRL-----\n`;

test('no CRL for the CSCA (most sites): genuine, nothing said about revocation', async () => {
  const authenticity = checkAuthenticity(document, await trustWith({}));
  assert.is(authenticity.verdict, 'genuine');
  assert.equal(authenticity.reasons, []);
});

test('a CSCA-signed CRL listing the DS, DER or PEM: not genuine, DS_REVOKED', async () => {
  for (const crl of [revokingDs(), pem(revokingDs())]) {
    const trust = await trustWith({ 'vn.crl': crl });
    assert.equal(trust.problems, []);
    assert.is(trust.crls.length, 1);
    const authenticity = checkAuthenticity(document, trust);
    assert.is(authenticity.verdict, 'not-genuine');
    assert.equal(codes(authenticity), ['DS_REVOKED']);
    assert.match(authenticity.reasons[0]!, `serial ${pki.documentSignerSerial}) is revoked`);
  }
});

test('a current CRL not listing the DS: genuine; a CRL signed with the CSCA’s renewed key still revokes (matched by name)', async () => {
  assert.is(checkAuthenticity(document, await trustWith({ 'vn.crl': pem(revokingOthers()) })).verdict, 'genuine');
  const renewed = generatePkiVariant({ country: 'VN' }); // same CSCA name, new key
  const trust = await trustWith({ 'vn-new.der': renewed.cscaCertificate, 'vn-new.crl': renewed.crl([pki.documentSignerSerial]) });
  assert.equal(trust.problems, []);
  assert.equal(codes(checkAuthenticity(document, trust)), ['DS_REVOKED']);
});

test('a stale CRL (past nextUpdate): reported by the trust store; the verdict stays genuine with CRL_STALE; a DS it lists stays revoked', async () => {
  const trust = await trustWith({ 'old.crl': stale(['0123456789']) });
  assert.equal(trust.problems.map((p) => p.file), ['old.crl']);
  assert.ok(isXacminhError(trust.problems[0]!.error, 'CONFIG_INVALID'));
  assert.match(trust.problems[0]!.message, /expired on .*not current.*current CRL/);
  const authenticity = checkAuthenticity(document, trust);
  assert.is(authenticity.verdict, 'genuine');
  assert.ok(authenticity.passive.ok);
  assert.equal(codes(authenticity), ['CRL_STALE']);
  assert.match(authenticity.reasons.join('\n'), /Revocation status is not current/);
  assert.equal(codes(checkAuthenticity(document, await trustWith({ 'old.crl': stale([pki.documentSignerSerial]) }))), ['DS_REVOKED']);
  // A current CRL next to the stale one: status is current, nothing to say.
  const both = await trustWith({ 'old.crl': stale(['0123456789']), 'new.crl': revokingOthers() });
  assert.equal(checkAuthenticity(document, both).reasons, []);
  // The same stale CRL checked "as of" a date before its nextUpdate is current.
  const asOf = new Date(Date.now() - 45 * DAY);
  assert.equal(checkAuthenticity(document, await trustWith({ 'old.crl': stale(['0123456789']) }, { now: asOf }), { now: asOf }).reasons, []);
});

test('a CRL current at load that goes stale while the agent runs: crlProblems/problemsAt say so as of then, and passive authentication then says CRL_STALE', async () => {
  const nextUpdate = new Date(Date.now() + 10 * DAY);
  const loadedAt = new Date(Date.now() - DAY);
  const later = new Date(nextUpdate.getTime() + DAY);
  const trust = await trustWith({ 'vn.crl': pki.crl(['0123456789'], { thisUpdate: new Date(Date.now() - 2 * DAY), nextUpdate }) }, { now: loadedAt });
  assert.equal(trust.problems, [], 'current at load');
  assert.equal(trust.problemsAt(loadedAt), []);
  const stale = trust.problemsAt(later);
  assert.equal(stale.map((p) => p.file), ['vn.crl']);
  assert.ok(isXacminhError(stale[0]!.error, 'CONFIG_INVALID'));
  assert.match(stale[0]!.message, `expired on ${nextUpdate.toISOString().slice(0, 19)}`);
  assert.equal(trust.crlProblems(later).map((p) => p.file), ['vn.crl']);
  // Passive authentication takes its own time, not the load's.
  assert.equal(codes(checkAuthenticity(document, trust, { now: later })), ['CRL_STALE']);
  assert.equal(codes(checkAuthenticity(document, trust, { now: loadedAt })), []);
});

test('stale at load, current as of an earlier time: problemsAt does not repeat the load-time staleness', async () => {
  const trust = await trustWith({ 'old.crl': stale(['0123456789']) });
  assert.equal(trust.problems.map((p) => p.file), ['old.crl']);
  assert.equal(trust.problemsAt(new Date()).map((p) => p.file), ['old.crl'], 'said once');
  assert.equal(trust.problemsAt(new Date(Date.now() - 45 * DAY)), []);
});

test('a CRL with a bad signature, or from a CSCA not trusted: not applied, reported by file name', async () => {
  const other = generatePkiVariant({ country: 'QQ' });
  const forged = pki.crl([pki.documentSignerSerial], { signedBy: other.cscaKey }); // the CSCA's name, another key
  const trust = await trustWith({ 'forged.crl': forged, 'qq.crl': other.crl([]), 'junk.crl': 'not a CRL' });
  assert.equal(trust.problems.map((p) => p.file), ['forged.crl', 'junk.crl', 'qq.crl']);
  assert.equal(trust.problems.map((p) => p.error.code), ['CONFIG_INVALID', 'MALFORMED_DATA', 'CONFIG_INVALID']);
  assert.match(trust.problems[0]!.message, /not signed by any CSCA in the trust store, so it is not applied/);
  assert.is(trust.crls.length, 0);
  // The forged CRL lists this card's DS: had it been applied, the card would be "revoked".
  assert.is(checkAuthenticity(document, trust).verdict, 'genuine');
});

test.run();
