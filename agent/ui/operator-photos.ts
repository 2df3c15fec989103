/**
 * The two pictures the clerk compares for each recent verification: the chip photo and the best live frame.
 * Held in memory only, for the last results the operator list shows (the register keeps the frame, sealed;
 * nothing here is written to disk). The chip photo is often JPEG 2000, which browsers do not show: it is
 * decoded as the face step decodes it (models/photo) and re-encoded as JPEG with sharp, once, when needed.
 */
import sharp from 'sharp';
import { decodeChipPhoto } from '../../models/photo/decode-photo.ts';
import type { ResultPhotos } from '../session/events.ts';
import type { UiLogger } from './server.ts';

export type PhotoKind = 'chip' | 'frame';

interface Held {
  chipSource: Uint8Array | undefined;
  chipJpeg: Promise<Buffer | null> | undefined;
  frame: Buffer | undefined;
}

/** As many as the operator's recent list (ResultHistory): a photo for every row, none beyond it. */
export const PHOTOS_KEPT = 20;

export class OperatorPhotos {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly log: UiLogger,
    private readonly limit = PHOTOS_KEPT,
  ) {}

  /** Keeps a result's pictures (the newest replaces the oldest beyond the limit); which ones there are. */
  add(verificationId: string, photos: ResultPhotos | undefined): { chip: boolean; frame: boolean } {
    const chip = photos?.chip && photos.chip.length > 0 ? photos.chip : undefined;
    const frame = photos?.bestFrame && photos.bestFrame.length > 0 ? Buffer.from(photos.bestFrame) : undefined;
    this.held.delete(verificationId);
    if (chip || frame) {
      this.held.set(verificationId, { chipSource: chip, chipJpeg: undefined, frame });
      for (const oldest of this.held.keys()) {
        if (this.held.size <= this.limit) break;
        this.held.delete(oldest);
      }
    }
    return { chip: chip !== undefined, frame: frame !== undefined };
  }

  has(verificationId: string, kind: PhotoKind): boolean {
    const held = this.held.get(verificationId);
    return kind === 'chip' ? held?.chipSource !== undefined : held?.frame !== undefined;
  }

  get size(): number {
    return this.held.size;
  }

  /** The picture as JPEG, or null when there is none (or the chip photo cannot be decoded: logged once). */
  async jpeg(verificationId: string, kind: PhotoKind): Promise<Buffer | null> {
    const held = this.held.get(verificationId);
    if (!held) return null;
    if (kind === 'frame') return held.frame ?? null;
    if (!held.chipSource) return null;
    held.chipJpeg ??= chipPhotoJpeg(held.chipSource).catch((error: unknown) => {
      this.log.warn({ err: error, verificationId }, 'operator page: the chip photo cannot be shown');
      return null;
    });
    return held.chipJpeg;
  }
}

/** DG2 bytes (JPEG or JPEG 2000) → a baseline JPEG any browser shows; MALFORMED_DATA when they do not decode. */
export async function chipPhotoJpeg(dg2: Uint8Array): Promise<Buffer> {
  const photo = await decodeChipPhoto(dg2);
  return sharp(Buffer.from(photo.rgb.buffer, photo.rgb.byteOffset, photo.rgb.byteLength), { raw: { width: photo.width, height: photo.height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}
