// HttpMjpegSource against a local multipart/x-mixed-replace server that goes away and comes back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isXacminhError, type XacminhError } from '../errors.ts';
import { HttpMjpegSource } from './http-mjpeg-source.ts';
import { lfwJpegs } from './test-media.ts';
import type { Frame } from './types.ts';

const photos = lfwJpegs(5);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await wait(10);
  }
}

type Mode = 'stream' | 'silent' | '404';

/** A tiny IP camera: /video streams the photos at 30 fps; can go silent, vanish, and return on the same port. */
class FakeIpCamera {
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private timers = new Set<NodeJS.Timeout>();
  port = 0;
  mode: Mode = 'stream';
  connections = 0;

  async listen(): Promise<void> {
    const server = http.createServer((req, res) => {
      this.connections++;
      if (this.mode === '404' || req.url !== '/video') {
        res.writeHead(404).end('no');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=frame', 'Cache-Control': 'no-cache' });
      if (this.mode === 'silent') return;
      let i = 0;
      const timer = setInterval(() => {
        const jpeg = photos[i++ % photos.length]!;
        res.write(`--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`);
        res.write(jpeg);
        res.write('\r\n');
      }, 33);
      this.timers.add(timer);
      res.on('close', () => {
        clearInterval(timer);
        this.timers.delete(timer);
      });
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** The camera is unplugged: listening stops and open streams are cut. */
  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise((resolve) => server.close(resolve));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

test('frames arrive; the camera vanishes → CAMERA_UNAVAILABLE and retries; it returns → frames again', async () => {
  const camera = new FakeIpCamera();
  await camera.listen();
  const source = new HttpMjpegSource({
    url: `http://127.0.0.1:${camera.port}/video`,
    stallTimeoutMs: 500,
    backoff: { initialMs: 50, maxMs: 200 },
  });
  const faults: XacminhError[] = [];
  source.on('fault', (e) => faults.push(e));
  await source.start();
  const it = source[Symbol.asyncIterator]();
  const first: Frame[] = [];
  for (let k = 0; k < 5; k++) first.push((await it.next()).value!);
  assert.ok(first.every((f) => f.width === 250 && f.height === 250 && f.jpeg!.length > 1000));

  await camera.close();
  await until(() => faults.length >= 2, 5000, 'faults while the camera is away');
  assert.ok(faults.every((e) => isXacminhError(e, 'CAMERA_UNAVAILABLE') || isXacminhError(e, 'CAMERA_STALLED')), faults.map(String).join());
  assert.ok(faults.some((e) => e.evidence.reason === 'connection-error' || e.evidence.reason === 'ended'));
  const restartsWhileAway = source.stats.restarts;
  assert.ok(restartsWhileAway >= 1);

  await camera.listen(); // same port
  const before = source.stats.received;
  await until(() => source.stats.received >= before + 5, 5000, 'frames after the camera returned');
  const next = await it.next();
  assert.is(next.value!.width, 250);
  await source.stop();
  assert.is((await it.next()).done, true);
  await camera.close();
});

test('a connected camera that sends nothing is CAMERA_STALLED; a 404 is CAMERA_UNAVAILABLE with the status', async () => {
  const camera = new FakeIpCamera();
  camera.mode = 'silent';
  await camera.listen();
  const source = new HttpMjpegSource({ url: `http://127.0.0.1:${camera.port}/video`, stallTimeoutMs: 200, startupTimeoutMs: 300, backoff: { initialMs: 20, maxMs: 50 } });
  const faults: XacminhError[] = [];
  source.on('fault', (e) => faults.push(e));
  await source.start();
  await until(() => faults.length >= 1, 3000, 'stall');
  assert.ok(isXacminhError(faults[0], 'CAMERA_STALLED'), String(faults[0]));
  camera.mode = '404';
  await until(() => faults.some((e) => e.evidence.status === 404), 3000, '404 fault');
  assert.ok(faults.some((e) => isXacminhError(e, 'CAMERA_UNAVAILABLE') && e.evidence.reason === 'http-status'));
  await source.stop();
  const connections = camera.connections;
  await wait(150);
  assert.is(camera.connections, connections, 'no reconnects after stop()');
  await camera.close();
});

test('credentials in the URL stay out of errors; bad URLs are INVALID_INPUT', async () => {
  const source = new HttpMjpegSource({ url: 'http://admin:secret@127.0.0.1:1/video', backoff: { initialMs: 10_000 } });
  const faults: XacminhError[] = [];
  source.on('fault', (e) => faults.push(e));
  await source.start();
  await until(() => faults.length >= 1, 3000, 'refused');
  await source.stop();
  assert.ok(isXacminhError(faults[0], 'CAMERA_UNAVAILABLE'));
  assert.not.match(JSON.stringify(faults[0]!.evidence) + faults[0]!.message, /secret/);
  assert.throws(() => new HttpMjpegSource({ url: 'rtsp://cam/1' }), (e: unknown) => isXacminhError(e, 'INVALID_INPUT'));
  assert.throws(() => new HttpMjpegSource({ url: 'not a url' }), (e: unknown) => isXacminhError(e, 'INVALID_INPUT'));
});

test.run();
