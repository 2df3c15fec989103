// The inspection page in headless Chromium over real HTTPS (its self-signed certificate accepted, as an
// inspector does after comparing the fingerprint): login, wrong password, search, view, print, export,
// logout and lockout, and every action found in the register afterwards.
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseExport, verifyExport } from '../register/export.ts';
import { launchChromium } from '../ui/test-helpers.ts';
import { INSPECTOR, startTestPage } from './inspection-test-support.ts';

const today = () => new Date().toISOString().slice(0, 10);
/** The little of the DOM the page-side checks touch (the project's TypeScript has no DOM types). */
type Dom = { document: { getElementById(id: string): { complete: boolean; naturalWidth: number; href: string } } };

test('an inspector logs in, searches, views an entry with its photo, prints, exports, logs out; then a lockout', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-inspection-browser-'));
  const site = await startTestPage(dir);
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    browser = await launchChromium();
    const context = await browser.newContext({ ignoreHTTPSErrors: true, acceptDownloads: true, timezoneId: 'America/New_York' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // Refused requests (401 before login, 401/429 on a bad login) are logged by Chromium as failed loads.
      if (message.type() === 'error' && !/status of (401|429)/.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    const url = site.server.url;

    // No session: the search page sends the browser on to the login page, with no data on the way.
    await page.goto(`${url}/`);
    await page.waitForURL(`${url}/login`);

    await page.fill('#username', INSPECTOR);
    await page.fill('#password', 'sai-mat-khau');
    await page.click('#login-button');
    await page.locator('#error', { hasText: 'Sai tên đăng nhập hoặc mật khẩu.' }).waitFor();

    await page.fill('#username', INSPECTOR);
    await page.fill('#password', site.password);
    await page.click('#login-button');
    await page.waitForURL(`${url}/`);
    await page.locator('#inspector', { hasText: INSPECTOR }).waitFor();
    await page.locator('#results tbody tr').nth(2).waitFor();
    assert.is(await page.locator('#results tbody tr').count(), 3);
    assert.match(await page.textContent('#counts') ?? '', 'Tìm thấy 3 mục');
    // Times are the terminal's (UTC+7), not the browser's New York time.
    const shown = (await page.textContent('#results tbody tr:first-child td:nth-child(2)')) ?? '';
    const expected = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date());
    assert.ok(shown.startsWith(expected), `${shown} starts with ${expected}`);
    await page.locator('#chain', { hasText: 'Chuỗi trên máy nguyên vẹn' }).waitFor();

    await page.fill('#from', today());
    await page.fill('#to', today());
    await page.fill('#name', 'Mẫu');
    await page.click('#search-button');
    await page.locator('#counts', { hasText: 'Tìm thấy 1 mục' }).waitFor();
    assert.is(await page.textContent('#results tbody tr td:nth-child(3)'), 'Trần Thị Mẫu');

    await page.click('#results tbody tr a');
    await page.waitForURL(`${url}/entry?seq=2`);
    await page.locator('#title', { hasText: 'Mục số 2: KHÔNG ĐẠT' }).waitFor();
    await page.locator('#reasons li', { hasText: 'Khuôn mặt không khớp với ảnh trong chip' }).waitFor();
    await page.locator('#details', { hasText: '2 Đường Thử Nghiệm' }).waitFor();
    await page.locator('#details', { hasText: 'thẻ thật' }).waitFor();
    await page.locator('#frame-box').waitFor();
    // Functions, not strings: a string predicate is eval'd in the page, which its CSP forbids.
    await page.waitForFunction(() => {
      const img = (globalThis as unknown as Dom).document.getElementById('frame');
      return img.complete && img.naturalWidth > 0;
    });
    assert.is(await page.evaluate(() => (globalThis as unknown as Dom).document.getElementById('frame').naturalWidth), 480, 'the photo frame is shown');

    await page.goto(`${url}/print?from=${today()}&to=${today()}`);
    await page.locator('#book tbody tr').nth(2).waitFor();
    const headings = await page.locator('#book thead th').allTextContents();
    assert.equal(headings, ['STT', 'Thời gian', 'Họ và tên', 'Số định danh', 'Ngày sinh', 'Nơi thường trú', 'Kết quả']);
    assert.equal(await page.locator('#book tbody tr td:first-child').allTextContents(), ['1', '2', '3']);
    assert.is(await page.textContent('#book tbody tr:nth-child(2) td:nth-child(5)'), '15/01/1990');
    await page.emulateMedia({ media: 'print' });
    assert.is(await page.locator('header').isVisible(), false, 'no screen chrome on paper');
    assert.ok(await page.locator('#book').isVisible());
    await page.emulateMedia({ media: 'screen' });

    await page.goto(`${url}/`);
    await page.fill('#from', today());
    await page.fill('#to', today());
    await page.click('#search-button');
    await page.check('#export-frames');
    await page.waitForFunction((day) => {
      const href = (globalThis as unknown as Dom).document.getElementById('export-link').href;
      return href.includes(`from=${day}`) && href.includes('frames=1');
    }, today());
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-link')]);
    const file = join(dir, 'downloaded.jsonl');
    await download.saveAs(file);
    const bundle = parseExport(readFileSync(file, 'utf8'));
    const report = verifyExport(bundle, { trustedPublicKey: createPublicKey(site.deviceKey) });
    assert.ok(report.ok, JSON.stringify(report.problems));
    assert.equal(bundle.entries.filter((e) => 'kind' in e && e.kind === 'verification').map((e) => e.seq), [1, 2, 3]);
    assert.ok(bundle.entries.filter((e) => 'kind' in e && e.kind === 'verification').every((e) => 'frame' in e && typeof e.frame === 'string'), 'the frames went with it');

    // The one-file verifier the inspector can save for the laptop: it loads under both CSPs without errors.
    assert.ok(await page.locator('#verifier-link').isVisible());
    await page.goto(`${url}/verify.html`);
    await page.locator('h1', { hasText: 'Kiểm tra bản xuất sổ đăng ký' }).waitFor();
    await page.goto(`${url}/`);
    await page.locator('#results tbody tr').first().waitFor();

    await page.click('#logout');
    await page.waitForURL(`${url}/login`);
    await page.goto(`${url}/entry?seq=1`);
    await page.waitForURL(`${url}/login`);

    for (let i = 1; i <= 5; i++) {
      await page.fill('#username', INSPECTOR);
      await page.fill('#password', `sai-${i}`);
      // The previous answer's text is still on screen: wait for this attempt's own answer.
      const [answer] = await Promise.all([page.waitForResponse(`${url}/api/login`), page.click('#login-button')]);
      assert.is(answer.status(), i < 5 ? 401 : 429, `attempt ${i}`);
      await page.locator('#error', { hasText: i < 5 ? 'Sai tên đăng nhập' : 'tạm khóa' }).waitFor();
    }
    await page.fill('#username', INSPECTOR);
    await page.fill('#password', site.password);
    await page.click('#login-button');
    await page.locator('#error', { hasText: 'tạm khóa, thử lại sau 15 phút' }).waitFor();
    assert.is(page.url(), `${url}/login`);
    assert.equal(problems, [], 'the pages logged errors');

    const actions = site.inspections().map((a) => a.action);
    for (const action of ['login-failed', 'login', 'search', 'view', 'print', 'export', 'logout'] as const) assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
    assert.ok(site.inspections().every((a) => a.inspector === INSPECTOR));
  } finally {
    await browser?.close();
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
