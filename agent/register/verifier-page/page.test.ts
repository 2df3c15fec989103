import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { verifierPageCommand } from '../../cli/verifier-page.ts';
import { launchChromium } from '../../ui/test-helpers.ts';
import { verifierPage, verifierPageHtml } from './html.ts';
import {
  changeOneByte,
  deviceCertificate,
  dropFirstEntry,
  exportText,
  FAKE_PEOPLE,
  fillRegister,
  newDeviceKeys,
  publicPem,
  purgeOlderThan30Days,
  resign,
  type DeviceKeys,
} from './verifier-page-test-support.ts';

type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Awaited<ReturnType<Browser['newContext']>>['newPage']>>;

/** Never resolved by DNS: every request is answered by the route below or aborted and recorded. */
const PAGE_URL = 'https://verifier.invalid/verify.html';

const test = suite('verifier page in headless Chromium');
let dir = '';
let device: DeviceKeys;
let good = '';
let purged = '';
let firstSeq = 0;
let browser: Browser;
let page: Page;
/** The page as the CLI writes it, opened from disk; the only other request allowed. */
let fileUrl = '';
const requests: string[] = [];
const blocked: string[] = [];
const consoleErrors: string[] = [];

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-verifier-page-ui-'));
  device = newDeviceKeys();
  fillRegister(join(dir, 'register.db'), device);
  good = exportText(join(dir, 'register.db'), device, join(dir, 'good.jsonl'));
  firstSeq = (JSON.parse(good.split('\n')[1]!) as { seq: number }).seq;
  fillRegister(join(dir, 'purged.db'), device, { oldEntries: 3 });
  purgeOlderThan30Days(join(dir, 'purged.db'), device);
  purged = exportText(join(dir, 'purged.db'), device, join(dir, 'purged.jsonl'));
  const html = await verifierPageHtml();
  browser = await launchChromium();
  const context = await browser.newContext();
  await context.route('**/*', async (route) => {
    if (route.request().url() === PAGE_URL) return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
    if (route.request().url() === fileUrl) return route.continue();
    blocked.push(route.request().url());
    return route.abort();
  });
  page = await context.newPage();
  page.on('request', (request) => void requests.push(request.url()));
  page.on('console', (message) => void (message.type() === 'error' && consoleErrors.push(message.text())));
  page.on('pageerror', (error) => void consoleErrors.push(error.message));
});
test.after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  verdict: string;
  firstSeq: string;
  firstKind: string;
  text: string;
  rows: { seq: number; purged: boolean; bad: boolean; name: string; idNumber: string; kind: string }[];
}

/** What an inspector does: open the page, choose the export, paste and/or choose the keys, press Kiểm tra. */
async function check(exportBody: string, keys: { paste?: string; files?: { name: string; text: string }[]; ca?: string }, url = PAGE_URL): Promise<Outcome> {
  await page.goto(url);
  await page.waitForSelector('#verify[data-ready="true"]');
  await page.setInputFiles('#export-file', { name: 'ban-xuat.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(exportBody) });
  if (keys.paste) await page.fill('#key-text', keys.paste);
  if (keys.files) await page.setInputFiles('#key-files', keys.files.map((f) => ({ name: f.name, mimeType: 'application/x-pem-file', buffer: Buffer.from(f.text) })));
  if (keys.ca) await page.setInputFiles('#ca-files', { name: 'ca-diem.pem', mimeType: 'application/x-pem-file', buffer: Buffer.from(keys.ca) });
  await page.click('#verify');
  await page.waitForSelector('#result:not([hidden])');
  await page.waitForFunction(() => (globalThis as unknown as { document: { getElementById(id: string): { disabled: boolean } } }).document.getElementById('verify').disabled === false);
  const verdict = page.locator('#verdict');
  return {
    verdict: (await verdict.getAttribute('data-verdict')) ?? '',
    firstSeq: (await verdict.getAttribute('data-first-seq')) ?? '',
    firstKind: (await verdict.getAttribute('data-first-kind')) ?? '',
    text: await verdict.innerText(),
    rows: await page.$$eval('#entry-rows tr', (trs) =>
      trs.map((tr) => ({
        seq: Number(tr.getAttribute('data-seq')),
        kind: tr.getAttribute('data-kind') ?? '',
        purged: tr.getAttribute('data-purged') === 'true',
        bad: tr.classList.contains('bad'),
        name: tr.querySelector('.name')?.textContent ?? '',
        idNumber: tr.querySelector('.id-number')?.textContent ?? '',
      })),
    ),
  };
}

const devicePem = () => publicPem(device.publicKey);

test('the page is one self-contained file with a strict CSP', async () => {
  const html = await verifierPageHtml();
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+'; img-src blob:;/);
  assert.not.match(html, /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org)/i, 'no external script, stylesheet or URL');
  assert.is(await verifierPageHtml(), html, 'built once, then cached');
  assert.ok(html.includes(`content="${(await verifierPage()).csp}"`), 'the CSP a server may send as a header is the meta one');
});

test('a good export with frames (format-1 and sealed format-2 entries): intact, every entry listed with its name and ID number, frames shown', async () => {
  const outcome = await check(good, { paste: devicePem() });
  assert.is(outcome.verdict, 'intact', outcome.text);
  assert.match(outcome.text, /TOÀN VẸN/);
  assert.equal(
    outcome.rows.map((r) => [r.name, r.idNumber]),
    FAKE_PEOPLE.map((p) => [p.fullName, p.idNumber]),
  );
  assert.ok(outcome.rows.every((r) => !r.bad && !r.purged && r.kind === 'verification'));
  // The first entry is format 1 (frame in clear), the next sealed (frame decrypted in the page).
  for (const seq of [firstSeq, firstSeq + 1]) {
    await page.click(`.frame-button[data-seq="${seq}"]`);
    await page.waitForSelector(`#frame-view[data-seq="${seq}"]:not([hidden])`);
    const width = await page.$eval('#frame-img', async (img) => {
      const image = img as unknown as { decode(): Promise<void>; naturalWidth: number };
      await image.decode();
      return image.naturalWidth;
    });
    assert.ok(width > 0, `the frame of entry ${seq} is a picture the browser can show`);
  }
  // Finding one person among the entries: name words without diacritics, or the ID number.
  const listed = () => page.$$eval('#entry-rows tr', (trs) => trs.map((tr) => Number(tr.getAttribute('data-seq'))));
  await page.fill('#filter', 'do mau bon');
  assert.equal(await listed(), [firstSeq + 3]);
  await page.fill('#filter', FAKE_PEOPLE[5].idNumber);
  assert.equal(await listed(), [firstSeq + 5]);
  await page.fill('#filter', '');
  assert.is((await listed()).length, FAKE_PEOPLE.length);
});

test('entries whose personal data was purged by retention: still intact, the rows marked purged, no name, no frame; the purge entry listed', async () => {
  const outcome = await check(purged, { paste: devicePem() });
  assert.is(outcome.verdict, 'intact', outcome.text);
  assert.equal(outcome.rows.filter((r) => r.purged).map((r) => r.seq), [firstSeq + 1, firstSeq + 2]);
  for (const row of outcome.rows.filter((r) => r.purged)) {
    assert.match(row.name, /đã xóa theo hạn lưu trữ/);
    assert.is(row.idNumber, '—');
    assert.is(await page.locator(`.frame-button[data-seq="${row.seq}"]`).count(), 0);
  }
  const purge = outcome.rows.at(-1)!;
  assert.equal([purge.kind, purge.purged], ['purge', false]);
  assert.match(purge.name, /xóa dữ liệu cá nhân trước/);
});

test('an export re-signed with another key: not signed by the device key given', async () => {
  const outcome = await check(resign(good, newDeviceKeys()), { paste: devicePem() });
  assert.equal([outcome.verdict, outcome.firstSeq, outcome.firstKind], ['broken', '0', 'key-mismatch'], outcome.text);
});

test('the certificate chosen as a file verifies as the key does; with the site CA it must be one the CA issued', async () => {
  const issued = await deviceCertificate(device);
  const outcome = await check(good, { files: [{ name: 'thiet-bi.crt', text: issued.certificate }] });
  assert.is(outcome.verdict, 'intact', outcome.text);
  const withCa = await check(good, { files: [{ name: 'thiet-bi.crt', text: issued.certificate }], ca: issued.ca });
  assert.is(withCa.verdict, 'intact', withCa.text);
  assert.match(await page.innerText('#summary'), /do CA cấp \/ issued by the CA\s+có/);
  const elsewhere = await deviceCertificate(device);
  const refused = await check(good, { files: [{ name: 'thiet-bi.crt', text: elsewhere.certificate }], ca: issued.ca });
  assert.is(refused.verdict, 'error');
  assert.match(refused.text, /không do CA đã cung cấp cấp/);
  assert.equal(refused.rows, []);
});

test('one changed byte in an entry: broken at that entry, the row marked', async () => {
  const outcome = await check(changeOneByte(good, firstSeq + 2), { paste: devicePem() });
  assert.equal([outcome.verdict, outcome.firstSeq, outcome.firstKind], ['broken', String(firstSeq + 2), 'hash-mismatch'], outcome.text);
  assert.match(outcome.text, new RegExp(`KHÔNG TOÀN VẸN — hỏng tại mục số ${firstSeq + 2}`));
  assert.equal(outcome.rows.filter((r) => r.bad).map((r) => r.seq), [firstSeq + 2]);
});

test('the first entry dropped and the header patched: broken at the header', async () => {
  const outcome = await check(dropFirstEntry(good), { paste: devicePem() });
  assert.equal([outcome.verdict, outcome.firstSeq, outcome.firstKind], ['broken', '0', 'header-mismatch'], outcome.text);
  assert.match(outcome.text, /phần đầu/);
});

test("a key that is not the device's: not signed by the key given", async () => {
  const outcome = await check(good, { paste: publicPem(newDeviceKeys().publicKey) });
  assert.equal([outcome.verdict, outcome.firstSeq, outcome.firstKind], ['broken', '0', 'key-mismatch'], outcome.text);
  assert.match(outcome.text, /không do thiết bị có khóa đã cung cấp ký/);
});

test('no key given: cannot tell, and no entry is shown', async () => {
  const outcome = await check(good, {});
  assert.is(outcome.verdict, 'cannot-tell', outcome.text);
  assert.match(outcome.text, /KHÔNG THỂ KẾT LUẬN/);
  assert.equal(outcome.rows, []);
  assert.is(await page.locator('#summary dt').count(), 0, 'no fact taken from the file');
});

test('a private key pasted is refused with the reason', async () => {
  const outcome = await check(good, { paste: device.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
  assert.is(outcome.verdict, 'error');
  assert.match(outcome.text, /khóa BÍ MẬT/);
});

test('the file the CLI writes, opened from disk (file://), verifies the same way and shows a frame', async () => {
  const file = join(dir, 'kiem-tra.html');
  await verifierPageCommand({ out: file }, { stdout: () => {}, stderr: () => {} });
  fileUrl = pathToFileURL(file).href;
  const outcome = await check(good, { paste: devicePem() }, fileUrl);
  assert.is(outcome.verdict, 'intact', outcome.text);
  await page.click(`.frame-button[data-seq="${firstSeq + 1}"]`);
  const width = await page.$eval('#frame-img', async (img) => {
    const image = img as unknown as { decode(): Promise<void>; naturalWidth: number };
    await image.decode();
    return image.naturalWidth;
  });
  assert.ok(width > 0, 'blob: images are allowed from a file:// page too');
  const changed = await check(changeOneByte(good, firstSeq + 3), { paste: devicePem() }, fileUrl);
  assert.equal([changed.verdict, changed.firstSeq, changed.firstKind], ['broken', String(firstSeq + 3), 'hash-mismatch']);
});

test('the page made no request besides itself, and the CSP let its own script and style run', () => {
  assert.equal(blocked, []);
  assert.equal([...new Set(requests)], [PAGE_URL, fileUrl]);
  assert.equal(consoleErrors, []);
});

test("the CSP itself forbids connections: a fetch from the page is refused before it leaves (the route never sees it)", async () => {
  await page.goto(PAGE_URL);
  const result = await page.evaluate(() => fetch('https://collector.invalid/x').then(
    () => 'sent',
    () => 'refused',
  ));
  assert.is(result, 'refused');
  assert.equal(blocked, [], 'refused by the CSP, not aborted by the test route');
  assert.ok(consoleErrors.some((e) => /Content Security Policy/.test(e)), consoleErrors.join('\n'));
});

test.run();
