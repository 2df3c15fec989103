// The kiosk and operator pages in headless Chromium against the running agent (not a fake session): the
// operator types the card's QR text, the card goes on the simulated reader, the face models match the
// simulated camera against the chip photo, and both pages show the result.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { launchChromium } from '../ui/test-helpers.ts';
import { parseConfig } from '../config/load.ts';
import type { VerificationRecord } from '../session/record.ts';
import type { SimulatedCardPort } from '../session/sim-card-port.ts';
import { Agent } from './agent.ts';
import { DemoCustomers, qrText } from './demo.ts';

const quiet = { info() {}, warn() {}, error() {} };

test('operator page → running agent → kiosk shows "Đã xác minh" with the holder name; the operator table lists who, in the site\'s time zone', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'xacminh-pages-'));
  const customers = await DemoCustomers.create();
  // A still picture cannot blink: active liveness off, as the demo runs it (the record says so).
  // A zone other than the default and the browser's: the operator's times must follow the site config.
  const config = parseConfig({ ui: { port: 0 }, inspection: { enabled: false }, face: { activeLiveness: false }, timeZone: 'Asia/Tokyo' });
  const agent = new Agent({ config, dataDir, demo: true, log: quiet, trustAnchors: [customers.trustAnchor] });
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    await agent.start();
    assert.ok(agent.face, 'the face models loaded');
    browser = await launchChromium();
    const kiosk = await browser.newPage();
    const operator = await browser.newPage({ timezoneId: 'America/New_York' });
    const problems: string[] = [];
    for (const page of [kiosk, operator]) page.on('pageerror', (error) => problems.push(error.message));
    await kiosk.goto(agent.uiUrl);
    await operator.goto(`${agent.uiUrl}/operator`);
    await kiosk.locator('#instruction', { hasText: 'Đặt thẻ CCCD' }).waitFor({ timeout: 10_000 });

    const holder = customers.scenarios[0]!;
    await operator.locator('#access-key').fill(qrText(holder.card));
    await operator.locator('#send-key').click();
    const done = new Promise<VerificationRecord>((resolve) => agent.session.once('done', resolve));
    (agent.cards as SimulatedCardPort).place(holder.card);
    const record = await done;
    assert.is(record.decision, 'verified', JSON.stringify(record.reasons));
    await kiosk.locator('#result-title', { hasText: 'Đã xác minh' }).waitFor({ timeout: 10_000 });
    assert.is(await kiosk.locator('#holder-name').textContent(), record.identity!.fullName);
    await operator.locator('#results tbody tr').first().waitFor({ timeout: 10_000 });
    const row = operator.locator('#results tbody tr').first();
    assert.match(await row.innerText(), 'Đã xác minh');
    assert.is(await row.locator('.holder-name').textContent(), record.identity!.fullName);
    assert.is(await row.locator('.id-masked').textContent(), `••••••••${record.identity!.idNumber.slice(-4)}`);
    const tokyo = new Date(record.finishedAt).toLocaleTimeString('en-GB', { timeZone: 'Asia/Tokyo', hourCycle: 'h23' });
    const shownTime = (await row.locator('td').first().textContent()) ?? '';
    assert.is(shownTime.split(' ')[0]!.replace(/^0/, ''), tokyo.replace(/^0/, ''), `${shownTime} is Tokyo time`);
    assert.equal(problems, [], 'no page errors');
  } finally {
    await browser?.close();
    await agent.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
