/**
 * bench/face-scale (issue 6, "the DG2 photo is small and old — model that"): a chip photo smaller than the
 * recognition chip against sharp camera faces, with and without bringing the live chip down to the photo's
 * resolution first (models/chip-resolution.ts), measured on the same pairs in one run.
 *
 *   node --import tsx bench/face-scale.ts [DIR] [--scales 1,0.5,0.35,0.25] [--quality 50] [--folds 2]
 *
 * For each scale s, every image is also made into a "chip photo": shrunk to s × its size and saved as JPEG at
 * --quality (DG2s are small, heavily compressed JPEGs), then detected and embedded exactly as the face step does
 * the chip photo. Pairs: the earlier image of a pair as the chip photo, the later one at full size as the live
 * face (every unordered pair once). Thresholds from calibration identities, measured on held-out ones.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { decodeFrame } from '../drivers/camera/decode.ts';
import { listPeople } from '../models/accuracy/dataset.ts';
import { dot, heldOut, type ScorerFactory } from '../models/accuracy/metrics.ts';
import { FaceEngine } from '../models/engine.ts';
import type { RgbImage } from '../models/face-geometry.ts';
import { FACE_DATA } from '../models/test-faces.ts';
import type { FaceObservation } from '../models/types.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { scales: { type: 'string', default: '1,0.5,0.35,0.25' }, quality: { type: 'string', default: '50' }, folds: { type: 'string', default: '2' } },
});
const scales = values.scales.split(',').map(Number);
const quality = Number(values.quality);
const folds = Number(values.folds);
const dir = resolve(positionals[0] ?? FACE_DATA);

const engine = await FaceEngine.load({ flipAverage: true, maxFaces: 1 });
const decode = async (jpeg: Uint8Array): Promise<RgbImage> => {
  const f = await decodeFrame({ jpeg, width: 1, height: 1, timestamp: 0, sequence: 0 });
  return { rgb: f.rgb, width: f.width, height: f.height };
};
const largest = async (image: RgbImage): Promise<FaceObservation | undefined> => (await engine.analyze(image))[0];

interface Item {
  person: string;
  live: { image: RgbImage; face: FaceObservation };
  /** Per scale: the small photo's descriptor and the resolution of its chip, or null when no face was found in it. */
  photo: ({ vector: Float32Array; resolution: number } | null)[];
}

const started = performance.now();
const items: Item[] = [];
let skipped = 0;
for (const { person, files } of await listPeople(dir)) {
  for (const file of files) {
    const jpeg = new Uint8Array(await readFile(file));
    const image = await decode(jpeg);
    const face = await largest(image);
    if (!face) {
      skipped++;
      continue;
    }
    const photo: Item['photo'] = [];
    for (const s of scales) {
      const small = await sharp(jpeg).resize(Math.round(image.width * s), Math.round(image.height * s)).jpeg({ quality }).toBuffer();
      const smallImage = await decode(new Uint8Array(small));
      const smallFace = await largest(smallImage);
      photo.push(smallFace ? { vector: (await engine.embedMany([{ image: smallImage, face: smallFace }]))[0]!, resolution: engine.chipResolution(smallFace) } : null);
    }
    items.push({ person, live: { image, face }, photo });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN;
};
const pct = (x: number, d = 1) => `${(100 * x).toFixed(d)} %`;
const liveResolutions = items.map((e) => engine.chipResolution(e.live.face));
console.log(`\n${dir}: ${items.length} images (${skipped} without a face at full size); live chips from faces at ${median(liveResolutions).toFixed(2)}× the chip (median source px per chip px); JPEG quality ${quality} for the photos; ${folds}-fold by identity\n`);
console.log('| photo scale | photo chip resolution (median, min–max) | photos without a face | live chip | accuracy | TAR @ FAR 1 % | TAR @ FAR 0.1 % | TAR @ FAR 0.01 % | EER |');
console.log('|---|---|---|---|---|---|---|---|---|');

const live = await engine.embedMany(items.map((e) => e.live));
for (const [k, s] of scales.entries()) {
  const usable = items.map((e, i) => ({ e, i })).filter(({ e }) => e.photo[k]);
  const resolutions = usable.map(({ e }) => e.photo[k]!.resolution);
  const target = median(resolutions);
  const subset = usable.map(({ e }) => e);
  const liveOf = usable.map(({ i }) => live[i]!);
  // Live chips brought to the photos' (median) resolution: one set per scale, as each pair would get.
  const matched = await engine.embedMany(subset.map((e) => e.live), { matchResolution: target });
  const scorer = (probes: Float32Array[]): ScorerFactory => () => (a, b) => dot(subset[a]!.photo[k]!.vector, probes[b]!);
  for (const [label, probes] of [['as is', liveOf], [`matched to ${target.toFixed(2)}`, matched]] as const) {
    const h = heldOut(subset, scorer(probes), folds);
    const cell = (t: number) => `${pct(h.points[t]!.tar)} (FAR ${pct(h.points[t]!.far, 2)})`;
    console.log(
      `| ${s} | ${target.toFixed(2)} (${Math.min(...resolutions).toFixed(2)}–${Math.max(...resolutions).toFixed(2)}) | ${items.length - usable.length} | ${label} | ${pct(h.accuracy)} | ${cell(0)} | ${cell(1)} | ${cell(2)} | ${pct(h.eer, 2)} |`,
    );
  }
}
console.error(`(${((performance.now() - started) / 1000).toFixed(0)} s)`);
await engine.close();
