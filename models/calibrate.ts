/**
 * Calibrates the match threshold on a folder-per-person face set (default ../shared/data/faces/lfw-dev):
 * embeds every image, scores every genuine and impostor pair, and writes the ROC and the threshold at
 * FAR 0.1 % to models/calibration/default.json, which the face step reads. Also measures two cheap
 * improvements on the same data: mirror-averaged descriptors, and fusing two probe images (mean vs max).
 *
 *   node --import tsx models/calibrate.ts [--data DIR] [--out FILE] [--flip auto|on|off]
 */
import { readdir, readFile, writeFile, rename } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeFrame } from '../drivers/camera/decode.ts';
import { XacminhError } from '../drivers/errors.ts';
import { FaceEngine, meanVector } from './engine.ts';
import { atFar, equalErrorRate } from './roc.ts';
import { DEFAULT_CALIBRATION_PATH, type Calibration } from './threshold.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_FACE_DATA = resolve(REPO, '../shared/data/faces/lfw-dev');

export interface Embedded {
  person: string;
  file: string;
  plain: Float32Array;
  flip: Float32Array;
}

export async function listPeople(dir: string): Promise<{ person: string; files: string[] }[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch (cause) {
    throw new XacminhError('INVALID_INPUT', `Face data ${dir} is missing: it holds one folder of JPEGs per person (../shared/data/faces/lfw-dev)`, { dir }, { cause });
  }
  const people = [];
  for (const person of names) {
    const files = (await readdir(join(dir, person))).filter((f) => /\.jpe?g$/i.test(f)).sort().map((f) => join(dir, person, f));
    people.push({ person, files });
  }
  return people;
}

export async function embedAll(engine: FaceEngine, dir: string): Promise<{ embedded: Embedded[]; noFace: string[] }> {
  const embedded: Embedded[] = [];
  const noFace: string[] = [];
  for (const { person, files } of await listPeople(dir)) {
    for (const file of files) {
      const frame = await decodeFrame({ jpeg: new Uint8Array(await readFile(file)), width: 1, height: 1, timestamp: 0, sequence: 0 });
      const image = { rgb: frame.rgb, width: frame.width, height: frame.height };
      const [face] = await engine.analyze(image);
      if (!face) {
        noFace.push(relative(dir, file));
        continue;
      }
      const [plain, mirrored] = await engine.embedChips([engine.chip(image, face), engine.chip(image, face, true)]);
      embedded.push({ person, file: relative(dir, file), plain: plain!, flip: meanVector([plain!, mirrored!]) });
    }
  }
  return { embedded, noFace };
}

function scorePairs(items: Embedded[], pick: (e: Embedded) => Float32Array, sim: (a: Float32Array, b: Float32Array) => number) {
  const genuine: number[] = [];
  const impostor: number[] = [];
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      (items[i]!.person === items[j]!.person ? genuine : impostor).push(sim(pick(items[i]!), pick(items[j]!)));
    }
  }
  return { genuine, impostor };
}

function roc(genuine: number[], impostor: number[]) {
  const far1 = atFar(genuine, impostor, 0.01);
  const far01 = atFar(genuine, impostor, 0.001);
  return { far1, far01, eer: equalErrorRate(genuine, impostor) };
}

/** One gallery image vs two probe images of a person: single probe, mean descriptor, max similarity. */
function fusionStudy(items: Embedded[], pick: (e: Embedded) => Float32Array, sim: (a: Float32Array, b: Float32Array) => number) {
  const byPerson = new Map<string, Embedded[]>();
  for (const e of items) byPerson.set(e.person, [...(byPerson.get(e.person) ?? []), e]);
  const out = { single: { g: [] as number[], i: [] as number[] }, mean: { g: [] as number[], i: [] as number[] }, max: { g: [] as number[], i: [] as number[] } };
  const probes = [...byPerson.values()].filter((l) => l.length >= 3);
  for (const gallery of items) {
    for (const list of probes) {
      const two = list.filter((e) => e !== gallery).slice(0, 2);
      const key = list[0]!.person === gallery.person ? 'g' : 'i';
      const [a, b] = two.map(pick) as [Float32Array, Float32Array];
      out.single[key].push(sim(pick(gallery), a));
      out.mean[key].push(sim(pick(gallery), meanVector([a, b])));
      out.max[key].push(Math.max(sim(pick(gallery), a), sim(pick(gallery), b)));
    }
  }
  const summary = (s: { g: number[]; i: number[] }) => ({ genuine: s.g.length, impostor: s.i.length, tarAtFar1: atFar(s.g, s.i, 0.01).tar, eer: equalErrorRate(s.g, s.i).eer });
  return { single: summary(out.single), mean: summary(out.mean), max: summary(out.max) };
}

export async function calibrate(options: { data?: string; out?: string; flip?: 'auto' | 'on' | 'off'; log?: (s: string) => void } = {}): Promise<Calibration> {
  const data = options.data ?? DEFAULT_FACE_DATA;
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const engine = await FaceEngine.load();
  const { embedded, noFace } = await embedAll(engine, data);
  log(`embedded ${embedded.length} images (${noFace.length} without a face) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const sim = (a: Float32Array, b: Float32Array) => engine.similarity(a, b);
  const plain = scorePairs(embedded, (e) => e.plain, sim);
  const flipped = scorePairs(embedded, (e) => e.flip, sim);
  const rocPlain = roc(plain.genuine, plain.impostor);
  const rocFlip = roc(flipped.genuine, flipped.impostor);
  const useFlip = options.flip === 'on' || (options.flip !== 'off' && rocFlip.eer.eer < rocPlain.eer.eer);
  const chosen = useFlip ? rocFlip : rocPlain;
  const fusion = fusionStudy(embedded, useFlip ? (e) => e.flip : (e) => e.plain, sim);
  const result: Calibration = {
    threshold: round(chosen.far01.threshold),
    far: round(chosen.far01.far),
    tar: round(chosen.far01.tar),
    eer: round(chosen.eer.eer),
    flipAverage: useFlip,
    tarAtFar1: round(chosen.far1.tar),
    tarAtFar01: round(chosen.far01.tar),
    pairs: { genuine: plain.genuine.length, impostor: plain.impostor.length },
    images: { total: embedded.length + noFace.length, noFace: noFace.length },
    fusion: {
      flipAverage: useFlip,
      plain: summarise(rocPlain),
      flip: summarise(rocFlip),
      twoProbes: fusion,
      thresholdAtFar1: round(chosen.far1.threshold),
    },
    model: { name: `${engine.model.name}${useFlip ? ' + mirror average' : ''}`, sha256: engine.model.sha256 },
    dataset: relative(REPO, data),
    command: `node --import tsx models/calibrate.ts${options.flip ? ` --flip ${options.flip}` : ''}`,
    measuredAt: new Date().toISOString(),
  };
  await engine.close();
  if (options.out !== '') {
    const out = options.out ?? DEFAULT_CALIBRATION_PATH;
    await writeFile(`${out}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
    await rename(`${out}.tmp`, out);
  }
  return result;
}

function summarise(r: ReturnType<typeof roc>) {
  return {
    tarAtFar1: round(r.far1.tar),
    thresholdAtFar1: round(r.far1.threshold),
    tarAtFar01: round(r.far01.tar),
    thresholdAtFar01: round(r.far01.threshold),
    eer: round(r.eer.eer),
  };
}

const round = (x: number) => Math.round(x * 1e5) / 1e5;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { data: { type: 'string' }, out: { type: 'string' }, flip: { type: 'string' } } });
  const flip = values.flip as 'auto' | 'on' | 'off' | undefined;
  const result = await calibrate({ ...(values.data ? { data: resolve(values.data) } : {}), ...(values.out ? { out: values.out } : {}), ...(flip ? { flip } : {}), log: (s) => console.error(s) });
  console.log(JSON.stringify(result, null, 2));
}
