/**
 * The kiosk's states one after another, as a customer meets them, for the browser tests (kiosk-states.test.ts)
 * and the README's screenshots (kiosk-screenshots.ts). Each scene puts the session in a state and waits until
 * the page shows it; the camera pictures are drawn faces, not people.
 */
import type { Page } from 'playwright-core';
import type { PreviewTap } from '../run/preview.ts';
import type { FakeSession } from './fake-session.ts';
import { sampleRecord } from './fake-session.ts';
import { drawnFaces, runFaceStep } from './kiosk-test-support.ts';
import { CHALLENGE_TEXT, CUSTOMER_OUTCOME, KIOSK_HINT, STATE_TEXT } from './public/strings.js';

export interface Scene {
  name: string;
  /** Puts the session (and the camera) in the state. */
  enter(): void | Promise<void>;
  /** Resolves once the page shows it. */
  shown(page: Page): Promise<void>;
}

const TIMEOUT = 10_000;
const visible = (page: Page, selector: string) => page.locator(selector).waitFor({ state: 'visible', timeout: TIMEOUT });
// Page-side code as strings (the project's TypeScript has no DOM types), evaluated over CDP: the pages' CSP
// forbids eval, so page.waitForFunction with a string cannot run there.
export async function waitUntil(page: Page, expression: string, what = expression): Promise<void> {
  const end = Date.now() + TIMEOUT;
  while (!(await page.evaluate<boolean>(expression))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
const reads = (page: Page, selector: string, text: string) => waitUntil(page, `document.querySelector(${JSON.stringify(selector)})?.textContent === ${JSON.stringify(text)}`, `${selector} to read "${text}"`);
/** The preview <img> shows a picture (a decoded frame of the stream). */
const pictureShown = (page: Page) => waitUntil(page, `!document.getElementById('preview').hidden && document.getElementById('preview').naturalWidth > 0`, 'a camera picture');

/**
 * `stopFace` is called before leaving the face step: the face step lets go of the frames. `widths`: the camera
 * pictures' widths in turn (two, so a test sees new pictures arrive; one, for screenshots that do not change).
 */
export async function kioskScenes(fake: FakeSession, tap: PreviewTap, widths = [640, 600]): Promise<{ scenes: Scene[]; stopFace(): Promise<void> }> {
  const pictures = await drawnFaces(widths, 480);
  let face: ReturnType<typeof runFaceStep> | undefined;
  const stopFace = async () => {
    await face?.stop();
    face = undefined;
  };
  const id = 'v-screens';
  const scenes: Scene[] = [
    { name: 'idle', enter: () => void fake.emit({ state: 'idle' }), shown: async (page) => (await reads(page, '#hint', KIOSK_HINT.idle!), await visible(page, '#picture-card')) },
    { name: 'access-key', enter: () => void fake.emit({ state: 'access-key', verificationId: id }), shown: (page) => visible(page, '#picture-qr') },
    { name: 'reading-chip', enter: () => void fake.emit({ state: 'reading-chip', verificationId: id, progress: 0.6 }), shown: (page) => reads(page, '#chip-percent', '60%') },
    {
      // The face tracked while the card is read (face.overlap): the picture comes during the read.
      name: 'reading-chip-camera',
      enter: () => {
        face ??= runFaceStep(tap, pictures);
        fake.emit({ state: 'reading-chip', verificationId: id, progress: 0.8 });
      },
      shown: async (page) => (await reads(page, '#chip-percent', '80%'), await pictureShown(page)),
    },
    { name: 'checking-authenticity', enter: () => void fake.emit({ state: 'checking-authenticity', verificationId: id }), shown: (page) => reads(page, '#instruction', STATE_TEXT['checking-authenticity'].instruction) },
    {
      name: 'face',
      enter: () => {
        fake.emit({ state: 'face', verificationId: id });
        face ??= runFaceStep(tap, pictures);
        fake.emit({ state: 'face', verificationId: id, guidance: 'move-closer', messageVi: STATE_TEXT.face.instruction });
      },
      shown: async (page) => (await reads(page, '#guidance', 'Đưa mặt lại gần hơn'), await pictureShown(page)),
    },
    { name: 'face-challenge', enter: () => void fake.emit({ state: 'face', verificationId: id, guidance: 'turn-left', messageVi: CHALLENGE_TEXT['turn-left']! }), shown: (page) => reads(page, '#challenge', CHALLENGE_TEXT['turn-left']!) },
    {
      name: 'deciding',
      enter: async () => {
        await stopFace();
        fake.emit({ state: 'deciding', verificationId: id });
      },
      shown: (page) => visible(page, '#wait'),
    },
    {
      name: 'result-verified',
      enter: () => void fake.emit({ state: 'result', verificationId: id, record: sampleRecord('verified', { fullName: 'Trần Thị Mẫu Thử' }) }),
      shown: (page) => reads(page, '#next-step', CUSTOMER_OUTCOME.verified.next),
    },
    {
      name: 'result-card',
      enter: () => void fake.emit({ state: 'result', verificationId: 'v-2', record: sampleRecord('rejected', { reasons: [{ code: 'chip-not-genuine', messageVi: 'x' }] }) }),
      shown: (page) => reads(page, '#outcome', CUSTOMER_OUTCOME.card.text),
    },
    {
      name: 'result-try-again',
      enter: () => void fake.emit({ state: 'result', verificationId: 'v-3', record: sampleRecord('rejected', { reasons: [{ code: 'face-no-face', messageVi: 'x' }] }) }),
      shown: (page) => reads(page, '#outcome', CUSTOMER_OUTCOME['face-again'].text),
    },
  ];
  return { scenes, stopFace };
}

/** Visible parts of the page that leave the screen, and whether the page scrolls: empty when it all fits. */
export function offScreen(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const out = [];
    const vw = innerWidth, vh = innerHeight;
    for (const el of document.querySelectorAll('main, main *, .connection')) {
      if (el.closest('svg') && el.tagName !== 'svg') continue; // drawn parts move inside their picture
      if (el.closest('.wait') && !el.classList.contains('wait')) continue; // the bar slides inside its box
      if (!el.getClientRects().length) continue; // hidden
      const r = el.getBoundingClientRect();
      if (r.left < -0.5 || r.top < -0.5 || r.right > vw + 0.5 || r.bottom > vh + 0.5) out.push((el.id || el.className || el.tagName) + ' ' + JSON.stringify([r.left, r.top, r.right, r.bottom].map(Math.round)));
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflow !== 'visible') out.push((el.id || el.className) + ' cuts its content');
    }
    const root = document.documentElement;
    if (root.scrollHeight > vh || root.scrollWidth > vw) out.push('the page scrolls ' + root.scrollWidth + '×' + root.scrollHeight);
    return out;
  })()`);
}
