import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { launchChromium } from '../../ui/test-helpers.ts';
import { verifierPageHtml } from './html.ts';
import {
  changeOneByte,
  deviceCertificatePem,
  dropFirstEntry,
  exportText,
  FAKE_PEOPLE,
  fillRegister,
  newDeviceKeys,
  publicPem,
  purgePrivateRow,
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
const requests: string[] = [];
const blocked: string[] = [];
const consoleErrors: string[] = [];

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-verifier-page-ui-'));
  device = newDeviceKeys();
  fillRegister(join(dir, 'register.db'), device);
  good = exportText(join(dir, 'register.db'), device, join(dir, 'good.jsonl'));
  firstSeq = (JSON.parse(good.split('\n')[1]!) as { seq: number }).seq;
  fillRegister(join(dir, 'purged.db'), device);
  purgePrivateRow(join(dir, 'purged.db'), firstSeq + 2);
  purged = exportText(join(dir, 'purged.db'), device, join(dir, 'purged.jsonl'));
  const html = await verifierPageHtml();
  browser = await launchChromium();
  const context = await browser.newContext();
  await context.route('**/*', async (route) => {
    if (route.request().url() === PAGE_URL) return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
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
async function check(exportBody: string, keys: { paste?: string; files?: { name: string; text: string }[] }): Promise<Outcome> {
  await page.goto(PAGE_URL);
  await page.waitForSelector('#verify[data-ready="true"]');
  await page.setInputFiles('#export-file', { name: 'ban-xuat.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(exportBody) });
  if (keys.paste) await page.fill('#key-text', keys.paste);
  if (keys.files) await page.setInputFiles('#key-files', keys.files.map((f) => ({ name: f.name, mimeType: 'application/x-pem-file', buffer: Buffer.from(f.text) })));
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
});

test('an entry whose personal data was purged: still intact, the row marked purged, no name, no frame', async () => {
  const outcome = await check(purged, { paste: devicePem() });
  assert.is(outcome.verdict, 'intact', outcome.text);
  const row = outcome.rows.find((r) => r.seq === firstSeq + 2)!;
  assert.ok(row.purged);
  assert.match(row.name, /đã xóa theo hạn lưu trữ/);
  assert.is(row.idNumber, '—');
  assert.is(await page.locator(`.frame-button[data-seq="${firstSeq + 2}"]`).count(), 0);
  assert.equal(outcome.rows.filter((r) => r.purged).map((r) => r.seq), [firstSeq + 2]);
});

test('an export re-signed with another key: not signed by the device key given', async () => {
  const outcome = await check(resign(good, newDeviceKeys()), { paste: devicePem() });
  assert.equal([outcome.verdict, outcome.firstSeq, outcome.firstKind], ['broken', '0', 'key-mismatch'], outcome.text);
});

test('the certificate chosen as a file verifies as the key does', async () => {
  const outcome = await check(good, { files: [{ name: 'thiet-bi.crt', text: await deviceCertificatePem(device) }] });
  assert.is(outcome.verdict, 'intact', outcome.text);
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
});

test('a private key pasted is refused with the reason', async () => {
  const outcome = await check(good, { paste: device.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
  assert.is(outcome.verdict, 'error');
  assert.match(outcome.text, /khóa BÍ MẬT/);
});

test('the page made no request besides itself, and the CSP let its own script and style run', () => {
  assert.equal(blocked, []);
  assert.equal([...new Set(requests)], [PAGE_URL]);
  assert.equal(consoleErrors, []);
});

test.run();
