/**
 * Faces for the demo, cut from the sample pictures that ship inside @vladmandic/face-api (`demo/`), so
 * `npm start` needs no test data. The crops are fixed rectangles around one person in each picture.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { XacminhError } from '../errors.ts';

// Resolved through the package, not a path relative to this file, so the compiled build (dist/) finds it too.
const DEMO_DIR = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');

export const DEMO_FACES = {
  /** The demo card's holder: the chip photo and the person at the counter. */
  holder: { file: 'sample6.jpg', left: 1360, top: 280, width: 420, height: 520 },
  /** Someone else presenting the holder's card. */
  impostor: { file: 'sample3.jpg', left: 980, top: 90, width: 420, height: 520 },
} as const;

export type DemoFace = keyof typeof DEMO_FACES;

export async function demoFace(name: DemoFace): Promise<Uint8Array> {
  const { file, ...crop } = DEMO_FACES[name];
  const path = join(DEMO_DIR, file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new XacminhError('CAMERA_UNAVAILABLE', `Demo picture ${path} is missing: run \`npm ci\` (it ships with @vladmandic/face-api)`, { path }, { cause });
  }
  return new Uint8Array(await sharp(bytes).extract(crop).jpeg({ quality: 90 }).toBuffer());
}
