/**
 * Pictures for the operator page's tests and screenshots: a drawn face (no real person's picture goes into a
 * committed screenshot), as the JPEG a camera gives and as the JPEG 2000 many chips hold (encoded by the real
 * ffmpeg at test time, as models/photo's tests do).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { requireFfmpeg } from '../../drivers/camera/test-media.ts';

const run = promisify(execFile);

/** A plain drawn head and shoulders, `width`×`height`, on a coloured background. */
export function drawnFace(width: number, height: number, background: string): Promise<Buffer> {
  const cx = width / 2;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="${background}"/>
    <ellipse cx="${cx}" cy="${height * 1.02}" rx="${width * 0.42}" ry="${height * 0.3}" fill="#35495e"/>
    <ellipse cx="${cx}" cy="${height * 0.42}" rx="${width * 0.24}" ry="${height * 0.26}" fill="#e0b08a"/>
    <ellipse cx="${cx}" cy="${height * 0.24}" rx="${width * 0.26}" ry="${height * 0.12}" fill="#2b2118"/>
    <circle cx="${cx - width * 0.09}" cy="${height * 0.41}" r="${width * 0.025}" fill="#222"/>
    <circle cx="${cx + width * 0.09}" cy="${height * 0.41}" r="${width * 0.025}" fill="#222"/>
    <path d="M ${cx - width * 0.08} ${height * 0.53} Q ${cx} ${height * 0.58} ${cx + width * 0.08} ${height * 0.53}" stroke="#8a3b2e" stroke-width="${width * 0.015}" fill="none"/>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** The best live frame as the camera path stores it: a JPEG. */
export async function frameJpeg(): Promise<Uint8Array> {
  return new Uint8Array(await sharp(await drawnFace(480, 640, '#d9d9d9')).jpeg({ quality: 85 }).toBuffer());
}

/** A chip photo as many cards hold it: a JP2 file (ICAO 9303 allows JPEG 2000), made by ffmpeg. */
export async function chipPhotoJp2(): Promise<Uint8Array> {
  await requireFfmpeg();
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-operator-'));
  try {
    writeFileSync(join(dir, 'face.png'), await drawnFace(240, 320, '#f2f2f2'));
    await run('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', '-i', join(dir, 'face.png'), '-c:v', 'jpeg2000', join(dir, 'chip.jp2')]);
    return new Uint8Array(readFileSync(join(dir, 'chip.jp2')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
