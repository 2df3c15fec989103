/**
 * The one-file verifier page on a large export with frames: the page's own code (verify.ts, the same that
 * runs in the browser) in Node on a file-backed Blob, export-verify.ts on the same file, and the page itself
 * in headless Chromium (choose the file, press Kiểm tra, wait for the verdict).
 *
 *   node --import tsx bench/verifier-page.ts [--entries 5000] [--no-browser]
 *
 * The register is filled with format-2 (sealed) entries, each with a real JPEG frame (20 drawn portraits,
 * reused), then exported with --frames by the real exporter.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, openAsBlob, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { drawnPortrait } from '../drivers/sim/portrait.ts';
import { sampleRecord } from '../agent/events/events-test-support.ts';
import { readExportFile, writeRegisterExport } from '../agent/register/export.ts';
import { Register } from '../agent/register/register.ts';
import { verifierPageHtml } from '../agent/register/verifier-page/html.ts';
import { parseDeviceKeys } from '../agent/register/verifier-page/keys.ts';
import { verifyExportFile } from '../agent/register/verifier-page/verify.ts';
import { launchChromium } from '../agent/ui/test-helpers.ts';
import { arg } from './support.ts';

const entries = Number(arg('entries', '5000'));
const browser = !process.argv.includes('--no-browser');
const dir = mkdtempSync(join(tmpdir(), 'xacminh-bench-verifier-page-'));
const device = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = device.publicKey.export({ type: 'spki', format: 'pem' }).toString();

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
async function timed<T>(what: string, run: () => Promise<T> | T): Promise<T> {
  peakRss = process.memoryUsage().rss;
  const start = performance.now();
  const result = await run();
  console.log(`${what}: ${((performance.now() - start) / 1000).toFixed(2)} s, peak RSS ${mb(peakRss)} MB`);
  return result;
}

try {
  const path = join(dir, 'register.db');
  const frames = Array.from({ length: 20 }, (_, i) => drawnPortrait(i + 1));
  await timed(`fill ${entries} entries`, () => {
    const register = Register.open(path, { deviceKey: device.privateKey, dataKey: new Uint8Array(randomBytes(32)), outboxCapacity: entries + 10 });
    for (let i = 0; i < entries; i++) {
      const record = sampleRecord();
      register.append(record, { frameJpeg: frames[i % frames.length]!, events: [] });
    }
    register.close();
  });
  const out = join(dir, 'export.jsonl');
  await timed('export --frames', () => {
    const register = Register.open(path, { deviceKey: device.privateKey, outboxCapacity: 0, readOnly: true });
    writeRegisterExport(out, register, { signingKey: device.privateKey, frames: true });
    register.close();
  });
  console.log(`export file: ${mb(statSync(out).size)} MB, ${entries} entries with frames`);
  const node = await timed('export-verify (Node, node:crypto)', () => readExportFile(out, { trustedPublicKeys: [device.publicKey] }));
  const keys = await parseDeviceKeys(pem, 'bench');
  const page = await timed('page logic in Node (WebCrypto, file-backed Blob, entries not kept)', async () => verifyExportFile(await openAsBlob(out), keys));
  if (!node.report.ok || page.verdict !== 'intact') throw new Error(`expected both intact: node ${node.report.ok}, page ${page.verdict}`);
  if (browser) {
    const html = await verifierPageHtml();
    const chromium = await launchChromium();
    try {
      const tab = await chromium.newPage();
      await tab.route('**/*', (route) => route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }));
      await tab.goto('https://verifier.invalid/verify.html');
      await tab.setInputFiles('#export-file', out);
      await tab.fill('#key-text', pem);
      await timed('page in headless Chromium (click to verdict; entries and frames kept for the table)', async () => {
        await tab.click('#verify');
        await tab.waitForSelector('#result:not([hidden])', { timeout: 600_000 });
      });
      const verdict = await tab.getAttribute('#verdict', 'data-verdict');
      const heap = await tab.evaluate(() => (globalThis as unknown as { performance: { memory?: { usedJSHeapSize: number } } }).performance.memory?.usedJSHeapSize ?? NaN);
      console.log(`Chromium verdict: ${verdict}; page JS heap after: ${mb(heap)} MB (Node RSS above is this process, not the browser's)`);
    } finally {
      await chromium.close();
    }
  }
} finally {
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
}
