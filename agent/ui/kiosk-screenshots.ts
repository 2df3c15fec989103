/**
 * npm run screenshots: the customer's screen in its main states, as PNGs for the README (agent/ui/screenshots/).
 * The same scenes the browser tests walk (kiosk-scenes.ts), a drawn face as the camera, headless Chromium.
 *   node --import tsx agent/ui/kiosk-screenshots.ts [--out DIR]
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { PreviewTap } from '../run/preview.ts';
import { FakeSession } from './fake-session.ts';
import { kioskScenes, waitUntil } from './kiosk-scenes.ts';
import { UI_TEXT } from './public/strings.js';
import { startUiServer } from './server.ts';
import { launchChromium } from './test-helpers.ts';

/** The README shows these at 1280×800; the face step at 800×480 too, the smallest screen it must fit. */
const WANTED = new Set(['idle', 'access-key', 'reading-chip', 'face', 'result-verified', 'result-card']);
const SMALL = new Set(['face']);

const at = process.argv.indexOf('--out');
const out = at > 0 ? process.argv[at + 1]! : join(import.meta.dirname, 'screenshots');
mkdirSync(out, { recursive: true });

/** A palette PNG: a quarter of the size for these flat screens, small enough to keep in the repository. */
async function shoot(page: Page, file: string): Promise<void> {
  await sharp(await page.screenshot()).png({ palette: true, effort: 10 }).toFile(file);
}

const fake = new FakeSession();
const tap = new PreviewTap();
const server = await startUiServer({ actions: fake, kiosk: { preview: tap } });
const browser = await launchChromium();
const written: string[] = [];
try {
  for (const size of [
    { width: 1280, height: 800, names: WANTED, suffix: '' },
    { width: 800, height: 480, names: SMALL, suffix: '-800x480' },
  ]) {
    // Reduced motion: the card picture stands still, so the same page makes the same PNG.
    const page = await (await browser.newContext({ viewport: { width: size.width, height: size.height }, reducedMotion: 'reduce' })).newPage();
    await page.goto(server.url);
    const { scenes, stopFace } = await kioskScenes(fake, tap, [640]);
    try {
      for (const scene of scenes) {
        await scene.enter();
        await scene.shown(page);
        if (!size.names.has(scene.name)) continue;
        const file = join(out, `kiosk-${scene.name}${size.suffix}.png`);
        await shoot(page, file);
        written.push(file);
      }
    } finally {
      await stopFace();
    }
    if (size.suffix === '') {
      fake.emit({ state: 'offline', messageVi: UI_TEXT.outOfService });
      await waitUntil(page, `document.body.dataset.state === 'offline'`);
      const file = join(out, 'kiosk-out-of-service.png');
      await shoot(page, file);
      written.push(file);
    }
    await page.context().close();
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(`kiosk screenshots:\n${written.map((f) => `  ${f}`).join('\n')}`);
