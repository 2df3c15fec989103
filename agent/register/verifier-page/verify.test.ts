import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { keyIdOf } from '../../datadir.ts';
import { readExportFile } from '../export.ts';
import { loadTrustedKeys } from '../export-keys.ts';
import { KeyInputError, parseCaCertificates, parseDeviceKeys, requireIssuedBy } from './keys.ts';
import { readLines } from './lines.ts';
import { ExportFileError, verifyExportFile, type PageReport } from './verify.ts';
import {
  changeOneByte,
  changeSealedBlob,
  deviceCertificate,
  dropFirstEntry,
  exportText,
  FAKE_PEOPLE,
  fillRegister,
  newDeviceKeys,
  publicPem,
  purgeOlderThan30Days,
  resign,
  swapSealedKey,
  type DeviceKeys,
} from './verifier-page-test-support.ts';

const test = suite('verifier page: the checks (Node side, against export-verify)');
let dir = '';
let device: DeviceKeys;
let good = '';
let purged = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-verifier-page-'));
  device = newDeviceKeys();
  fillRegister(join(dir, 'register.db'), device);
  good = exportText(join(dir, 'register.db'), device, join(dir, 'good.jsonl'));
  fillRegister(join(dir, 'purged.db'), device, { oldEntries: 3 });
  assert.is(purgeOlderThan30Days(join(dir, 'purged.db'), device), 2, 'the sealed entries 2 and 3 (entry 1 is format 1, kept in clear)');
  purged = exportText(join(dir, 'purged.db'), device, join(dir, 'purged.jsonl'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function rejects(run: () => Promise<unknown>, check: (error: unknown) => boolean): Promise<void> {
  let error: unknown;
  try {
    await run();
  } catch (caught) {
    error = caught;
  }
  assert.ok(error !== undefined, 'should have failed');
  assert.ok(check(error), String(error));
}

const problemKeys = (problems: readonly { seq: number; kind: string }[]) => problems.map((p) => `${p.seq}:${p.kind}`);

/** The page's report and export-verify's on the same file, with the same key. */
async function both(name: string, text: string, pem = publicPem(device.publicKey)): Promise<{ page: PageReport; node: { ok: boolean; problems: string[] } }> {
  const path = join(dir, name);
  writeFileSync(path, text);
  const keys = await parseDeviceKeys(pem, 'test key');
  const page = await verifyExportFile(new Blob([text]), keys);
  const { report } = await readExportFile(path, { trustedPublicKeys: [(await import('node:crypto')).createPublicKey(pem)] });
  return { page, node: { ok: report.ok, problems: problemKeys(report.problems) } };
}

test('a good export: intact, every entry listed with its decrypted name, ID number and frame', async () => {
  const seen: { seq: number; fullName: string | null; idNumber: string | null; frame: Uint8Array | null }[] = [];
  const keys = await parseDeviceKeys(publicPem(device.publicKey), 'k');
  const report = await verifyExportFile(new Blob([good]), keys, { onEntry: (e) => seen.push(e) });
  assert.is(report.verdict, 'intact', JSON.stringify(report.problems));
  assert.is(report.entries, FAKE_PEOPLE.length);
  assert.is(report.signedThrough, report.toSeq);
  assert.equal(
    seen.map((e) => [e.fullName, e.idNumber]),
    FAKE_PEOPLE.map((p) => [p.fullName, p.idNumber]),
  );
  assert.ok(seen.every((e) => e.frame && e.frame[0] === 0xff && e.frame[1] === 0xd8), 'every frame is a JPEG');
});

test('same verdicts and problem kinds as export-verify, good and tampered', async () => {
  const other = newDeviceKeys();
  const cases: [string, string, string?][] = [
    ['good', good],
    ['purged', purged],
    ['one byte in a format-1 entry', changeOneByte(good, 1)],
    ['one byte in a format-2 entry', changeOneByte(good, 4)],
    ['sealed blob changed', changeSealedBlob(good, 2)],
    ['sealed key of another entry', swapSealedKey(good, 5, 4)],
    ['dropped first entry, patched header', dropFirstEntry(good)],
    ['truncated', good.split('\n').slice(0, -3).join('\n')],
    ['export signature removed', good.trimEnd().split('\n').slice(0, -1).join('\n')],
    ['re-signed, the device key given', resign(good, other)],
    ['re-signed, the forger key given', resign(good, other), publicPem(other.publicKey)],
    ['the wrong key given', good, publicPem(other.publicKey)],
  ];
  for (const [name, text, pem] of cases) {
    const { page, node } = await both(`${name.replace(/\W+/g, '-')}.jsonl`, text, pem);
    assert.equal(problemKeys(page.problems), node.problems, name);
    assert.is(page.ok, node.ok, name);
    assert.is(page.verdict, node.ok ? 'intact' : 'broken', name);
  }
});

test('each tampering is located where it happened; a purged entry still verifies, marked purged', async () => {
  const keys = await parseDeviceKeys(publicPem(device.publicKey), 'k');
  const first = async (text: string) => {
    const report = await verifyExportFile(new Blob([text]), keys);
    return `${report.verdict} ${report.problems[0]?.seq}:${report.problems[0]?.kind}`;
  };
  assert.is(await first(changeOneByte(good, 4)), 'broken 4:hash-mismatch');
  assert.is(await first(changeOneByte(good, 1)), 'broken 1:hash-mismatch');
  assert.is(await first(changeSealedBlob(good, 2)), 'broken 2:sealed-mismatch');
  assert.is(await first(swapSealedKey(good, 5, 4)), 'broken 5:decrypt-failed');
  assert.is(await first(dropFirstEntry(good)), 'broken 0:header-mismatch');
  assert.is(await first(resign(good, newDeviceKeys())), 'broken 0:key-mismatch');
  const views: { seq: number; kind: string; personal: string; fullName: string | null; frame: Uint8Array | null; note: string | null }[] = [];
  const report = await verifyExportFile(new Blob([purged]), keys, { onEntry: (e) => views.push(e) });
  assert.is(report.verdict, 'intact', JSON.stringify(report.problems));
  assert.equal(
    views.slice(0, FAKE_PEOPLE.length).map((v) => [v.seq, v.kind, v.personal, v.fullName, v.frame !== null]),
    FAKE_PEOPLE.map((p, i) => [i + 1, 'verification', ...(i === 1 || i === 2 ? ['purged', null, false] : ['present', p.fullName, true])]),
  );
  const purge = views.at(-1)!;
  assert.equal([purge.seq, purge.kind, purge.personal], [FAKE_PEOPLE.length + 1, 'purge', 'none']);
  assert.match(purge.note ?? '', /2 mục, lưu 30 ngày/);
});

test('without a key it cannot tell, and reads no further than the header', async () => {
  const report = await verifyExportFile(new Blob([good]), []);
  assert.is(report.verdict, 'cannot-tell');
  assert.not.ok(report.ok);
  assert.is(report.entries, 0);
  assert.is(report.key.keyId, keyIdOf(device.publicKey), 'says which key to look for');
});

test('keys: a certificate gives the key id of its key, several PEM blocks give several keys; a private key or junk is refused', async () => {
  const certificate = (await deviceCertificate(device)).certificate;
  const other = newDeviceKeys();
  const keys = await parseDeviceKeys(`${certificate}\n${publicPem(other.publicKey)}`, 'k');
  assert.equal(
    keys.map((k) => [k.keyId, k.from]),
    [
      [keyIdOf(device.publicKey), 'certificate'],
      [keyIdOf(other.publicKey), 'public-key'],
    ],
  );
  const report = await verifyExportFile(new Blob([good]), keys);
  assert.is(report.verdict, 'intact', 'a certificate for the device key verifies the export');
  const secret = device.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await rejects(() => parseDeviceKeys(secret, 'k'), (e: unknown) => e instanceof KeyInputError && /BÍ MẬT/.test((e as Error).message));
  await rejects(() => parseDeviceKeys('not a key', 'k'), (e: unknown) => e instanceof KeyInputError && /không thấy/.test((e as Error).message));
  const broken = certificate.replace(/\n([A-Za-z0-9+/]{10})/, '\nAAAAAAAAAA');
  await rejects(() => parseDeviceKeys(broken, 'k'), (e: unknown) => e instanceof KeyInputError);
});

test('with the site CA: a certificate it issued (EC or RSA CA) is used, one from another CA or a bare key refused, as verify-export --ca', async () => {
  const ec = await deviceCertificate(device);
  const rsa = await deviceCertificate(device, { rsa: true });
  const elsewhere = await deviceCertificate(device);
  const nodeAccepts = (certificate: string, ca: string) => {
    writeFileSync(join(dir, 'c.pem'), certificate);
    writeFileSync(join(dir, 'ca.pem'), ca);
    try {
      loadTrustedKeys([join(dir, 'c.pem')], join(dir, 'ca.pem'));
      return true;
    } catch {
      return false;
    }
  };
  const pageAccepts = async (certificate: string, ca: string) => {
    try {
      const keys = await requireIssuedBy(await parseDeviceKeys(certificate, 'k'), parseCaCertificates(ca, 'ca'));
      return keys.every((k) => k.issuedByCa === true);
    } catch (error) {
      if (error instanceof KeyInputError) return false;
      throw error;
    }
  };
  const cases: [string, string, string, boolean][] = [
    ['EC CA', ec.certificate, ec.ca, true],
    ['RSA CA', rsa.certificate, rsa.ca, true],
    ['both CAs in one file', rsa.certificate, `${ec.ca}${rsa.ca}`, true],
    ['another CA', elsewhere.certificate, ec.ca, false],
    ['a bare key', publicPem(device.publicKey), ec.ca, false],
  ];
  for (const [name, certificate, ca, accepted] of cases) {
    assert.is(await pageAccepts(certificate, ca), accepted, name);
    assert.is(nodeAccepts(certificate, ca), accepted, `${name} (Node)`);
  }
  await rejects(
    async () => requireIssuedBy(await parseDeviceKeys(elsewhere.certificate, 'k'), parseCaCertificates(ec.ca, 'ca')),
    (e: unknown) => e instanceof KeyInputError && /không do CA đã cung cấp cấp/.test((e as Error).message),
  );
  const keys = await requireIssuedBy(await parseDeviceKeys(rsa.certificate, 'k'), parseCaCertificates(rsa.ca, 'ca'));
  assert.is((await verifyExportFile(new Blob([good]), keys)).verdict, 'intact');
});

test('a file that is not an export is an ExportFileError with the line, as export-verify refuses it', async () => {
  const keys = await parseDeviceKeys(publicPem(device.publicKey), 'k');
  await rejects(() => verifyExportFile(new Blob(['{"type":"entry"}\n']), keys), (e: unknown) => e instanceof ExportFileError && e.line === 1);
  const lines = good.split('\n');
  lines[2] = lines[2]!.slice(0, 20);
  await rejects(() => verifyExportFile(new Blob([lines.join('\n')]), keys), (e: unknown) => e instanceof ExportFileError && e.line === 3);
});

test('lines: a line split over many chunks, a character split between chunks, CRLF ends and no final newline', async () => {
  const text = `{"a":"${'x'.repeat(5000)}"}\r\nđồng ý\nlast`;
  const bytes = new TextEncoder().encode(text);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
      controller.close();
    },
  });
  const lines: string[] = [];
  for await (const line of readLines({ stream: () => stream } as unknown as Blob)) lines.push(line);
  assert.equal(lines, [`{"a":"${'x'.repeat(5000)}"}`, 'đồng ý', 'last']);
});

test.run();
