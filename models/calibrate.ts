/**
 * Calibrates the match threshold on a folder-per-person face set (default ../shared/data/faces/lfw-dev) through
 * the product's own embedding path (FaceEngine: Human's detector and mesh, the canonical dlib chip, face-api's
 * ResNet, the mirror average when chosen): embeds every image, scores every genuine and impostor pair, and
 * writes the thresholds for FAR 1 %, 0.1 % and 0.01 % with their TAR and the EER to a calibration JSON
 * (models/calibration/default.json, which the face step reads). `threshold` is the one at `--far` (0.1 %).
 * It also records the operating point on identities the thresholds never saw (2-fold by person), the mirror
 * average's effect, and a two-probe study (one gallery image vs the mean / max of two other images of a person,
 * like the face step's frame fusion) with that fusion's own thresholds: the mean of several frames raises
 * impostor scores too, so the single-image threshold does not keep its FAR there.
 * A site's set with each person's chip photo (chip.jpg / chip.jp2) is scored chip photo vs camera picture only:
 * camera-vs-camera pairs from one session look more alike than a verification's pairs and would bias the threshold.
 *
 * The shipped `threshold` is the lowest whose FAR upper bound (95 %) meets `--far`, not the point estimate
 * (calibrate-bound.ts); a set in LFW's layout (pairs.txt beside images/) also gets LFW's fold accuracy.
 *
 *   xacminh face-calibrate DIR [--out FILE] [--flip auto|on|off] [--far 0.001] [--max-people N] [--cache FILE]
 *   node --import tsx models/calibrate.ts [--data DIR] [--out FILE] [--flip auto|on|off]
 */
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../drivers/atomic-file.ts';
import { decodeFrame } from '../drivers/camera/decode.ts';
import { XacminhError } from '../drivers/errors.ts';
import { listPeople, type Person } from './accuracy/dataset.ts';
import { readDescriptorCache, writeDescriptorCache } from './accuracy/descriptor-cache.ts';
import { calibrationBound, lfwFoldAccuracy, lfwLayout } from './calibrate-bound.ts';
import { chipVsCamera, cosineScorer, heldOutRepeated, pairScores, type PairFilter, TARGET_FARS } from './accuracy/metrics.ts';
import { calibrationPathFor } from './embedder.ts';
import { FaceEngine, meanVector } from './engine.ts';
import { decodeChipPhoto } from './photo/decode-photo.ts';
import { DEFAULT_CHIP_GEOMETRY } from './face-geometry.ts';
import { atFar, equalErrorRate } from './roc.ts';
import type { Calibration, OperatingPoint } from './threshold.ts';

export { listPeople };

const REPO = fileURLToPath(new URL('..', import.meta.url));
/** Identity splits the held-out figures are averaged over (one split's luck moves TAR by a point or two on 60 people). */
const HELD_OUT_SPLITS = 10;
export const DEFAULT_FACE_DATA = resolve(REPO, '../shared/data/faces/lfw-dev');

export interface Embedded {
  person: string;
  file: string;
  /** The person's chip photo (chip.jpg / chip.jp2 in a site's set), not a camera picture. */
  chip: boolean;
  plain: Float32Array;
  flip: Float32Array;
}

export interface CalibrateOptions {
  data?: string;
  /** Where to write; '' = do not write. Default models/calibration/default.json. */
  out?: string;
  /** Mirror-average the descriptors: on, off, or auto (whichever has the lower EER). Default on. */
  flip?: 'auto' | 'on' | 'off';
  /** The FAR whose threshold becomes `threshold` (default 0.001). */
  far?: number;
  /** Only the first N people (name order), for quick runs. */
  maxPeople?: number;
  /** The command recorded in the file (default: the node form). */
  command?: string;
  /** A descriptor cache file: read when it exists (same model and set), written after embedding otherwise. */
  cache?: string;
  log?: (s: string) => void;
}

export async function embedAll(engine: FaceEngine, people: Person[], dir: string): Promise<{ embedded: Embedded[]; noFace: string[] }> {
  const embedded: Embedded[] = [];
  const noFace: string[] = [];
  for (const { person, files, chip } of people) {
    for (const file of chip ? [chip, ...files] : files) {
      const decoded = await decodeFaceFile(file, file === chip, dir);
      const image = { rgb: decoded.rgb, width: decoded.width, height: decoded.height };
      const [face] = await engine.analyze(image);
      if (!face) {
        noFace.push(relative(dir, file));
        continue;
      }
      // The engine's own chips (engine.chip), so the figures are those of the product's embedding path.
      const [plain, mirrored] = await engine.embedChips([engine.chip(image, face), engine.chip(image, face, true)]);
      embedded.push({ person, file: relative(dir, file), chip: file === chip, plain: plain!, flip: meanVector([plain!, mirrored!]) });
    }
  }
  return { embedded, noFace };
}

/** One photo of the set; a file that does not decode is named, so the technician can replace or remove it. */
async function decodeFaceFile(file: string, isChip: boolean, dir: string) {
  try {
    const bytes = new Uint8Array(await readFile(file));
    // A chip photo may be JPEG 2000, as on many cards: decoded the way the face step decodes DG2.
    return isChip ? await decodeChipPhoto(bytes) : await decodeFrame({ jpeg: bytes, width: 1, height: 1, timestamp: 0, sequence: 0 });
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new XacminhError('INVALID_INPUT', `Face data file ${relative(dir, file)} cannot be read as a ${isChip ? 'chip photo (JPEG or JPEG 2000)' : 'JPEG'}: ${why}. Replace it or remove it from the set`, { file }, { cause });
  }
}

function scorePairs(items: Embedded[], pick: (e: Embedded) => Float32Array, sim: (a: Float32Array, b: Float32Array) => number, eligible?: PairFilter) {
  return pairScores(items.length, (i) => items[i]!.person, (i, j) => sim(pick(items[i]!), pick(items[j]!)), undefined, eligible);
}

function roc(genuine: number[], impostor: number[]) {
  const points = TARGET_FARS.map((target) => ({ target, ...atFar(genuine, impostor, target) }));
  return { points, eer: equalErrorRate(genuine, impostor) };
}

/**
 * One gallery image vs two probe images of a person: single probe, mean descriptor, max similarity. With chip
 * photos the gallery is the chip photo and the probes are camera pictures, as in a verification.
 */
function fusionStudy(items: Embedded[], pick: (e: Embedded) => Float32Array, sim: (a: Float32Array, b: Float32Array) => number, singleThreshold: number) {
  const chipSet = items.some((e) => e.chip);
  const byPerson = new Map<string, Embedded[]>();
  for (const e of items) if (!e.chip) byPerson.set(e.person, [...(byPerson.get(e.person) ?? []), e]);
  const out = { single: { g: [] as number[], i: [] as number[] }, mean: { g: [] as number[], i: [] as number[] }, max: { g: [] as number[], i: [] as number[] } };
  const probes = [...byPerson.values()].filter((l) => l.length >= (chipSet ? 2 : 3));
  for (const gallery of chipSet ? items.filter((e) => e.chip) : items) {
    for (const list of probes) {
      const two = list.filter((e) => e !== gallery).slice(0, 2);
      const key = list[0]!.person === gallery.person ? 'g' : 'i';
      const [a, b] = two.map(pick) as [Float32Array, Float32Array];
      out.single[key].push(sim(pick(gallery), a));
      out.mean[key].push(sim(pick(gallery), meanVector([a, b])));
      out.max[key].push(Math.max(sim(pick(gallery), a), sim(pick(gallery), b)));
    }
  }
  const summary = (s: { g: number[]; i: number[] }) => ({
    genuine: s.g.length,
    impostor: s.i.length,
    tarAtFar1: round(atFar(s.g, s.i, 0.01).tar),
    tarAtFar01: round(atFar(s.g, s.i, 0.001).tar),
    eer: round(equalErrorRate(s.g, s.i).eer),
    /** This fusion's own thresholds: a mean or max over frames shifts impostor scores too. */
    operatingPoints: TARGET_FARS.map((target) => {
      const p = atFar(s.g, s.i, target);
      return { targetFar: target, threshold: round(p.threshold), far: round(p.far), tar: round(p.tar) };
    }),
    /** FAR and TAR of this fusion at the single-image threshold (what a face step gets without its own threshold). */
    atSingleImageThreshold: { far: round(rate(s.i, singleThreshold)), tar: round(rate(s.g, singleThreshold)) },
  });
  return { single: summary(out.single), mean: summary(out.mean), max: summary(out.max) };
}

export async function calibrate(options: CalibrateOptions = {}): Promise<Calibration> {
  const data = resolve(options.data ?? DEFAULT_FACE_DATA);
  const log = options.log ?? (() => undefined);
  const targetFar = options.far ?? 0.001;
  if (!(targetFar > 0 && targetFar < 1)) throw new XacminhError('INVALID_INPUT', `Target FAR must be in (0, 1), got ${targetFar}`, { field: 'far' });
  const flip = options.flip ?? 'on';
  const layout = lfwLayout(data); // LFW's layout: the people are in images/, the standard pairs in pairs.txt
  const peopleDir = layout?.images ?? data;
  let people = await listPeople(peopleDir);
  if (options.maxPeople) people = people.slice(0, options.maxPeople);
  const started = performance.now();
  const engine = await FaceEngine.load({ warmup: false });
  let embedded: Embedded[];
  let noFace: string[];
  try {
    const key = { modelSha256: engine.model.sha256, data: options.maxPeople ? `${data} (first ${options.maxPeople} people)` : data };
    const cached = options.cache ? await readDescriptorCache(options.cache, key) : null;
    ({ embedded, noFace } = cached ?? (await embedAll(engine, people, peopleDir)));
    if (options.cache && !cached) await writeDescriptorCache(options.cache, { ...key, embedded, noFace });
    if (cached) log(`descriptors from ${options.cache}`);
  } finally {
    await engine.close();
  }
  log(`embedded ${embedded.length} images of ${people.length} people (${noFace.length} without a face) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const sim = (a: Float32Array, b: Float32Array) => engine.similarity(a, b);
  const eligible = chipVsCamera(embedded);
  if (eligible) log('chip photos found: only chip photo vs camera picture pairs are scored, as in a verification');
  const plain = scorePairs(embedded, (e) => e.plain, sim, eligible);
  const flipped = scorePairs(embedded, (e) => e.flip, sim, eligible);
  if (plain.genuine.length < 2 || plain.impostor.length < 2) {
    const need = eligible ? 'several people, each with a chip photo and one or more camera pictures' : 'several people with two or more photos each';
    throw new XacminhError('INVALID_INPUT', `Face data ${data} gave ${plain.genuine.length} genuine and ${plain.impostor.length} impostor pairs: it needs ${need}`, {
      dir: data,
      genuine: plain.genuine.length,
      impostor: plain.impostor.length,
    });
  }
  const rocPlain = roc(plain.genuine, plain.impostor);
  const rocFlip = roc(flipped.genuine, flipped.impostor);
  const useFlip = flip === 'on' || (flip === 'auto' && rocFlip.eer.eer < rocPlain.eer.eer);
  const chosen = useFlip ? flipped : plain;
  const point = atFar(chosen.genuine, chosen.impostor, targetFar);
  const eer = equalErrorRate(chosen.genuine, chosen.impostor);
  const operatingPoints: OperatingPoint[] = (useFlip ? rocFlip : rocPlain).points.map((p) => ({
    targetFar: p.target,
    threshold: round(p.threshold),
    far: round(p.far),
    tar: round(p.tar),
    resolvable: p.target * chosen.impostor.length >= 1,
  }));
  const pick = embedded.map((e) => (useFlip ? e.flip : e.plain));
  // The calibrated FAR too when it is not one of the standard three (the warnings need its held-out figure).
  const targets = TARGET_FARS.some((t) => t === targetFar) ? TARGET_FARS : [...TARGET_FARS, targetFar];
  const held = heldOutRepeated(embedded, cosineScorer(pick), 2, HELD_OUT_SPLITS, { ...(eligible ? { eligible } : {}), targets });
  const at = (r: ReturnType<typeof roc>, t: number) => r.points.find((p) => p.target === t)!;
  const bound = calibrationBound(embedded, pick, targetFar, eligible ? { eligible } : {});
  log(`bounded threshold ${bound.single.threshold} (point estimate ${bound.single.pointThreshold}), fused ${bound.fused?.threshold ?? 'none'}`);
  const result: Calibration = {
    threshold: bound.single.threshold,
    far: round(rate(chosen.impostor, bound.single.threshold)),
    tar: round(rate(chosen.genuine, bound.single.threshold)),
    eer: round(eer.eer),
    flipAverage: useFlip,
    tarAtFar1: round(at(useFlip ? rocFlip : rocPlain, 0.01).tar),
    tarAtFar01: round(at(useFlip ? rocFlip : rocPlain, 0.001).tar),
    targetFar,
    operatingPoints,
    eerThreshold: round(eer.threshold),
    heldOut: {
      method: `2-fold by identity, ${HELD_OUT_SPLITS} splits (name order, then random): thresholds set on one half of the people, measured on the other; mean over the splits, with the lowest–highest TAR of a split and a 95 % interval that counts people, not pairs (cluster-robust variance, Wilson at the effective number of trials)`,
      accuracy: round(held.accuracy),
      eer: round(held.eer),
      points: held.points.map((p) => ({ targetFar: p.target, tar: round(p.tar), far: round(p.far), tarRange: [round(p.tarMin), round(p.tarMax)], tarInterval: [round(p.tarLow), round(p.tarHigh)] })),
      pairs: { genuine: held.genuine, impostor: Math.round(held.impostor) },
    },
    pairs: { genuine: chosen.genuine.length, impostor: chosen.impostor.length },
    pairing: eligible ? 'chip-vs-camera' : 'all',
    images: { total: embedded.length + noFace.length, noFace: noFace.length },
    people: people.length,
    chip: DEFAULT_CHIP_GEOMETRY.kind === 'canonical' ? `canonical ${DEFAULT_CHIP_GEOMETRY.points} similarity transform, padding ${DEFAULT_CHIP_GEOMETRY.padding}` : 'mesh box',
    fusion: {
      flipAverage: useFlip,
      plain: summarise(rocPlain),
      flip: summarise(rocFlip),
      twoProbes: fusionStudy(embedded, (e) => (useFlip ? e.flip : e.plain), sim, point.threshold),
    },
    model: { name: `${engine.model.name}${useFlip ? ' + mirror average' : ''}`, sha256: engine.model.sha256 },
    dataset: relative(REPO, data) || '.',
    command: options.command ?? `node --import tsx models/calibrate.ts --data ${relative(REPO, data)}${options.flip ? ` --flip ${options.flip}` : ''}`,
    bound,
    ...(layout && !options.maxPeople ? { lfw: lfwFoldAccuracy(layout.pairs, embedded, pick) } : {}),
    measuredAt: new Date().toISOString(),
    warnings: [
      ...calibrationWarnings(targetFar, Math.round(point.far * chosen.impostor.length), chosen.impostor.length, held.points.find((p) => p.target === targetFar)?.far, people.length),
      ...(bound.single.reached ? [] : [boundNotReached(targetFar, bound.single.impostors, people.length)]),
    ],
  };
  if (options.out !== '') {
    const out = options.out ?? (await calibrationPathFor()); // a provisioned model's own file, never the shipped one's
    await writeFileAtomic(out, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${out}`);
  }
  return result;
}

/** Even above every impostor the FAR's upper bound exceeds the target: the set is too small to vouch for it. */
export function boundNotReached(targetFar: number, impostors: number, people: number): string {
  return (
    `${impostors} impostor pairs cannot show FAR ≤ ${(targetFar * 100).toFixed(2)} % with 95 % confidence (it takes about ${Math.ceil(3 / targetFar)} independent ones): ` +
    `the threshold is set above every impostor; calibrate on more people (${people} now)`
  );
}

/** Impostor pairs that should score above the threshold for it to rest on more than a handful of faces. */
export const MIN_IMPOSTORS_ABOVE = 10;

/**
 * What a technician should know before trusting the threshold: it rests on too few impostor pairs, or on people
 * it never saw it let more impostors through than its target (a small set's threshold does not transfer).
 */
export function calibrationWarnings(targetFar: number, impostorsAbove: number, impostorPairs: number, heldOutFar: number | undefined, people: number): string[] {
  const warnings: string[] = [];
  if (impostorsAbove < MIN_IMPOSTORS_ABOVE) {
    warnings.push(
      `the threshold for FAR ${(targetFar * 100).toFixed(2)} % rests on ${impostorsAbove === 0 ? 'no' : `only ${impostorsAbove}`} impostor pair(s) above it ` +
        `(${impostorPairs} in all): calibrate on more people (${people} now) before relying on it`,
    );
  }
  if (heldOutFar !== undefined && heldOutFar > targetFar * 1.25) {
    warnings.push(
      `on people it never saw, the threshold let ${(heldOutFar * 100).toFixed(3)} % of impostors through for a ${(targetFar * 100).toFixed(2)} % target: ` +
        'it does not transfer well from this set — calibrate on more people, or ask for a lower --far',
    );
  }
  return warnings;
}

function summarise(r: ReturnType<typeof roc>) {
  return {
    tarAtFar1: round(r.points[0]!.tar),
    thresholdAtFar1: round(r.points[0]!.threshold),
    tarAtFar01: round(r.points[1]!.tar),
    thresholdAtFar01: round(r.points[1]!.threshold),
    tarAtFar001: round(r.points[2]!.tar),
    thresholdAtFar001: round(r.points[2]!.threshold),
    eer: round(r.eer.eer),
  };
}

const round = (x: number) => Math.round(x * 1e5) / 1e5;
const rate = (scores: number[], t: number) => (scores.length ? scores.filter((x) => x >= t).length / scores.length : 0);

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { data: { type: 'string' }, out: { type: 'string' }, flip: { type: 'string' }, cache: { type: 'string' } } });
  const flip = values.flip as 'auto' | 'on' | 'off' | undefined;
  const result = await calibrate({ ...(values.data ? { data: resolve(values.data) } : {}), ...(values.out ? { out: values.out } : {}), ...(flip ? { flip } : {}), ...(values.cache ? { cache: values.cache } : {}), log: (s) => console.error(s) });
  console.log(JSON.stringify(result, null, 2));
}
