// The customer's screen in headless Chromium at 800×480 and 1280×800: every state fits and says what to do, the
// camera preview plays inside the face guide and stops with the step, the out-of-service screen when the agent
// stops, and the spoken prompt of each state. Screenshots of each state go to .artifacts/screenshots/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PreviewTap } from '../run/preview.ts';
import { FakeSession, sampleRecord } from './fake-session.ts';
import { kioskScenes, offScreen, waitUntil } from './kiosk-scenes.ts';
import { drawnFaces, runFaceStep } from './kiosk-test-support.ts';
import { CHALLENGE_TEXT, GUIDANCE_TEXT, KIOSK_HINT, NOTICE_TEXT, UI_TEXT } from './public/strings.js';
import { KioskNoticeBoard } from '../run/kiosk-notice.ts';
import { startUiServer, type UiServer, type UiServerOptions } from './server.ts';
import { CHROMIUM_PATH, launchChromium } from './test-helpers.ts';

const SIZES = [
  { width: 800, height: 480 },
  { width: 1280, height: 800 },
];
const SHOTS = join(import.meta.dirname, '..', '..', '.artifacts', 'screenshots');

/** A kiosk browser as the terminal runs it (autoplay allowed), a server with a preview tap, one page. */
async function withKiosk(
  options: Partial<UiServerOptions>,
  run: (ctx: { page: Page; server: UiServer; fake: FakeSession; tap: PreviewTap }) => Promise<void>,
  { viewport = SIZES[1]!, allowConsole }: { viewport?: { width: number; height: number }; allowConsole?: RegExp } = {},
): Promise<void> {
  const fake = new FakeSession();
  const tap = new PreviewTap();
  const server = await startUiServer({ actions: fake, ...options, kiosk: { preview: tap, ...options.kiosk } });
  let browser: Browser | undefined;
  try {
    if (!existsSync(CHROMIUM_PATH)) await launchChromium(); // throws its clear message when Chromium is missing
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'] });
    const page = await (await browser.newContext({ viewport })).newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !allowConsole?.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    await run({ page, server, fake, tap });
    assert.equal(problems, [], 'the page logged errors');
  } finally {
    await browser?.close();
    await server.close();
  }
}

async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last saw ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const health = async (url: string) => (await (await fetch(`${url}/healthz`)).json()) as { previewClients: number; previewPictures: number };
const naturalWidth = (page: Page) => page.evaluate<number>("document.getElementById('preview').naturalWidth");

for (const size of SIZES) {
  test(`every state at ${size.width}×${size.height} fits the screen, says what to do, and is saved as a screenshot; out of service when the agent stops`, async () => {
    mkdirSync(SHOTS, { recursive: true });
    await withKiosk({}, async ({ page, server, fake, tap }) => {
      await page.goto(server.url);
      const { scenes, stopFace } = await kioskScenes(fake, tap);
      try {
        for (const scene of scenes) {
          await scene.enter();
          await scene.shown(page);
          const where = `${scene.name} at ${size.width}×${size.height}`;
          assert.equal(await offScreen(page), [], `${where}: all on screen, no scrolling`);
          const hint = KIOSK_HINT[(await page.evaluate<string>('document.body.dataset.state')) as keyof typeof KIOSK_HINT];
          if (hint) assert.is(await page.locator('#hint').textContent(), hint, `${where}: what to do now`);
          await page.screenshot({ path: join(SHOTS, `kiosk-${scene.name}-${size.width}x${size.height}.png`) });
        }
      } finally {
        await stopFace();
      }
      // Every guidance and challenge drawn on the picture fits too (the longest words on the smallest screen).
      for (const code of [...Object.keys(GUIDANCE_TEXT), ...Object.keys(CHALLENGE_TEXT)]) {
        fake.emit({ state: 'face', verificationId: 'v-guidance', guidance: code, messageVi: 'Nhìn thẳng vào camera' });
        await waitUntil(page, `document.getElementById('guidance').dataset.kind === ${JSON.stringify(code)}`, `guidance ${code}`);
        assert.equal(await offScreen(page), [], `guidance ${code} at ${size.width}×${size.height}`);
      }
      await server.close(); // the agent stops
      await poll(() => page.evaluate<string>('document.body.dataset.state'), (s) => s === 'out-of-service', 'the out-of-service screen');
      assert.is(await page.locator('#instruction').textContent(), UI_TEXT.outOfService);
      assert.is(await page.locator('#result').isVisible(), false, 'no old result left up');
      assert.equal(await offScreen(page), []);
      await page.screenshot({ path: join(SHOTS, `kiosk-out-of-service-${size.width}x${size.height}.png`) });
    }, { viewport: size, allowConsole: /ERR_CONNECTION_REFUSED/ });
  });
}

test('the camera preview: new pictures arrive in the mirrored oval with the guidance on it; it stops when the step ends and when the page leaves the step', async () => {
  await withKiosk({}, async ({ page, server, fake, tap }) => {
    await page.goto(server.url);
    await page.locator('#picture-card').waitFor({ state: 'visible' });
    assert.is(await page.getAttribute('#preview', 'src'), null, 'no stream before the face step');
    const pictures = await drawnFaces([640, 560], 480);

    fake.emit({ state: 'face', verificationId: 'v1', guidance: 'too-dark', messageVi: 'Nhìn thẳng vào camera' });
    const step = runFaceStep(tap, pictures);
    try {
      const widths = new Set<number>();
      await poll(async () => widths.add(await naturalWidth(page)).size, () => widths.has(640) && widths.has(560), 'two different pictures in the <img>');
      assert.ok((await health(server.url)).previewPictures >= 2);
      assert.is(await page.evaluate<string>("getComputedStyle(document.getElementById('preview')).transform"), 'matrix(-1, 0, 0, 1, 0, 0)', 'mirrored');
      const [oval, img, guidance] = await Promise.all(['.face-frame', '#preview', '#guidance'].map((s) => page.locator(s).boundingBox()));
      assert.ok(oval && img && guidance);
      assert.ok(img.x >= oval.x - 1 && img.x + img.width <= oval.x + oval.width + 1 && img.y >= oval.y - 1 && img.y + img.height <= oval.y + oval.height + 1, 'the picture is inside the guide');
      assert.ok(guidance.y > oval.y && guidance.y + guidance.height < oval.y + oval.height, 'the guidance is drawn on the picture');
      assert.is(await page.locator('#guidance').textContent(), 'Chỗ này tối quá, bật thêm đèn');

      // The face step ends (decided): the server ends the stream, then the page leaves the step.
      await step.stop();
      await poll(() => health(server.url), (h) => h.previewClients === 0, 'the server to end the stream with the step');
      fake.emit({ state: 'deciding', verificationId: 'v1' });
      await poll(() => page.getAttribute('#preview', 'src'), (src) => src === null, 'the page to drop the stream');
      assert.is(await page.locator('#face').isVisible(), false);
    } finally {
      await step.stop();
    }

    // The page leaves the step while frames still flow (the clerk cancelled): the page closes its stream.
    fake.emit({ state: 'face', verificationId: 'v2' });
    const again = runFaceStep(tap, pictures);
    try {
      await poll(() => naturalWidth(page), (w) => w > 0, 'a picture in the second step');
      assert.is((await health(server.url)).previewClients, 1);
      fake.emit({ state: 'idle' });
      await poll(() => health(server.url), (h) => h.previewClients === 0, 'the page to close its stream');
      assert.ok(tap.active, 'frames were still flowing to the face step');
    } finally {
      await again.stop();
    }
  });
});

for (const size of SIZES) {
  test(`a site flow's "counter closed" notice covers the screen at ${size.width}×${size.height}, in the flow's words or ours, and comes down`, async () => {
    const board = new KioskNoticeBoard();
    await withKiosk({ notice: board }, async ({ page, server }) => {
      await page.goto(server.url);
      await page.locator('#instruction').waitFor();
      assert.ok(await page.locator('#notice').isHidden(), 'no notice at first');
      board.set({ notice: 'counter-closed', messageVi: 'Quầy đã đóng cửa. Giờ mở cửa: 08:00 – 21:00.' });
      await page.locator('#notice').waitFor({ state: 'visible' });
      assert.is(await page.locator('#notice-text').textContent(), 'Quầy đã đóng cửa. Giờ mở cửa: 08:00 – 21:00.');
      assert.equal(await offScreen(page), [], 'the notice fits');
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, `kiosk-counter-closed-${size.width}x${size.height}.png`) });
      board.set({ notice: null });
      await page.locator('#notice').waitFor({ state: 'hidden' });
      board.set({ notice: 'counter-closed' });
      await page.locator('#notice').waitFor({ state: 'visible' });
      assert.is(await page.locator('#notice-text').textContent(), NOTICE_TEXT['counter-closed'], 'our words when the flow sends none');
    }, { viewport: size });
  });
}

test('spoken prompts: the page plays the clip of each new state once, and none for a progress update', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-audio-'));
  try {
    const clips = new Map<string, string>();
    for (const id of ['idle', 'access-key', 'reading-chip', 'face', 'turn-left', 'verified', 'not-verified', 'out-of-service']) {
      clips.set(id, join(dir, `${id}.wav`));
      writeFileSync(clips.get(id)!, silentWav());
    }
    await withKiosk({ kiosk: { audio: clips } }, async ({ page, server, fake }) => {
      const asked: string[] = [];
      page.on('request', (request) => {
        const match = /\/audio\/([a-z-]+)\.wav$/.exec(request.url());
        if (match && asked.at(-1) !== match[1]) asked.push(match[1]!); // the media loader may ask twice for one clip
      });
      await page.goto(server.url);
      await poll(async () => asked.length, (n) => n === 1, 'the ready prompt');
      const steps: [Parameters<FakeSession['emit']>[0], string | undefined][] = [
        [{ state: 'access-key', verificationId: 'v1' }, 'access-key'],
        [{ state: 'reading-chip', verificationId: 'v1', progress: 0.2 }, 'reading-chip'],
        [{ state: 'reading-chip', verificationId: 'v1', progress: 0.7 }, undefined],
        [{ state: 'face', verificationId: 'v1', guidance: 'turn-left' }, 'turn-left'],
        [{ state: 'result', verificationId: 'v1', record: sampleRecord('rejected', { reasons: [{ code: 'face-no-match', messageVi: 'x' }] }) }, 'not-verified'],
        [{ state: 'idle' }, 'idle'],
      ];
      const expected = ['idle'];
      for (const [update, clip] of steps) {
        fake.emit(update);
        await waitUntil(page, `document.body.dataset.state === ${JSON.stringify(update.state)}`);
        if (clip) expected.push(clip);
        await poll(async () => asked.length, (n) => n >= expected.length, `the clip for ${update.state}`);
      }
      assert.equal(asked, expected);
    }, { allowConsole: /preview\.mjpeg|404/ });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** 0.1 s of silence, 8 kHz mono 16-bit PCM. */
function silentWav(): Buffer {
  const samples = 800;
  const b = Buffer.alloc(44 + samples * 2);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(36 + samples * 2, 4);
  b.write('WAVEfmt ', 8, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(16000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(samples * 2, 40);
  return b;
}

test.run();
