/**
 * Test fixtures for the camera tests: real face photos from the shared LFW sample, turned into videos and
 * MJPEG streams with the real ffmpeg at test time. Not used by production code.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { mulberry32 } from '../prng.ts';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../..');
export const LFW_DIR = resolve(repoRoot, '../shared/data/faces/lfw-dev');

/** Up to `count` LFW image paths in a stable order; fails with a clear message when the data set is missing. */
export function lfwImages(count: number): string[] {
  if (!existsSync(LFW_DIR)) {
    throw new Error(`Camera tests need the LFW sample at ${LFW_DIR} (../shared/data/faces/lfw-dev from the repo root)`);
  }
  const files = readdirSync(LFW_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .map((f) => join(LFW_DIR, f));
  if (files.length < count) throw new Error(`Need ${count} LFW images in ${LFW_DIR}, found ${files.length}`);
  return files.slice(0, count);
}

export function lfwJpegs(count: number): Uint8Array[] {
  return lfwImages(count).map((f) => new Uint8Array(readFileSync(f)));
}

export function tempDir(prefix = 'xacminh-camera-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function requireFfmpeg(): Promise<void> {
  try {
    await run('ffmpeg', ['-version']);
  } catch {
    throw new Error('Camera tests need ffmpeg on PATH (Debian: apt-get install ffmpeg; provisioning/bootstrap.sh test)');
  }
}

export interface VideoSpec {
  frames: number;
  width: number;
  height: number;
  fps: number;
  /** 'mp4' (MPEG-4 part 2, always built into ffmpeg) or 'mjpeg' (raw concatenated JPEGs). */
  format: 'mp4' | 'mjpeg';
}

/** Renders `frames` LFW photos, scaled to width×height, into dir; returns the file path. */
export async function makeVideo(dir: string, spec: VideoSpec): Promise<string> {
  await requireFfmpeg();
  const images = lfwImages(spec.frames);
  const frameDir = mkdtempSync(join(dir, 'frames-'));
  images.forEach((img, i) => symlinkSync(img, join(frameDir, `f${String(i).padStart(4, '0')}.jpg`)));
  const out = `${frameDir}.${spec.format === 'mp4' ? 'mp4' : 'mjpeg'}`;
  const codec = spec.format === 'mp4' ? ['-c:v', 'mpeg4', '-q:v', '4', '-pix_fmt', 'yuv420p'] : ['-q:v', '5', '-f', 'mjpeg'];
  await run('ffmpeg', [
    '-nostdin', '-hide_banner', '-loglevel', 'error', '-y',
    '-framerate', String(spec.fps),
    '-i', join(frameDir, 'f%04d.jpg'),
    '-vf', `scale=${spec.width}:${spec.height}`,
    ...codec,
    out,
  ]);
  return out;
}

/** Seeded PRNG: fuzz cases are reproducible from the seed in the failure message. */
export const prng = mulberry32;

/** Splits bytes into chunks of random sizes in [1, maxChunk]. */
export function chunked(bytes: Uint8Array, random: () => number, maxChunk: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(random() * maxChunk);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Is the process gone (exited and reaped)? A zombie still has a /proc entry in state Z. */
export function processGone(pid: number): boolean {
  return !existsSync(`/proc/${pid}`);
}
