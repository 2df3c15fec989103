// The kiosk and operator pages in headless Chromium against the running UI server and a FakeSession.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { STATE_MESSAGES } from '../session/messages.ts';
import { AlarmBoard } from '../run/alarms.ts';
import { AUTHENTICITY_MESSAGES, SESSION_MESSAGES } from '../labels.ts';
import { FakeSession, sampleRecord } from './fake-session.ts';
import { CUSTOMER_OUTCOME, CUSTOMER_OUTCOME_OF, customerOutcome } from './public/strings.js';
import { startUiServer, type UiServer, type UiServerOptions } from './server.ts';
import { lanAddress, launchChromium, until } from './test-helpers.ts';

/** A fresh browser, server and page for one test, all closed in finally; page errors and CSP reports fail it. */
async function withPage(
  options: Partial<UiServerOptions>,
  run: (page: Page, server: UiServer, fake: FakeSession) => Promise<void>,
  { allowConsole, ...context }: { timezoneId?: string; allowConsole?: RegExp; permissions?: string[]; viewport?: { width: number; height: number } } = {},
): Promise<void> {
  const fake = new FakeSession();
  const server = await startUiServer({ actions: fake, ...options });
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    browser = await launchChromium();
    const page = await (await browser.newContext(context)).newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // Chromium notes that COOP is ignored on a plain-http LAN origin (the page opened at this machine's LAN address).
      const expected = /401|409|400|Cross-Origin-Opener-Policy header has been ignored/.test(message.text()) || allowConsole?.test(message.text());
      if (message.type() === 'error' && !expected) problems.push(`console: ${message.text()}`);
    });
    await run(page, server, fake);
    assert.equal(problems, [], 'the page logged errors');
  } finally {
    await browser?.close();
    await server.close();
  }
}

// Page-side code is written as strings or through locators: the project's TypeScript has no DOM types.
const text = (page: Page, selector: string) => page.locator(selector).textContent();
const background = (page: Page) => page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
const screenText = (page: Page) => page.locator('body').innerText();

async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last saw ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const waitText = (page: Page, selector: string, expected: string) =>
  poll(() => text(page, selector), (t) => t === expected, `${selector} to read "${expected}"`);
const progressValue = (page: Page) => page.locator('#chip-progress').getAttribute('value');

test('kiosk: idle instruction, live chip progress, challenge, then green and red result screens', async () => {
  await withPage({}, async (page, { url }, fake) => {
    await page.goto(url);
    await waitText(page, '#instruction', STATE_MESSAGES.idle);
    assert.is(await text(page, '#instruction'), 'Đặt thẻ CCCD gắn chip lên đầu đọc', 'diacritics arrive intact');
    assert.is(await page.locator('#chip').isVisible(), false);
    assert.is(await page.locator('#result').isVisible(), false);

    fake.emit({ state: 'reading-chip', verificationId: 'v1', progress: 0.4 });
    await waitText(page, '#instruction', 'Đang đọc chip — giữ yên thẻ trên đầu đọc');
    assert.is(await page.locator('#chip').isVisible(), true);
    assert.is(await progressValue(page), '40');
    fake.emit({ state: 'reading-chip', verificationId: 'v1', progress: 0.9 });
    await waitText(page, '#chip-percent', '90%');
    assert.is(await progressValue(page), '90');
    assert.is(await text(page, '#step'), 'Bước 1 · Đọc chip', 'the key was typed before the card: reading is the first step');

    fake.emit({ state: 'face', verificationId: 'v1', guidance: 'turn-left', messageVi: 'Quay đầu sang trái rồi nhìn lại' });
    await waitText(page, '#challenge', 'Quay đầu sang trái rồi nhìn lại');
    assert.is(await page.locator('#chip').isVisible(), false);
    assert.is(await page.locator('#instruction').isVisible(), false, 'the challenge box replaces the instruction');
    fake.emit({ state: 'face', verificationId: 'v1', guidance: 'move-closer', messageVi: 'Nhìn thẳng vào camera' });
    await waitText(page, '#guidance', 'Đưa mặt lại gần hơn');
    assert.is(await page.locator('#challenge').isVisible(), false);
    assert.is(await text(page, '#instruction'), 'Nhìn thẳng vào camera');
    assert.is(await page.locator('#instruction').isVisible(), true);
    assert.is(await text(page, '#step'), 'Bước 2 · Khuôn mặt');

    const verified = sampleRecord('verified', { fullName: 'Nguyễn Thị Hồng Nhung' });
    fake.emit({ state: 'result', verificationId: 'v1', record: verified });
    await waitText(page, '#result-title', 'Đã xác minh');
    assert.is(await text(page, '#holder-name'), 'Nguyễn Thị Hồng Nhung');
    assert.is(await background(page), 'rgb(11, 107, 43)', 'green');
    assert.is(await text(page, '#next-step'), 'Mời bạn nhận lại thẻ. Nhân viên sẽ hoàn tất thủ tục.');
    assert.is(await page.locator('#outcome').isVisible(), false, 'nothing to explain when verified');
    assert.is(await page.locator('#instruction').isVisible(), false);
    const shown = await screenText(page);
    for (const personal of ['079090001234', '1990', 'Lê Lợi']) assert.not.ok(shown.includes(personal), `${personal} on screen`);

    const rejected = sampleRecord('rejected', { fullName: 'Lê Văn Cường', reasons: [{ code: 'face-no-match', messageVi: 'Khuôn mặt không khớp với ảnh trong chip' }] });
    fake.emit({ state: 'result', verificationId: 'v2', record: rejected });
    await waitText(page, '#result-title', 'Không xác minh được');
    assert.is(await text(page, '#outcome'), 'Không xác minh được khuôn mặt — vui lòng liên hệ nhân viên');
    assert.is(await text(page, '#next-step'), 'Mời bạn nhận lại thẻ và chờ nhân viên hỗ trợ.');
    assert.is(await text(page, '#holder-name'), '');
    assert.not.ok((await screenText(page)).includes('Lê Văn Cường'));
    assert.is(await background(page), 'rgb(161, 0, 28)', 'red');

    fake.emit({ state: 'idle' });
    await waitText(page, '#instruction', STATE_MESSAGES.idle);
    assert.is(await page.locator('#result').isVisible(), false);
    assert.is(await background(page), 'rgb(0, 0, 0)');
  });
});

test('kiosk: step numbers run 1, 2, 3 for the steps a verification goes through, back to 1 for a retried key and a new card', async () => {
  await withPage({}, async (page, { url }, fake) => {
    await page.goto(url);
    await waitText(page, '#instruction', STATE_MESSAGES.idle);
    assert.is(await text(page, '#step'), 'Sẵn sàng', 'no number while waiting');
    const steps: [update: Parameters<FakeSession['emit']>[0], label: string][] = [
      [{ state: 'access-key', verificationId: 'v1' }, 'Bước 1 · Khóa truy cập'],
      [{ state: 'reading-chip', verificationId: 'v1', progress: 0 }, 'Bước 2 · Đọc chip'],
      [{ state: 'access-key', verificationId: 'v1', messageVi: STATE_MESSAGES.wrongKey }, 'Bước 1 · Khóa truy cập'],
      [{ state: 'reading-chip', verificationId: 'v1', progress: 0.5 }, 'Bước 2 · Đọc chip'],
      [{ state: 'checking-authenticity', verificationId: 'v1' }, 'Bước 2 · Kiểm tra thẻ'],
      [{ state: 'face', verificationId: 'v1' }, 'Bước 3 · Khuôn mặt'],
      [{ state: 'recording', verificationId: 'v1' }, 'Lưu kết quả'],
      [{ state: 'reading-chip', verificationId: 'v2', progress: 0 }, 'Bước 1 · Đọc chip'],
      [{ state: 'checking-authenticity', verificationId: 'v2' }, 'Bước 1 · Kiểm tra thẻ'],
      [{ state: 'face', verificationId: 'v2' }, 'Bước 2 · Khuôn mặt'],
    ];
    for (const [update, label] of steps) {
      fake.emit(update);
      await waitText(page, '#step', label);
    }
  });
});

test('kiosk: a card that is not proven genuine gets neutral words and the next step; the clerk sees every reason, one per line', async () => {
  await withPage({}, async (page, { url }, fake) => {
    await page.goto(url);
    await waitText(page, '#instruction', STATE_MESSAGES.idle);
    const reasons = [
      { code: 'chip-not-genuine', messageVi: SESSION_MESSAGES['chip-not-genuine']! },
      { code: 'CA_FAILED', messageVi: AUTHENTICITY_MESSAGES.CA_FAILED! },
    ];
    fake.emit({ state: 'result', verificationId: 'v1', record: sampleRecord('rejected', { reasons }) });
    await waitText(page, '#outcome', 'Không xác minh được thẻ — vui lòng liên hệ nhân viên');
    assert.is(await text(page, '#next-step'), 'Mời bạn nhận lại thẻ và chờ nhân viên hỗ trợ.');
    const shown = await screenText(page);
    for (const reason of reasons) assert.not.ok(shown.includes(reason.messageVi), `"${reason.messageVi}" on the customer's screen`);
    assert.not.ok(/sao chép|giả/.test(shown), 'nothing accusing on the customer screen');

    await page.goto(`${url}/operator`);
    const items = page.locator('#results tbody tr[data-decision="rejected"] .reason-list li');
    await poll(() => items.count(), (n) => n === 2, 'both reasons in the operator list');
    assert.equal(await items.allTextContents(), reasons.map((r) => r.messageVi));
    const [first, second] = [await items.nth(0).boundingBox(), await items.nth(1).boundingBox()];
    assert.ok(first && second && second.y >= first.y + first.height - 1, 'the second reason is on a line of its own');
  });
});

test('kiosk: when the agent stops, the last result leaves the screen for an out-of-service notice; it comes back with the agent', async () => {
  await withPage({}, async (page, server, fake) => {
    await page.goto(server.url);
    fake.emit({ state: 'result', verificationId: 'v1', record: sampleRecord('verified', { fullName: 'Đỗ Thị Mai Anh' }) });
    await waitText(page, '#holder-name', 'Đỗ Thị Mai Anh');

    await server.close(); // the agent stops (or crashes): the stream ends and nobody answers the retries
    await poll(() => text(page, '#instruction'), (t) => t === 'Máy tạm ngừng phục vụ — vui lòng liên hệ nhân viên', 'the out-of-service notice', 15_000);
    assert.is(await page.locator('#result').isVisible(), false);
    assert.not.ok((await screenText(page)).includes('Đỗ Thị Mai Anh'), "the previous customer's name is gone");
    assert.is(await page.evaluate<string>('document.body.dataset.state'), 'out-of-service');
    assert.is.not(await background(page), 'rgb(11, 107, 43)', 'no longer green');

    const again = await startUiServer({ actions: fake, port: server.port }); // the agent is back on its port
    try {
      fake.emit({ state: 'idle' });
      await poll(() => text(page, '#instruction'), (t) => t === STATE_MESSAGES.idle, 'the ready screen after the agent returns', 15_000);
      assert.is(await page.locator('#connection').isVisible(), false);

      // The session itself out of order (no reader): the customer gets the plain notice, not the technical cause.
      fake.emit({ state: 'offline', messageVi: `${STATE_MESSAGES.offline} (No PC/SC reader is connected)` });
      await waitText(page, '#instruction', 'Máy tạm ngừng phục vụ — vui lòng liên hệ nhân viên');
      assert.not.ok((await screenText(page)).includes('PC/SC'));
    } finally {
      await again.close();
    }
  }, { allowConsole: /ERR_CONNECTION_REFUSED/ }); // the stream's retries while the agent is down
});

test('kiosk: every result screen, with its next step, fits the 800×480 and 1280×800 screens without scrolling', async () => {
  await withPage({}, async (page, { url }, fake) => {
    await page.goto(url);
    await waitText(page, '#instruction', STATE_MESSAGES.idle);
    const codeFor = (key: string) => Object.entries(CUSTOMER_OUTCOME_OF).find(([, k]) => k === key)?.[0] ?? 'STORAGE_FAILED';
    const results = Object.keys(CUSTOMER_OUTCOME).map((key) =>
      key === 'verified'
        ? sampleRecord('verified', { fullName: 'Tôn Nữ Thị Phương Thảo Nguyễn Hoàng' })
        : sampleRecord('rejected', { reasons: [{ code: codeFor(key), messageVi: 'x' }] }),
    );
    for (const size of [{ width: 800, height: 480 }, { width: 1280, height: 800 }]) {
      await page.setViewportSize(size);
      for (const [i, record] of results.entries()) {
        fake.emit({ state: 'result', verificationId: `v${i}`, record });
        await waitText(page, '#next-step', customerOutcome(record).next);
        const box = await page.locator('#result').boundingBox();
        const where = `${size.width}×${size.height}, ${record.reasons[0]?.code ?? 'verified'}`;
        assert.ok(box && box.y >= 0 && box.y + box.height <= size.height, `${where}: the result runs off the screen (${JSON.stringify(box)})`);
        assert.is(await page.evaluate<number>('document.documentElement.scrollHeight'), size.height, `${where}: the page scrolls`);
      }
    }
  });
});

test('operator: the token moves to sessionStorage; ID number, reference and cancel reach the session', async () => {
  await withPage({ operatorToken: 'op-token-123' }, async (page, { url }, fake) => {
    await page.goto(`${url}/operator?token=op-token-123`);
    await waitText(page, '#state-title', 'Sẵn sàng');
    assert.not.match(page.url(), 'token', 'the token left the address bar');
    assert.is(await page.evaluate<string | null>("sessionStorage.getItem('xacminh.operatorToken')"), 'op-token-123');

    await page.fill('#access-key', '0790 9000 1234');
    await page.click('#send-key');
    await waitText(page, '#notice', 'Đã gửi');
    assert.equal(fake.calls, [{ method: 'submitAccessKey', text: '079090001234' }]);
    assert.is(await page.inputValue('#access-key'), '');

    await page.fill('#access-key', '079090005678');
    await page.press('#access-key', 'Enter');
    await until(() => fake.calls.length === 2, 3000, 'Enter to submit');
    assert.equal(fake.calls[1], { method: 'submitAccessKey', text: '079090005678' });

    await page.fill('#reference', 'HĐ cầm đồ 2024/117');
    await page.click('#send-ref');
    await waitText(page, '#notice', 'Đã lưu mã hợp đồng');
    assert.equal(fake.calls[2], { method: 'setReference', text: 'HĐ cầm đồ 2024/117' });

    fake.emit({ state: 'reading-chip', progress: 0.3 });
    await waitText(page, '#state-title', 'Đọc chip');
    await page.click('#cancel');
    await waitText(page, '#notice', 'Đã hủy lượt xác minh');
    assert.equal(fake.calls[3], { method: 'cancel' });
    await waitText(page, '#state-title', 'Sẵn sàng');
  });
});

test('operator: a bad ID, a busy session and a missing token show Vietnamese errors in the page', async () => {
  await withPage({ operatorToken: 'op-token-123' }, async (page, { url }, fake) => {
    await page.goto(`${url}/operator`); // no token: the server refuses the stream and the actions
    await waitText(page, '#connection', 'Mất kết nối — đang thử lại…');
    assert.is(await text(page, '#state-title'), '—', 'not even the state without the token');
    await waitText(page, '#error', 'Thiếu hoặc sai mã vận hành — mở lại trang bằng đường dẫn có ?token=…');
    await page.fill('#access-key', '079090001234');
    const answer = page.waitForResponse('**/api/access-key');
    await page.click('#send-key');
    assert.is((await answer).status(), 401, 'the action is refused too');
    await waitText(page, '#error', 'Thiếu hoặc sai mã vận hành — mở lại trang bằng đường dẫn có ?token=…');
    assert.equal(fake.calls, []);

    await page.goto(`${url}/operator?token=op-token-123`);
    await waitText(page, '#state-title', 'Sẵn sàng');
    await page.fill('#access-key', '07909000123');
    await page.click('#send-key');
    await waitText(page, '#error', 'Số định danh cá nhân phải gồm đúng 12 chữ số');
    assert.is(await page.locator('#error').isVisible(), true);
    assert.equal(fake.calls, [], 'refused in the page, never sent');

    fake.busy = true;
    await page.fill('#access-key', '079090001234');
    await page.click('#send-key');
    await waitText(page, '#error', 'Đang xác minh cho khách trước, vui lòng chờ');
    fake.busy = false;

    await page.fill('#access-key', '079090001234|ID cũ|Nguyễn Văn A');
    fake.failNext = new (await import('../../drivers/errors.ts')).XacminhError('INVALID_INPUT', 'This QR code is not a CCCD QR code');
    await page.click('#send-key');
    await waitText(page, '#error', 'Số định danh, mã QR hoặc MRZ không đúng — kiểm tra và nhập lại');
    assert.is(fake.calls.length, 2);
    assert.is(await page.locator('#notice').isVisible(), false);
  });
});

test('operator: recent results list, newest first, with decision, time and Vietnamese reason', async () => {
  await withPage({}, async (page, { url }, fake) => {
    fake.emit({ state: 'result', record: sampleRecord('verified', { fullName: 'Phạm Minh Đức' }) });
    await page.goto(`${url}/operator`);
    const decided = page.locator('#results tbody tr[data-decision]');
    await poll(() => decided.count(), (n) => n === 1, 'the earlier result in the list');
    const rejected = sampleRecord('rejected', { reasons: [{ code: 'not-genuine', messageVi: 'Thẻ không phải thẻ thật hoặc chip đã bị sửa' }] });
    fake.emit({ state: 'result', record: rejected });
    await poll(() => decided.count(), (n) => n === 2, 'the new result in the list');
    const rows = await Promise.all((await decided.all()).map((row) => row.locator('td').allTextContents()));
    assert.equal(rows.map((r) => r.slice(2, 4)), [
      ['Không xác minh được', 'Thẻ không phải thẻ thật hoặc chip đã bị sửa'],
      ['Đã xác minh', ''],
    ]);
    assert.match(rows[0]![0]!, /^\d{1,2}:\d{2}:\d{2}/);
    assert.match(rows[1]![1]!, 'Phạm Minh Đức', 'the clerk sees who was verified');
  });
});

test('operator at 1280×800: who was verified (name, masked ID), every reason, chip verdict, face scores; one click copies the identity', async () => {
  const record = sampleRecord('rejected', {
    fullName: 'Nguyễn Thị Hồng Nhung',
    reasons: [
      { code: 'face-not-live', messageVi: 'Không chứng minh được là người thật' },
      { code: 'face-no-match', messageVi: 'Khuôn mặt không khớp với ảnh trong chip' },
    ],
  });
  record.chip = { accessProtocol: 'PACE', verdict: 'genuine', passive: 'passed', active: 'passed', chip: 'passed', photoSha256: null };
  record.face = {
    decision: 'no-match', reasons: ['face-no-match'], similarity: 0.312, threshold: 0.55, framesSeen: 40, timings: {}, model: null,
    liveness: { decision: 'live', passiveScore: 0.968, passiveFrames: 12, challenge: 'blink', challengePassed: true, reasons: [] },
    quality: { acceptable: true, guidance: 'ok', messageVi: 'Giữ yên', score: 0.71 },
  };
  await withPage({}, async (page, { url }, fake) => {
    fake.emit({ state: 'result', record });
    await page.goto(`${url}/operator`);
    const row = page.locator(`#results tbody tr[data-id="${record.id}"]`);
    await row.waitFor({ timeout: 5000 });
    assert.is(await row.locator('.holder-name').textContent(), 'Nguyễn Thị Hồng Nhung');
    assert.is(await row.locator('.id-masked').textContent(), '••••••••1234');
    assert.equal(await row.locator('.reason-list li').allTextContents(), ['Không chứng minh được là người thật', 'Khuôn mặt không khớp với ảnh trong chip']);
    const cells = await row.locator('td').allTextContents();
    assert.is(cells[4], 'Chip thật');
    assert.equal(await row.locator('.face-lines li').allTextContents(), ['Không khớp', 'Độ giống: 0.31 (ngưỡng 0.55)', 'Người thật: có (0.97)', 'Chất lượng ảnh: 0.71']);
    const shown = await screenText(page);
    for (const full of ['079090001234', 'Lê Lợi', '17/05/1990']) assert.not.ok(shown.includes(full), `${full} shown in full on the clerk's screen`);
    const box = await row.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 1280, 'the row fits the 1280 px width');

    await row.locator('button.copy').click();
    await waitText(page, '#notice', 'Đã sao chép thông tin của Nguyễn Thị Hồng Nhung');
    assert.is(
      await page.evaluate<string>('navigator.clipboard.readText()'),
      'Họ và tên: Nguyễn Thị Hồng Nhung\nSố định danh: 079090001234\nNgày sinh: 17/05/1990\nNơi thường trú: 12 Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh',
    );
  }, { permissions: ['clipboard-read', 'clipboard-write'], viewport: { width: 1280, height: 800 } });
});

test("operator: times are the terminal's (Asia/Ho_Chi_Minh by default, or the zone it names), not the browser's", async () => {
  const finishedAt = '2026-11-30T03:04:05.000Z'; // 10:04:05 in Vietnam, 22:04:05 the day before in New York
  for (const [options, expected] of [[{}, '10:04:05 30/11/26'], [{ timeZone: 'Asia/Tokyo' }, '12:04:05 30/11/26']] as const) {
    await withPage(options, async (page, { url }, fake) => {
      fake.emit({ state: 'result', record: { ...sampleRecord('verified'), finishedAt } });
      await page.goto(`${url}/operator`);
      assert.is(await page.evaluate<string>('Intl.DateTimeFormat().resolvedOptions().timeZone'), 'America/New_York');
      await waitText(page, '#results tbody tr[data-decision] td:first-child', expected);
    }, { timezoneId: 'America/New_York' });
  }
});

test('operator: a certificate running out is a standing alarm in Vietnamese, gone once renewed; the customer screen never shows it', async () => {
  const alarms = new AlarmBoard();
  const notAfter = new Date(Date.now() + 3 * 86_400_000).toISOString();
  alarms.certificate({ notAfter, daysLeft: 3, state: 'expiring', alarm: true });
  await withPage({ alarms }, async (page, { url }) => {
    await page.goto(`${url}/operator`);
    const item = page.locator('#alarms li[data-code="CERTIFICATE_EXPIRING"]');
    await poll(() => item.count(), (n) => n === 1, 'the alarm on the operator screen');
    assert.match((await item.textContent()) ?? '', /còn 3 ngày.*kỹ thuật viên/);
    alarms.certificate({ notAfter, daysLeft: 0, state: 'expired', alarm: true });
    await poll(() => page.locator('#alarms li[data-code="CERTIFICATE_EXPIRED"]').count(), (n) => n === 1, 'the expired alarm replacing it');
    alarms.certificate({ notAfter: new Date(Date.now() + 90 * 86_400_000).toISOString(), daysLeft: 90, state: 'ok', alarm: false });
    await poll(() => page.locator('#alarms').isVisible(), (visible) => !visible, 'the alarm gone after renewal');
    alarms.certificate({ notAfter, daysLeft: 3, state: 'expiring', alarm: true });
    await page.goto(url);
    await page.waitForSelector('#instruction');
    assert.not.ok((await screenText(page)).includes('Chứng thư'), 'the customer screen says nothing about it');
  });
});

test('bound beyond loopback: the kiosk on the terminal is live without a token; from the LAN it is refused; the operator page opened once with ?token= works', async () => {
  const token = 'lan-operator-token-42';
  await withPage({ host: '0.0.0.0', operatorToken: token }, async (page, { url, port }, fake) => {
    const lan = lanAddress();
    if (lan) {
      await page.goto(`http://${lan}:${port}/`); // another machine's view, no token: the stream is refused, the page says so
      await waitText(page, '#connection', 'Mất kết nối — đang thử lại…');
      assert.is(await page.locator('#connection').isVisible(), true);
    } else console.log('agent/ui/browser.test.ts: no non-loopback interface on this machine: the LAN kiosk case is skipped');

    await page.goto(url); // the terminal's own screen: 127.0.0.1, no token
    await waitText(page, '#instruction', STATE_MESSAGES.idle);
    assert.is(await page.evaluate<string | null>("sessionStorage.getItem('xacminh.operatorToken')"), null, 'the kiosk holds no token');
    fake.emit({ state: 'reading-chip', verificationId: 'v1', progress: 0.5 });
    await waitText(page, '#chip-percent', '50%');

    fake.emit({ state: 'result', record: sampleRecord('verified', { fullName: 'Phạm Minh Đức' }) });
    await page.goto(`${url}/operator?token=${token}`);
    assert.not.match(page.url(), 'token', 'the token left the address bar');
    await poll(() => page.locator('#results tbody tr[data-decision]').count(), (n) => n === 1, 'the result in the operator list');
    await page.click('#cancel');
    await waitText(page, '#notice', 'Đã hủy lượt xác minh');
  });
});

test.run();
