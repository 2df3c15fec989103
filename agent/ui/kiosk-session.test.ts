// The kiosk page against the real VerificationSession (simulated card, scripted face step) in headless Chromium:
// the step numbers the customer sees on real verifications, and the return to the ready screen after the
// session's result timeout (timeouts.resultMs), which the session announces and the page follows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import type { Frame } from '../../drivers/camera/types.ts';
import { TrustStore } from '../../drivers/emrtd/authenticity/trust-store.ts';
import { makeCardWithFault } from '../../drivers/sim/card-faults.ts';
import { generateTestPki } from '../../drivers/sim/test-pki.ts';
import type { FaceEvidence, FaceStep, FaceStepOptions } from '../../models/types.ts';
import { parseConfig } from '../config/load.ts';
import { STATE_MESSAGES } from '../session/messages.ts';
import { VerificationSession } from '../session/session.ts';
import { SimulatedCardPort } from '../session/sim-card-port.ts';
import { startUiServer } from './server.ts';
import { launchChromium } from './test-helpers.ts';

const pki = await generateTestPki();
const genuine = await makeCardWithFault(undefined, { pki });
const clone = await makeCardWithFault('wrong-ca', { pki });

/** A face step that asks the customer to come closer and matches once the test lets it (the real engine has its own tests). */
class GatedFace implements FaceStep {
  private open: () => void = () => {};
  private gate = new Promise<void>((resolve) => (this.open = resolve));
  release(): void {
    this.open();
  }
  async run(_photo: Uint8Array, _frames: AsyncIterable<Frame>, options: FaceStepOptions = {}): Promise<FaceEvidence> {
    options.onGuidance?.({ code: 'move-closer', messageVi: 'Đưa mặt lại gần hơn' });
    await this.gate;
    this.gate = new Promise<void>((resolve) => (this.open = resolve));
    return { decision: 'match', reasons: [], liveness: null, similarity: 0.95, threshold: 0.92, quality: null, model: { name: 'gated', sha256: '' }, timings: {}, framesSeen: 5 };
  }
  async close(): Promise<void> {}
}

const text = (page: Page, selector: string) => page.locator(selector).textContent();

async function waitText(page: Page, selector: string, expected: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const seen = await text(page, selector);
    if (seen === expected) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${selector} to read "${expected}"; last saw "${seen}"`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every step label the page has shown since the last call, in order, repeats folded (recorded in the page, so none is missed). */
async function stepsShown(page: Page): Promise<string[]> {
  const all = await page.evaluate<string[]>('window.__steps.splice(0)');
  return all.filter((label, i) => label !== all[i - 1]);
}

test('real session: consecutive step numbers with and without the key step, a neutral rejection, and back to ready after resultMs', async () => {
  const cards = new SimulatedCardPort();
  const trust = new TrustStore();
  trust.add(genuine.publishedCsca);
  const face = new GatedFace();
  const session = new VerificationSession({
    config: parseConfig({ timeouts: { accessKeyMs: 10_000, resultMs: 500 } }),
    cards,
    trust,
    face,
    frames: () => (async function* () {})(),
    record: async () => {},
    log: { info() {}, warn() {}, error() {} },
  });
  session.start();
  const server = await startUiServer({ actions: session });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(server.url);
    await waitText(page, '#instruction', STATE_MESSAGES.idle);
    await page.evaluate(`window.__steps = [];
      new MutationObserver(() => window.__steps.push(document.getElementById('step').textContent))
        .observe(document.getElementById('step'), { childList: true, characterData: true, subtree: true });`);

    // The card first, then the key: the key step is step 1.
    cards.place(genuine);
    await waitText(page, '#step', 'Bước 1 · Khóa truy cập');
    session.submitAccessKey(genuine.persona.idNumber);
    await waitText(page, '#step', 'Bước 3 · Khuôn mặt');
    face.release();
    await waitText(page, '#result-title', 'Đã xác minh');
    assert.is(await text(page, '#holder-name'), genuine.persona.fullName);
    assert.is(await text(page, '#next-step'), 'Mời bạn nhận lại thẻ. Nhân viên sẽ hoàn tất thủ tục.');
    await waitText(page, '#instruction', STATE_MESSAGES.idle); // the session's result timeout, followed by the page
    assert.is(await page.locator('#result').isVisible(), false);
    assert.equal(await stepsShown(page), ['Bước 1 · Khóa truy cập', 'Bước 2 · Đọc chip', 'Bước 2 · Kiểm tra thẻ', 'Bước 3 · Khuôn mặt', 'Lưu kết quả', 'Kết quả', 'Sẵn sàng']);

    // The key typed before the card: reading is step 1. A clone fails the chip check and never reaches the face step.
    session.submitAccessKey(clone.persona.idNumber);
    cards.place(clone);
    await waitText(page, '#result-title', 'Không xác minh được');
    assert.is(await text(page, '#outcome'), 'Không xác minh được thẻ — vui lòng liên hệ nhân viên');
    assert.not.match((await page.locator('body').innerText()), /sao chép|giả|chứng thư/);
    await waitText(page, '#instruction', STATE_MESSAGES.idle);
    assert.equal(await stepsShown(page), ['Bước 1 · Đọc chip', 'Bước 1 · Kiểm tra thẻ', 'Lưu kết quả', 'Kết quả', 'Sẵn sàng']);
    assert.equal(problems, []);
  } finally {
    await browser.close();
    await server.close();
    await session.stop();
  }
});

test.run();
