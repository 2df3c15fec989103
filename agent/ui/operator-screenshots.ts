/**
 * Screenshots of the operator page for reviewers and the README: the recent results with both pictures and the
 * day's list, at 800×480 and 1280×800, from made-up customers (drawn faces, fake names and ID numbers) recorded
 * in a throw-away register. `npm run screenshots:operator` writes agent/ui/screenshots/operator-*.png; the kiosk's
 * screenshot script may call operatorScreenshots(dir) as well.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Register } from '../register/register.ts';
import { operatorActions } from '../run/operator-actions.ts';
import type { VerificationRecord } from '../session/record.ts';
import { FakeSession, sampleRecord } from './fake-session.ts';
import { chipPhotoJp2, frameJpeg } from './operator-test-support.ts';
import { startUiServer } from './server.ts';
import { launchChromium } from './test-helpers.ts';

export const SCREEN_SIZES = [{ width: 800, height: 480 }, { width: 1280, height: 800 }] as const;

/** Made-up customers: a verified one, a face that did not match, a card not proven genuine. */
function customers(): VerificationRecord[] {
  const verified = sampleRecord('verified', { fullName: 'Nguyễn Văn Mẫu' });
  verified.identity!.idNumber = '001099000111';
  verified.chip = { accessProtocol: 'PACE', verdict: 'genuine', passive: 'passed', active: 'passed', chip: 'passed', photoSha256: null };
  verified.face = {
    decision: 'match', reasons: [], similarity: 0.82, threshold: 0.55, framesSeen: 31, timings: {}, model: null,
    liveness: { decision: 'live', passiveScore: 0.98, passiveFrames: 12, challenge: 'blink', challengePassed: true, reasons: [] },
    quality: { acceptable: true, guidance: 'ok', messageVi: 'Giữ yên', score: 0.8 },
  };
  const noMatch = sampleRecord('rejected', { fullName: 'Trần Thị Thử', reasons: [{ code: 'face-no-match', messageVi: 'Khuôn mặt không khớp với ảnh trong chip' }] });
  noMatch.identity!.idNumber = '079199000222';
  noMatch.chip = { ...verified.chip };
  noMatch.face = { ...verified.face, decision: 'no-match', reasons: ['face-no-match'], similarity: 0.31 };
  const card = sampleRecord('rejected', {
    fullName: 'Lê Văn Ví Dụ',
    reasons: [
      { code: 'chip-not-genuine', messageVi: 'Chip không chứng minh được là chip thật' },
      { code: 'CA_FAILED', messageVi: 'Chip không chứng minh được khóa xác thực chip: nghi chip sao chép' },
    ],
  });
  card.identity!.idNumber = '048200000333';
  card.chip = { accessProtocol: 'PACE', verdict: 'not-genuine', passive: 'passed', active: 'not-checked', chip: 'failed', photoSha256: null };
  return [card, noMatch, verified];
}

export async function operatorScreenshots(outDir: string): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-operator-shots-'));
  const register = Register.open(join(dir, 'register.db'), { deviceKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, outboxCapacity: 100, dataKey: new Uint8Array(randomBytes(32)) });
  const fake = new FakeSession();
  const quiet = { info() {}, warn() {}, error() {} };
  const server = await startUiServer({ actions: operatorActions(fake, () => register, quiet), day: register, timeZone: 'Asia/Ho_Chi_Minh' });
  const browser = await launchChromium();
  const written: string[] = [];
  try {
    const photos = { chip: await chipPhotoJp2(), bestFrame: await frameJpeg() };
    for (const record of customers()) {
      register.append(record, { frameJpeg: photos.bestFrame, events: [] });
      fake.emit({ state: 'result', verificationId: record.id, record, photos });
    }
    for (const size of SCREEN_SIZES) {
      const page = await (await browser.newContext({ viewport: size, timezoneId: 'Asia/Ho_Chi_Minh', locale: 'vi-VN' })).newPage();
      await page.goto(`${server.url}/operator`);
      await page.locator('#results tbody tr[data-id]').nth(2).waitFor();
      // Every picture decoded before the shot (polled from here: the page's CSP forbids evaluating a string in it).
      for (const img of await page.locator('#results img').all()) {
        for (const end = Date.now() + 10_000; (await img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)) === 0; ) {
          if (Date.now() > end) throw new Error('a picture on the operator page did not load');
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const recent = join(outDir, `operator-recent-${size.width}x${size.height}.png`);
      await page.screenshot({ path: recent });
      await page.click('#tab-day');
      await page.locator('#day-list tbody tr[data-id]').nth(2).waitFor();
      const day = join(outDir, `operator-day-${size.width}x${size.height}.png`);
      await page.screenshot({ path: day });
      written.push(recent, day);
      await page.context().close();
    }
    return written;
  } finally {
    await browser.close();
    await server.close();
    register.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = resolve(process.argv[2] ?? join(import.meta.dirname, 'screenshots'));
  for (const file of await operatorScreenshots(out)) console.log(file);
}
