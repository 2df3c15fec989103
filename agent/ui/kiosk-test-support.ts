/** For the kiosk's tests: camera-like frames made at test time, a face step that pulls them, an MJPEG reader. */
import sharp from 'sharp';
import type { Frame } from '../../drivers/camera/types.ts';
import type { PreviewTap } from '../run/preview.ts';

/**
 * JPEGs of a drawn, obviously made-up face (no real person), each `width` wide: the page can tell a new
 * picture arrived by its naturalWidth.
 */
export async function drawnFaces(widths: number[], height = 240): Promise<{ jpeg: Uint8Array; width: number; height: number }[]> {
  return Promise.all(
    widths.map(async (width) => {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
        <rect width="100%" height="100%" fill="#6d7f8c"/>
        <ellipse cx="${width / 2}" cy="${height / 2}" rx="${height * 0.27}" ry="${height * 0.36}" fill="#e0b89a"/>
        <circle cx="${width / 2 - height * 0.1}" cy="${height * 0.43}" r="${height * 0.035}" fill="#222"/>
        <circle cx="${width / 2 + height * 0.1}" cy="${height * 0.43}" r="${height * 0.035}" fill="#222"/>
        <path d="M${width / 2 - height * 0.1} ${height * 0.64} q${height * 0.1} ${height * 0.08} ${height * 0.2} 0" stroke="#7a3b2e" stroke-width="${height * 0.02}" fill="none"/>
      </svg>`;
      return { jpeg: new Uint8Array(await sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer()), width, height };
    }),
  );
}

/**
 * A face step's use of the camera through the preview tap: pulls frames (cycling through `pictures`) while
 * running, as the real face step pulls them; stop() lets go of them, as the face step does when it is done.
 */
export function runFaceStep(tap: PreviewTap, pictures: { jpeg: Uint8Array; width: number; height: number }[], everyMs = 30) {
  let sequence = 0;
  let stopped = false;
  let pulled = 0;
  async function* camera(): AsyncGenerator<Frame> {
    for (;;) {
      const picture = pictures[sequence % pictures.length]!;
      yield { ...picture, timestamp: performance.timeOrigin + performance.now(), sequence: ++sequence };
      await new Promise((resolve) => setTimeout(resolve, everyMs)); // a camera's frame rate, not a wait for a result
    }
  }
  const iterator = tap.wrap(camera)()[Symbol.asyncIterator]();
  const loop = (async () => {
    while (!stopped) {
      const next = await iterator.next();
      if (next.done) break;
      pulled++;
    }
  })();
  return {
    get pulled() {
      return pulled;
    },
    async stop() {
      stopped = true;
      void iterator.return?.();
      await loop;
    },
  };
}

/** Reads a multipart/x-mixed-replace response part by part. */
export function mjpegReader(response: Response) {
  const parts: { type: string; body: Buffer }[] = [];
  let ended = false;
  let buffer = Buffer.alloc(0);
  const pump = (async () => {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer = Buffer.concat([buffer, chunk]);
        for (;;) {
          const headEnd = buffer.indexOf('\r\n\r\n');
          if (headEnd < 0) break;
          const head = buffer.subarray(0, headEnd).toString('latin1');
          const length = Number(/Content-Length: (\d+)/i.exec(head)?.[1] ?? NaN);
          if (!Number.isFinite(length) || buffer.length < headEnd + 4 + length + 2) break;
          parts.push({ type: /Content-Type: ([^\r\n]+)/i.exec(head)?.[1] ?? '', body: buffer.subarray(headEnd + 4, headEnd + 4 + length) });
          buffer = buffer.subarray(headEnd + 4 + length + 2);
        }
      }
    } catch {
      // aborted
    } finally {
      ended = true;
    }
  })();
  return {
    parts,
    get ended() {
      return ended;
    },
    /** What came after the last part: the closing boundary when the server ended the stream. */
    get rest() {
      return buffer.toString('latin1');
    },
    pump,
  };
}
