// The operator page in headless Chromium at the two screen sizes of the counter (800×480, 1280×800), against
// the real UI server, a FakeSession for the session's side and a real register behind the operator's actions:
// both pictures load, copy, a reference on a recorded verification lands in the register, retry the face step,
// times in the terminal's zone. Screenshots of each state go to .artifacts/screenshots/.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { Register } from '../register/register.ts';
import { operatorActions } from '../run/operator-actions.ts';
import { FakeSession, sampleRecord } from './fake-session.ts';
import { chipPhotoJp2, frameJpeg } from './operator-test-support.ts';
import { terminalTime } from './public/operator-format.js';
import { localDate as localDateOf } from './operator-day.ts';
import { startUiServer, type UiServer } from './server.ts';
import { launchChromium } from './test-helpers.ts';
import type { VerificationRecord } from '../session/record.ts';

const test = suite('operator page');
const SIZES = [{ width: 800, height: 480 }, { width: 1280, height: 800 }] as const;
const SHOTS = resolve(import.meta.dirname, '../../.artifacts/screenshots');
const deviceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const quiet = { info() {}, warn() {}, error() {} };
let dir = '';
let photos: { chip: Uint8Array; bestFrame: Uint8Array };
test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-operator-page-'));
  mkdirSync(SHOTS, { recursive: true });
  photos = { chip: await chipPhotoJp2(), bestFrame: await frameJpeg() };
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

interface Ctx {
  page: Page;
  server: UiServer;
  fake: FakeSession;
  register: Register;
}

/** Server (its actions the agent's, over a real register), browser and page for one test; page errors fail it. */
async function withOperator(name: string, run: (ctx: Ctx) => Promise<void>, context: { viewport: { width: number; height: number }; timezoneId?: string; permissions?: string[] }): Promise<void> {
  const fake = new FakeSession();
  const register = Register.open(join(dir, `${name}.db`), { deviceKey, outboxCapacity: 100, dataKey: new Uint8Array(randomBytes(32)) });
  const server = await startUiServer({ actions: operatorActions(fake, () => register, quiet), day: register, timeZone: 'Asia/Ho_Chi_Minh' });
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext(context)).newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/40[0-9]/.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    await run({ page, server, fake, register });
    assert.equal(problems, [], 'the page logged errors');
  } finally {
    await browser.close();
    await server.close();
    register.close();
  }
}

async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last saw ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const waitText = (page: Page, selector: string, expected: string) => poll(() => page.locator(selector).textContent(), (t) => t === expected, `${selector} to read "${expected}"`);
const shot = (page: Page, name: string, size: { width: number; height: number }) => page.screenshot({ path: join(SHOTS, `operator-${name}-${size.width}x${size.height}.png`), fullPage: true });

/** A face step that did not match: the clerk may retry it. */
function faceFailed(fullName: string): VerificationRecord {
  const record = sampleRecord('rejected', { fullName, reasons: [{ code: 'face-no-match', messageVi: 'Khuôn mặt không khớp với ảnh trong chip' }] });
  record.chip = { accessProtocol: 'PACE', verdict: 'genuine', passive: 'passed', active: 'passed', chip: 'passed', photoSha256: null };
  record.face = {
    decision: 'no-match', reasons: ['face-no-match'], similarity: 0.31, threshold: 0.55, framesSeen: 40, timings: {}, model: null,
    liveness: { decision: 'live', passiveScore: 0.97, passiveFrames: 12, challenge: 'blink', challengePassed: true, reasons: [] },
    quality: { acceptable: true, guidance: 'ok', messageVi: 'Giữ yên', score: 0.71 },
  };
  return record;
}

for (const size of SIZES) {
  test(`${size.width}×${size.height}: the chip photo beside the live frame, copy, a reference recorded in the register, retry the face step`, async () => {
    await withOperator(`recent-${size.width}`, async ({ page, server, fake, register }) => {
      const record = faceFailed('Nguyễn Thị Thử Nghiệm');
      register.append(record, { frameJpeg: photos.bestFrame, events: [] }); // the agent records before the result shows
      fake.emit({ state: 'result', verificationId: record.id, record, photos });
      await page.goto(`${server.url}/operator`);
      const row = page.locator(`#results tbody tr[data-id="${record.id}"]`);
      await row.waitFor({ timeout: 5000 });
      await waitText(page, '#state-message', 'Không xác minh được — Nguyễn Thị Thử Nghiệm (••••••••1234): Khuôn mặt không khớp với ảnh trong chip');

      // Both pictures decode in the browser (the chip's JPEG 2000 came through as JPEG).
      for (const kind of ['chip', 'frame']) {
        const img = row.locator(`.photo-${kind} img`);
        const width = await poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth), (w) => w > 0, `the ${kind} picture to load`);
        assert.ok(width > 0, kind);
      }
      assert.equal(await row.locator('.photos figcaption').allTextContents(), ['Ảnh trong chip', 'Ảnh chụp tại quầy']);
      assert.is(await page.evaluate<number>('document.documentElement.scrollWidth'), size.width, 'nothing runs off the side');
      const pictures = await row.locator('.photos').boundingBox();
      assert.ok(pictures && pictures.x >= 0 && pictures.x + pictures.width <= size.width, 'both pictures on screen');
      await shot(page, 'result', size);

      await row.locator('button.copy').click();
      await waitText(page, '#notice', 'Đã sao chép thông tin của Nguyễn Thị Thử Nghiệm');
      assert.match(await page.evaluate<string>('navigator.clipboard.readText()'), /^Họ và tên: Nguyễn Thị Thử Nghiệm\nSố định danh: 079090001234\n/);

      // The reference goes to the register as an operator entry naming this verification.
      const head = register.headSeq;
      await row.locator('.ref-input').fill('HĐ cầm đồ 2026/042');
      await row.locator('.ref-save').click();
      await waitText(page, '#notice', 'Đã lưu số hợp đồng / phòng cho lượt của Nguyễn Thị Thử Nghiệm');
      const entry = register.read(head + 1)!;
      assert.equal([entry.kind, entry.public, entry.sealed], ['operator', { verificationId: record.id, verificationSeq: head, action: 'reference', by: 'operator' }, { reference: 'HĐ cầm đồ 2026/042' }]);
      await waitText(page, `#results tbody tr[data-id="${record.id}"] .ref-current`, 'Số HĐ / phòng: HĐ cầm đồ 2026/042');
      await shot(page, 'reference', size);

      // Retry: the button is there because the face step failed; the session's answer is shown either way.
      fake.retryAnswer = { accepted: false, reasonVi: 'Thẻ đã được nhấc ra — đặt lại thẻ để xác minh lại' };
      await row.locator('button.retry-face').click();
      await waitText(page, '#error', 'Không chụp lại được: Thẻ đã được nhấc ra — đặt lại thẻ để xác minh lại');
      fake.retryAnswer = { accepted: true };
      await row.locator('button.retry-face').click();
      await waitText(page, '#notice', 'Đã bắt đầu chụp lại khuôn mặt — mời khách nhìn vào camera');
      assert.equal(fake.calls.filter((c) => c.method === 'retryFace'), [{ method: 'retryFace', verificationId: record.id }, { method: 'retryFace', verificationId: record.id }]);
      const retried = register.read(register.headSeq)!;
      assert.equal(retried.public, { verificationId: record.id, verificationSeq: head, action: 'retry-face', by: 'operator' }, 'the accepted retry is recorded');

      // A verified result has no retry button; a result without pictures says so.
      const verified = sampleRecord('verified', { fullName: 'Trần Văn Mẫu' });
      register.append(verified, { events: [] });
      fake.emit({ state: 'result', verificationId: verified.id, record: verified });
      const second = page.locator(`#results tbody tr[data-id="${verified.id}"]`);
      await second.waitFor({ timeout: 5000 });
      assert.is(await second.locator('button.retry-face').count(), 0);
      assert.equal(await second.locator('.photo-missing').allTextContents(), ['Không có ảnh', 'Không có ảnh']);
    }, { viewport: size, permissions: ['clipboard-read', 'clipboard-write'] });
  });
}

test("times in the terminal's zone, not the browser's; a reference being typed survives a new result arriving", async () => {
  await withOperator('zone', async ({ page, server, fake }) => {
    const first = { ...faceFailed('Lê Thị Một'), finishedAt: '2026-11-30T17:30:00.000Z' }; // 00:30 on 1 Dec in Vietnam
    fake.emit({ state: 'result', verificationId: first.id, record: first });
    await page.goto(`${server.url}/operator`);
    assert.is(await page.evaluate<string>('Intl.DateTimeFormat().resolvedOptions().timeZone'), 'America/New_York');
    await waitText(page, `#results tbody tr[data-id="${first.id}"] td:first-child`, '00:30:00 1/12/26');
    assert.is(terminalTime(first.finishedAt, 'Asia/Ho_Chi_Minh'), '00:30:00 1/12/26');

    await page.locator(`#results tbody tr[data-id="${first.id}"] .ref-input`).fill('P.305');
    const next = sampleRecord('verified', { fullName: 'Lê Văn Hai' });
    fake.emit({ state: 'result', verificationId: next.id, record: next });
    await page.locator(`#results tbody tr[data-id="${next.id}"]`).waitFor({ timeout: 5000 });
    assert.is(await page.locator(`#results tbody tr[data-id="${first.id}"] .ref-input`).inputValue(), 'P.305');

    // The session's face retry is a verification of its own that names the first: its row says so.
    const retried = { ...faceFailed('Lê Thị Một'), retryOf: first.id };
    fake.emit({ state: 'result', verificationId: retried.id, record: retried });
    await waitText(page, `#results tbody tr[data-id="${retried.id}"] .retry-of`, '(lượt chụp lại khuôn mặt)');
    assert.is(await page.locator('#results tbody .retry-of').count(), 1);
  }, { viewport: { width: 1280, height: 800 }, timezoneId: 'America/New_York' });
});

for (const size of SIZES) {
  test(`${size.width}×${size.height}: the day's list from the register, counts by decision, search by name and ID number, pages, times in the terminal's zone`, async () => {
    await withOperator(`day-${size.width}`, async ({ page, server, register }) => {
      const people: [name: string, id: string, decision: 'verified' | 'rejected' | 'error'][] = [
        ['Nguyễn Văn Thử', '001099000111', 'verified'],
        ['Trần Thị Mẫu', '079199000222', 'rejected'],
        ['Lê Văn Ví Dụ', '048200000333', 'verified'],
      ];
      for (const [fullName, idNumber, decision] of people) {
        const record = sampleRecord(decision, { fullName });
        record.identity!.idNumber = idNumber;
        register.append(record, { events: [] });
      }
      for (let i = 0; i < 20; i++) register.append(sampleRecord('error', { fullName: `Khách Số ${i}` }), { events: [] }); // a second page
      const first = register.read(register.headSeq)!;
      await page.goto(`${server.url}/operator`);
      await page.click('#tab-day');
      await waitText(page, '#day-counts [data-decision="total"]', 'Tổng: 23');
      assert.equal(await page.locator('#day-counts button').allTextContents(), ['Tổng: 23', 'Đã xác minh: 2', 'Không xác minh được: 1', 'Lỗi / hủy: 20']);
      assert.is(await page.locator('#day-list tbody tr[data-id]').count(), 20);
      assert.is(await page.locator('#day-page').textContent(), 'Trang 1/2');
      assert.is(await page.locator('#day-list tbody tr[data-id] td').first().textContent(), terminalTime(first.recordedAt, 'Asia/Ho_Chi_Minh'), "newest first, in the terminal's zone");
      assert.is(await page.inputValue('#day-date'), localDateOf(new Date(), 'Asia/Ho_Chi_Minh'));
      await page.click('#day-next');
      await waitText(page, '#day-page', 'Trang 2/2');
      assert.equal(await page.locator('#day-list tbody tr[data-id] td:nth-child(2)').allTextContents(), ['Lê Văn Ví Dụ', 'Trần Thị Mẫu', 'Nguyễn Văn Thử']);
      await shot(page, 'day', size);

      await page.click('#day-counts [data-decision="rejected"]'); // only the rejected ones
      await waitText(page, '#day-page', 'Trang 1/1');
      assert.equal(await page.locator('#day-list tbody tr[data-id] td:nth-child(2)').allTextContents(), ['Trần Thị Mẫu']);
      assert.is(await page.locator('#day-counts [aria-pressed="true"]').getAttribute('data-decision'), 'rejected');
      await page.click('#day-counts [data-decision="total"]');
      await waitText(page, '#day-page', 'Trang 1/2');

      await page.fill('#day-q', 'thi mau'); // without the marks, as a clerk may type it
      await page.click('#day-search');
      await waitText(page, '#day-page', 'Trang 1/1');
      assert.equal(await page.locator('#day-list tbody tr[data-id] td').allTextContents(), [await page.locator('#day-list tbody tr[data-id] td').first().textContent(), 'Trần Thị Mẫu', '••••••••0222', 'Không xác minh được']);
      assert.is(await page.locator('#day-counts [data-decision="total"]').textContent(), 'Tổng: 23', 'the counts are the whole day');
      await page.fill('#day-q', '0481 9900 0333');
      await page.click('#day-search');
      await poll(() => page.locator('#day-list tbody tr[data-id] td:nth-child(2)').allTextContents(), (t) => t.length === 0 || t[0] !== 'Trần Thị Mẫu', 'the ID search');
      assert.equal(await page.locator('#day-list tbody td').allTextContents(), ['Không có lượt xác minh nào'], 'a number nobody has');
      await page.fill('#day-q', '048200000333');
      await page.click('#day-search');
      await waitText(page, '#day-list tbody tr[data-id] td:nth-child(2)', 'Lê Văn Ví Dụ');
      await page.fill('#day-q', '0333');
      await page.click('#day-search');
      await waitText(page, '#error', 'Số định danh phải gồm đủ 12 chữ số (tìm theo một phần số không được)');

      await page.fill('#day-q', '');
      await page.fill('#day-date', '2026-01-02');
      await page.click('#day-search');
      await waitText(page, '#day-counts [data-decision="total"]', 'Tổng: 0');
      assert.equal(await page.locator('#day-list tbody td').allTextContents(), ['Không có lượt xác minh nào']);
    }, { viewport: size, timezoneId: 'America/New_York' });
  });
}

test.run();
