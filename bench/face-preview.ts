/**
 * bench/face, part D (also on its own): does the kiosk's camera preview cost the face step anything?
 *   node --import tsx bench/face-preview.ts [--people N] [--runs N]
 *
 * Whole face steps (chip photo + a 10-frame 1280×720 clip paced at 10 fps like a camera, liveness off so every
 * frame is processed), alternately without and with the preview: the frames pass through the agent's PreviewTap
 * and an MJPEG client reads /preview.mjpeg from the real UI server on 127.0.0.1 (5 pictures a second, each
 * shrunk to 640 px by sharp). Same process, same engine, runs interleaved so drift hits both sides.
 * Per-frame cost = (detect incl. decode + quality + liveness) / frames seen, from the step's own timings.
 * "frames pulled" counts what the face step took from the camera: equal on both sides = the tap adds none.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Frame } from '../drivers/camera/types.ts';
import { LocalFaceStep } from '../models/face-step.ts';
import { PreviewTap } from '../agent/run/preview.ts';
import { FakeSession } from '../agent/ui/fake-session.ts';
import { startUiServer } from '../agent/ui/server.ts';
import { FACE_DATA } from '../models/test-faces.ts';

const FRAME_MS = 100;

/** Runs `runs` face steps each way and returns the lines to print. */
export async function previewComparison(step: LocalFaceStep, photos: Uint8Array[], clips: Uint8Array[][], runs: number): Promise<{ lines: string[] }> {
  const tap = new PreviewTap();
  const server = await startUiServer({ actions: new FakeSession(), kiosk: { preview: tap } });
  const sides = { without: { perFrame: [] as number[], total: [] as number[], pulled: 0, seen: 0 }, with: { perFrame: [] as number[], total: [] as number[], pulled: 0, seen: 0 } };
  let sequence = 0;
  let bytesRead = 0;
  let sent = 0;
  try {
    for (let r = 0; r < runs * 2; r++) {
      const side = r % 2 === 0 ? 'without' : 'with';
      const clip = clips[Math.floor(r / 2) % clips.length]!;
      const photo = photos[Math.floor(r / 2) % photos.length]!;
      const stats = sides[side];
      async function* camera(): AsyncGenerator<Frame> {
        const start = performance.now();
        for (const [i, jpeg] of clip.entries()) {
          await new Promise((resolve) => setTimeout(resolve, start + i * FRAME_MS - performance.now()));
          stats.pulled++;
          yield { jpeg, width: 1280, height: 720, timestamp: performance.timeOrigin + performance.now(), sequence: ++sequence };
        }
      }
      let client: { abort: AbortController; done: Promise<void> } | undefined;
      let frames: AsyncIterable<Frame> = camera();
      if (side === 'with') {
        frames = tap.wrap(camera)();
        const abort = new AbortController();
        const response = await fetch(`${server.url}/preview.mjpeg`, { signal: abort.signal });
        const done = (async () => {
          try {
            for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) bytesRead += chunk.length;
          } catch {
            // aborted after the step
          }
        })();
        client = { abort, done };
      }
      const evidence = await step.run(photo, frames);
      client?.abort.abort();
      await client?.done;
      const t = evidence.timings;
      stats.perFrame.push(((t.detect ?? 0) + (t.quality ?? 0) + (t.liveness ?? 0)) / Math.max(1, evidence.framesSeen));
      stats.total.push(t.total ?? NaN);
      stats.seen += evidence.framesSeen;
    }
    sent = ((await (await fetch(`${server.url}/healthz`)).json()) as { previewPictures: number }).previewPictures;
  } finally {
    await server.close();
  }
  // The preview's own work per picture sent: shrinking a 1280×720 camera JPEG to 640 px (as preview-route.ts does).
  const shrinkMs: number[] = [];
  for (const jpeg of clips.flat().slice(0, 40)) {
    const t = performance.now();
    await sharp(jpeg, { sequentialRead: true }).resize({ width: 640, withoutEnlargement: true, fastShrinkOnLoad: true }).jpeg({ quality: 70 }).toBuffer();
    shrinkMs.push(performance.now() - t);
  }
  const med = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor((s.length - 1) / 2)]!;
  };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const row = (name: string, s: typeof sides.with) =>
    `  ${name.padEnd(30)} per frame median ${med(s.perFrame).toFixed(1).padStart(6)} ms  mean ${mean(s.perFrame).toFixed(1).padStart(6)} ms   step total median ${med(s.total).toFixed(0).padStart(5)} ms   frames pulled ${s.pulled}, seen ${s.seen}`;
  return {
    lines: [
      `D. preview cost — ${runs} face steps each way, interleaved (10 frames 1280×720 at 10 fps, liveness off)`,
      row('without preview', sides.without),
      row('with tap + 1 MJPEG client', sides.with),
      `  ratio with/without per frame: median ${(med(sides.with.perFrame) / med(sides.without.perFrame)).toFixed(3)}, mean ${(mean(sides.with.perFrame) / mean(sides.without.perFrame)).toFixed(3)}; ` +
        `preview pictures sent ${sent}, ${Math.round(bytesRead / 1024)} KiB read by the client`,
      `  preview shrink 1280×720 → 640 px per picture sent: median ${med(shrinkMs).toFixed(1)} ms, mean ${mean(shrinkMs).toFixed(1)} ms (n=${shrinkMs.length}; libvips threads, at most 5 per second)`,
    ],
  };
}

// On its own: load the engine and make the clips as bench/face.ts does.
if (process.argv[1] && import.meta.filename === (await import('node:fs')).realpathSync(process.argv[1])) {
  const arg = (name: string, fallback: number) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? Number(process.argv[at + 1]) || fallback : fallback;
  };
  const { FaceEngine, VIDEO_TRACKING } = await import('../models/engine.ts');
  const { calibrationPathFor } = await import('../models/embedder.ts');
  const { readCalibration } = await import('../models/threshold.ts');
  const people = (await readdir(FACE_DATA)).sort().slice(0, arg('--people', 6));
  const clips: Uint8Array[][] = [];
  const photos: Uint8Array[] = [];
  for (const person of people) {
    const [first, second] = (await readdir(join(FACE_DATA, person))).sort();
    const face = await sharp(join(FACE_DATA, person, first!)).resize(320, 320).toBuffer();
    const clip: Uint8Array[] = [];
    for (let k = 0; k < 10; k++) {
      const canvas = sharp({ create: { width: 1280, height: 720, channels: 3, background: { r: 120, g: 120, b: 120 } } });
      clip.push(new Uint8Array(await canvas.composite([{ input: face, left: 480 + Math.round(6 * Math.sin(k / 2)), top: 200 + (k % 3) }]).jpeg({ quality: 90 }).toBuffer()));
    }
    clips.push(clip);
    photos.push(new Uint8Array(await readFile(join(FACE_DATA, person, second ?? first!))));
  }
  const calibration = readCalibration(await calibrationPathFor());
  const engine = await FaceEngine.load({ flipAverage: calibration.flipAverage, track: { ...VIDEO_TRACKING } });
  const step = new LocalFaceStep({ engine, threshold: calibration.threshold, liveness: false, framesWithoutLiveness: 10 });
  await step.run(photos[0]!, (async function* () {
    for (const jpeg of clips[0]!) yield { jpeg, width: 1280, height: 720, timestamp: performance.timeOrigin + performance.now(), sequence: 0 } as Frame;
  })()); // warm-up, not counted
  const [load1] = (await readFile('/proc/loadavg', 'utf8').catch(() => '?')).split(' ');
  console.log(`bench/face-preview — ${people.length} people, backend ${engine.runtime.backend}, Node ${process.version}, load average ${load1}`);
  for (const line of (await previewComparison(step, photos, clips, arg('--runs', 12))).lines) console.log(line);
  await engine.close();
}
