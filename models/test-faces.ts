/** Test fixtures from the shared LFW subset: real face images, composed with sharp into test scenes. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Frame } from '../drivers/camera/types.ts';

/** ../shared/data/faces/lfw-dev from the repo root. */
export const FACE_DATA = resolve(fileURLToPath(new URL('..', import.meta.url)), '../shared/data/faces/lfw-dev');

export function faceFile(name: string): string {
  if (!existsSync(FACE_DATA)) {
    throw new Error(`Test face data missing: ${FACE_DATA} (expected ../shared/data/faces/lfw-dev beside the repo, one folder of JPEGs per person)`);
  }
  const person = name.replace(/_\d{4}\.jpg$/, '');
  return join(FACE_DATA, person, name);
}

export async function faceJpeg(name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(faceFile(name)));
}

const toJpeg = async (s: ReturnType<typeof sharp>) => new Uint8Array(await s.jpeg({ quality: 92 }).toBuffer());
const canvas = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } });

export function blankJpeg(width = 640, height = 480): Promise<Uint8Array> {
  return toJpeg(canvas(width, height));
}

/** Two face images side by side in a 1280×720 frame (two people in front of the camera). */
export async function sideBySideJpeg(a: string, b: string): Promise<Uint8Array> {
  return toJpeg(canvas(1280, 720).composite([{ input: faceFile(a), left: 330, top: 200 }, { input: faceFile(b), left: 700, top: 200 }]));
}

/** A face scaled to `size` px placed at (left, top) on a canvas (default: small, in a 1280×720 frame). */
export async function placedFaceJpeg(name: string, size = 100, width = 1280, height = 720, left?: number, top?: number): Promise<Uint8Array> {
  const face = await sharp(faceFile(name)).resize(size, size).toBuffer();
  return toJpeg(canvas(width, height).composite([{ input: face, left: left ?? Math.round((width - size) / 2), top: top ?? Math.round((height - size) / 2) }]));
}

export function frameOf(jpeg: Uint8Array, sequence = 1): Frame {
  return { jpeg, width: 0, height: 0, timestamp: performance.timeOrigin + performance.now(), sequence };
}

/** An async frame stream from JPEGs (each repeated `times`), like a finite camera. */
export async function* framesOf(jpegs: Uint8Array[], times = 1): AsyncGenerator<Frame> {
  let sequence = 0;
  for (const jpeg of jpegs) for (let i = 0; i < times; i++) yield frameOf(jpeg, ++sequence);
}
