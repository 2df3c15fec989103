// `xacminh read-card --trust DIR [--trust-pin SHA256]` as a user runs it: what the trust folder's problems look like.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildTestMasterList } from '../../drivers/emrtd/authenticity/test-sod.ts';
import { demoIdNumber } from '../../drivers/sim/make-card.ts';
import { generatePkiVariant } from '../../drivers/sim/test-pki-variants.ts';

const bin = resolve(import.meta.dirname, '../bin/xacminh.js');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [bin, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

// A master list made by whoever holds a key: its signer chains only to a CSCA of the list itself.
const maker = generatePkiVariant({ country: 'UN' });
const listed = generatePkiVariant({ country: 'AA' });
const signerSha = createHash('sha256').update(maker.documentSignerCertificate).digest('hex');
const folder = await mkdtemp(join(tmpdir(), 'xacminh-cli-trust-'));
await writeFile(join(folder, 'made.ml'), buildTestMasterList({ certificates: [listed.cscaCertificate, maker.cscaCertificate], signer: maker.ds, signerCertificate: maker.documentSignerCertificate }));
await writeFile(join(folder, 'other.crl'), generatePkiVariant({ country: 'QQ' }).crl([]));
const readCard = async (...extra: string[]) => run(['read-card', '--sim', '--id', demoIdNumber(), '--out', await mkdtemp(join(tmpdir(), 'xacminh-cli-')), '--trust', folder, ...extra]);

test('an unpinned master list and a CRL no trusted CSCA signed: printed with what to do, none of the list trusted', async () => {
  const r = await readCard();
  assert.is(r.code, 0, r.stderr); // the simulator's own CSCA still proves its card genuine
  assert.match(r.stderr, `Trust store file made.ml`);
  assert.match(r.stderr, `pin the master list signer's fingerprint (${signerSha})`);
  assert.match(r.stderr, /Trust store file other\.crl: .*not signed by any CSCA in the trust store/);
  assert.match(r.stdout, /Xác thực thụ động \(PA\): đạt — 1 CSCA tin cậy/);
});

test('--trust-pin with the signer’s fingerprint: the list is imported, its CSCAs trusted', async () => {
  const r = await readCard('--trust-pin', signerSha.toUpperCase());
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stderr, /made\.ml/);
  assert.match(r.stdout, /Xác thực thụ động \(PA\): đạt — 3 CSCA tin cậy/);
});

test('--trust-pin that is not a SHA-256: bad input, exit 2', async () => {
  const r = await readCard('--trust-pin', 'abcd');
  assert.is(r.code, 2);
  assert.match(r.stderr, /not a SHA-256 fingerprint/);
});

test.run();
