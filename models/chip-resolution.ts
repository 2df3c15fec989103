/**
 * The chip photo is small and old; the camera's face is large and sharp. The recognition chip (150² for the
 * shipped ResNet) hides the difference while both faces have at least the chip's pixels, but a chip enlarged
 * from a small photo is blurred and the live one is not: comparing them is comparing two kinds of picture.
 * So the live chip is brought down to the photo's resolution first ("resize both to the same scale", issue 6;
 * measured in bench/face-scale.ts).
 */
import { resizeSquare } from './face-geometry.ts';

/**
 * A chip photo whose face is below this resolution cannot be matched reliably: bench/face-scale measured TAR at
 * FAR 0.1 % of 86.7 % at 0.39, 64.7 % at 0.28 and 38.5 % at 0.20 (95.7 % at 0.78, LFW's own size). The face step
 * says so in its reasons, so the operator checks the person against the card instead of blaming the customer.
 */
export const SMALL_CHIP_PHOTO = 0.35;

/** Below this the photo is as sharp as the chip: nothing to match (and no work). */
const SHARP_ENOUGH = 0.95;
/** The smallest intermediate picture: below it a face is not a face any more. */
const MIN_SIDE = 12;

/**
 * `resolution` is source pixels per chip pixel of the face a chip was made from (min 1 for a face larger
 * than the chip). Returns the chip as if made from a face of `target` resolution, when that is lower.
 */
export function matchChipResolution(chip: Uint8Array, size: number, resolution: number, target: number | undefined): Uint8Array {
  if (target === undefined || !(target > 0) || target >= SHARP_ENOUGH) return chip;
  const own = Math.min(1, resolution);
  if (target >= own * SHARP_ENOUGH) return chip;
  // The chip holds about (size·own)² pixels of the face; keep (size·target)².
  const side = Math.max(MIN_SIDE, Math.round(size * target));
  if (side >= size) return chip;
  return resizeSquare(resizeSquare(chip, size, side), side, size);
}
