// The operator page against the running agent (real session, face models, register): after a verification the
// clerk sees the chip photo beside the live frame, adds the contract reference (an operator entry in the agent's
// register), and finds the customer in the day's list, searched by ID number.
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

test('running agent: both pictures on the operator page, a reference recorded in its register, the day list finds the customer', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'xacminh-operator-agent-'));
  const customers = await DemoCustomers.create();
  const config = parseConfig({ ui: { port: 0 }, inspection: { enabled: false }, face: { activeLiveness: false } }); // a still picture cannot blink
  const agent = new Agent({ config, dataDir, demo: true, log: quiet, trustAnchors: [customers.trustAnchor] });
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    await agent.start();
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${agent.uiUrl}/operator`);
    const holder = customers.scenarios[0]!;
    await page.locator('#access-key').fill(qrText(holder.card));
    await page.locator('#send-key').click();
    const done = new Promise<VerificationRecord>((resolve) => agent.session.once('done', resolve));
    (agent.cards as SimulatedCardPort).place(holder.card);
    const record = await done;
    assert.is(record.decision, 'verified', JSON.stringify(record.reasons));

    const row = page.locator(`#results tbody tr[data-id="${record.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    // Polled from the test (waitForFunction would evaluate a string in the page, which its CSP forbids).
    const images = row.locator('.photos img');
    const loaded = async () => (await Promise.all((await images.all()).map((img) => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)))).filter((w) => w > 0).length;
    for (const end = Date.now() + 10_000; (await loaded()) < 2; ) {
      if (Date.now() > end) throw new Error('the two pictures did not load');
      await new Promise((r) => setTimeout(r, 50));
    }

    const head = agent.register.headSeq;
    await row.locator('.ref-input').fill('HĐ 2026/777');
    await row.locator('.ref-save').click();
    await page.locator('#notice', { hasText: 'Đã lưu số hợp đồng / phòng' }).waitFor({ timeout: 5000 });
    const entry = agent.register.read(head + 1)!;
    assert.equal([entry.kind, (entry.public as { verificationId: string }).verificationId, entry.sealed], ['operator', record.id, { reference: 'HĐ 2026/777' }]);

    await page.click('#tab-day');
    await page.locator('#day-counts [data-decision="verified"]', { hasText: 'Đã xác minh: 1' }).waitFor({ timeout: 5000 });
    await page.fill('#day-q', record.identity!.idNumber);
    await page.click('#day-search');
    await page.locator(`#day-list tbody tr[data-id="${record.id}"]`).waitFor({ timeout: 5000 });
    assert.equal(await page.locator('#day-list tbody tr[data-id] td:nth-child(2)').allTextContents(), [record.identity!.fullName]);
    assert.equal(problems, [], 'no page errors');
  } finally {
    await browser?.close();
    await agent.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
