/**
 * Faces for the demo, cut from the sample pictures that ship inside @vladmandic/face-api (`demo/`), so
 * `npm start` needs no test data. The crops are fixed rectangles around one person in each picture.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { XacminhError } from '../errors.ts';

const DEMO_DIR = fileURLToPath(new URL('../../node_modules/@vladmandic/face-api/demo/', import.meta.url));

export const DEMO_FACES = {
  /** The demo card's holder: the chip photo and the person at the counter. */
  holder: { file: 'sample6.jpg', left: 1360, top: 280, width: 420, height: 520 },
  /** Someone else presenting the holder's card. */
  impostor: { file: 'sample3.jpg', left: 980, top: 90, width: 420, height: 520 },
} as const;

export type DemoFace = keyof typeof DEMO_FACES;

export async function demoFace(name: DemoFace): Promise<Uint8Array> {
  const { file, ...crop } = DEMO_FACES[name];
  const path = DEMO_DIR + file;
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new XacminhError('CAMERA_UNAVAILABLE', `Demo picture ${path} is missing: run \`npm ci\` (it ships with @vladmandic/face-api)`, { path }, { cause });
  }
  return new Uint8Array(await sharp(bytes).extract(crop).jpeg({ quality: 90 }).toBuffer());
}
