// The kiosk's preview and audio routes over real HTTP on 127.0.0.1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { PreviewTap } from '../run/preview.ts';
import { drawnFaces, mjpegReader, runFaceStep } from './kiosk-test-support.ts';
import { MAX_PREVIEW_CLIENTS, PREVIEW_PATH } from './preview-route.ts';
import { lanAddress, until, withServer } from './test-helpers.ts';

const health = async (url: string) => (await (await fetch(`${url}/healthz`)).json()) as { previewClients: number; previewPictures: number };

async function healthUntil(url: string, done: (h: Awaited<ReturnType<typeof health>>) => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!done(await health(url))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('the preview sends the face step\'s newest picture as MJPEG, shrinks a wide one, and ends when the step lets go', async () => {
  const tap = new PreviewTap();
  const [small] = await drawnFaces([320]);
  const [wide] = await drawnFaces([1280], 720);
  await withServer({ kiosk: { preview: tap } }, async ({ url }) => {
    const abort = new AbortController();
    const response = await fetch(`${url}${PREVIEW_PATH}`, { signal: abort.signal });
    assert.is(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^multipart\/x-mixed-replace; boundary=/);
    assert.is(response.headers.get('cache-control'), 'no-store');
    const reader = mjpegReader(response);
    await until(() => tap.listenerCount('end') > 0, 1000, 'the route listening');
    assert.is(reader.parts.length, 0, 'no face step, no picture');
    assert.equal(await (await fetch(`${url}/kiosk.json`)).json(), { preview: true, clips: [] });

    const step = runFaceStep(tap, [small!]);
    await until(() => reader.parts.length >= 1, 5000, 'a picture');
    assert.is(reader.parts[0]!.type, 'image/jpeg');
    assert.ok(Buffer.from(small!.jpeg).equals(reader.parts[0]!.body), 'a small frame goes as the camera sent it');
    await step.stop();
    await until(() => reader.ended, 5000, 'the stream to end with the step');
    assert.match(reader.rest, /--xacminh-frame--/);
    assert.is((await health(url)).previewClients, 0);

    // A 1280×720 camera: pictures leave at 640 px wide.
    const again = mjpegReader(await fetch(`${url}${PREVIEW_PATH}`));
    const wideStep = runFaceStep(tap, [wide!]);
    await until(() => again.parts.length >= 1, 5000, 'a shrunk picture');
    const meta = await sharp(again.parts[0]!.body).metadata();
    assert.equal([meta.format, meta.width, meta.height], ['jpeg', 640, 360]);
    await wideStep.stop();
    await until(() => again.ended, 5000, 'the second stream to end');
    abort.abort();
  });
});

test(`at most ${MAX_PREVIEW_CLIENTS} previews; a page that leaves lets its place go; only GET`, async () => {
  const tap = new PreviewTap();
  await withServer({ kiosk: { preview: tap } }, async ({ url }) => {
    const aborts = Array.from({ length: MAX_PREVIEW_CLIENTS }, () => new AbortController());
    const open = await Promise.all(aborts.map((a) => fetch(`${url}${PREVIEW_PATH}`, { signal: a.signal })));
    assert.equal(open.map((r) => r.status), Array(MAX_PREVIEW_CLIENTS).fill(200));
    const refused = await fetch(`${url}${PREVIEW_PATH}`);
    assert.is(refused.status, 503);
    assert.is(((await refused.json()) as { messageVi: string }).messageVi, 'Quá nhiều màn hình đang theo dõi máy này — đóng bớt trang rồi thử lại');
    aborts[0]!.abort();
    await healthUntil(url, (h) => h.previewClients === MAX_PREVIEW_CLIENTS - 1, 'the closed page to leave');
    assert.is((await fetch(`${url}${PREVIEW_PATH}`, { method: 'POST' })).status, 405);
    for (const a of aborts) a.abort();
  });
});

test('beyond loopback the preview needs the operator token from another machine, as /events does', async () => {
  const lan = lanAddress();
  if (!lan) return void console.log('agent/ui/kiosk-routes.test.ts: no non-loopback interface: the LAN case is skipped');
  const tap = new PreviewTap();
  await withServer({ host: '0.0.0.0', operatorToken: 'preview-token-0123456789', kiosk: { preview: tap } }, async ({ port }) => {
    assert.is((await fetch(`http://${lan}:${port}${PREVIEW_PATH}`)).status, 401);
    assert.is((await fetch(`http://${lan}:${port}/kiosk.json`)).status, 401);
    const abort = new AbortController();
    const withToken = await fetch(`http://${lan}:${port}${PREVIEW_PATH}?token=preview-token-0123456789`, { signal: abort.signal });
    assert.is(withToken.status, 200);
    abort.abort();
    const local = new AbortController();
    assert.is((await fetch(`http://127.0.0.1:${port}${PREVIEW_PATH}`, { signal: local.signal })).status, 200, 'the kiosk on the terminal itself');
    local.abort();
  });
});

test('no preview configured: 404 and kiosk.json says so; audio: the list names the prepared clips and only those are served', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-audio-'));
  try {
    const file = join(dir, 'idle.wav');
    writeFileSync(file, 'RIFF-test-bytes');
    await withServer({ kiosk: { audio: new Map([['idle', file]]) } }, async ({ url }) => {
      assert.is((await fetch(`${url}${PREVIEW_PATH}`)).status, 404);
      assert.equal(await (await fetch(`${url}/kiosk.json`)).json(), { preview: false, clips: ['idle'] });
      const clip = await fetch(`${url}/audio/idle.wav`);
      assert.is(clip.status, 200);
      assert.is(clip.headers.get('content-type'), 'audio/wav');
      assert.is(await clip.text(), 'RIFF-test-bytes');
      assert.is((await fetch(`${url}/audio/face.wav`)).status, 404);
      assert.is((await fetch(`${url}/audio/..%2Fidle.wav`)).status, 404);
      assert.is((await health(url)).previewClients, undefined, 'no preview fields without a camera');
    });
    await withServer({}, async ({ url }) => {
      assert.equal(await (await fetch(`${url}/kiosk.json`)).json(), { preview: false, clips: [] }, 'no camera, audio off: no preview, nothing to play');
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
