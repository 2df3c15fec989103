/**
 * bench/face-accuracy (issue 6): face-match accuracy of the crop / test-time / fusion variants, all measured in
 * one run on the same detections against the plain baseline (face-api's ResNet on the detector box).
 *
 *   node --import tsx bench/face-accuracy.ts [DIR …] [--folds 2] [--repeats 10] [--cache FILE]
 *
 * DIR: folder-per-person face sets (default ../shared/data/faces/lfw-dev). Every pair of images is scored — or, in a
 * site's set with each person's chip photo (chip.jpg / chip.jp2), every chip photo vs camera picture pair.
 * Thresholds for FAR 1 % / 0.1 % / 0.01 % (and the equal-error threshold behind "accuracy") are set on some
 * identities and measured on the others (k-fold by person, counts pooled): "faces the calibration never saw";
 * --repeats re-draws that identity split at random and reports the mean, the spread and a 95 % interval.
 * The logistic fusion is fitted on the calibration identities too. --cache keeps the descriptors in a JSON
 * file (written when absent, read when present) to re-run the statistics without the models.
 *
 * Rows: face-api's ResNet on the plain box (baseline), + dlib-canonical alignment, + flip averaging, + both;
 * the 5-point template, the previous engine chip, a 10-pass jitter average; Human's faceres on its own crop and
 * on the canonical chip; the logistic fusion of the ResNet with each faceres form. "ms / comparison" is two
 * faces' crop + embedding (chip photo and live frame); detection is shared by all rows and reported apart.
 * With XACMINH_FACE_MODEL naming a provisioned model's spec (models/embedder.ts), that model gets rows of its own.
 * (--cache files store the descriptors of the run that wrote them: delete one when the model changes.)
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AccuracyLab, type LabImage, RESNET_VARIANTS, type ResnetVariant } from '../models/accuracy/lab.ts';
import { chipVsCamera, cosineScorer, fusionScorer, heldOut, heldOutRepeated, heldOutTwoProbes, overRepeats, type HeldOutResult, type RepeatedHeldOut, sameData, type ScorerFactory } from '../models/accuracy/metrics.ts';
import { FACE_MODEL_ENV, readEmbeddingSpec } from '../models/embedder.ts';
import { FACE_DATA } from '../models/test-faces.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { folds: { type: 'string', default: '2' }, repeats: { type: 'string', default: '10' }, cache: { type: 'string' } } });
const folds = Number(values.folds);
const repeats = Number(values.repeats);
if (!(Number.isInteger(repeats) && repeats >= 1)) throw new Error(`--repeats must be a whole number ≥ 1, got ${values.repeats}`);
const dirs = (positionals.length ? positionals : [FACE_DATA]).map((d) => resolve(d));
const variants = Object.keys(RESNET_VARIANTS) as ResnetVariant[];

interface Cached {
  dir: string;
  images: { person: string; file: string; chip?: boolean; vectors: Record<string, number[]>; ms: Record<string, number> }[];
  noFace: string[];
  detectMs: number[];
}

async function measure(dir: string, lab: () => Promise<AccuracyLab>): Promise<{ images: LabImage[]; noFace: string[]; detectMs: number[] }> {
  const cacheFile = values.cache ? (dirs.length > 1 ? `${values.cache}.${basename(dir)}` : values.cache) : undefined;
  if (cacheFile && existsSync(cacheFile)) {
    const c = JSON.parse(await readFile(cacheFile, 'utf8')) as Cached;
    const images = c.images.map((e) => ({ ...e, vectors: Object.fromEntries(Object.entries(e.vectors).map(([k, v]) => [k, Float32Array.from(v)])) }));
    return { images, noFace: c.noFace, detectMs: c.detectMs };
  }
  const result = await (await lab()).run(dir, variants, (s) => console.error(s));
  if (cacheFile) {
    const images = result.images.map((e) => ({ ...e, vectors: Object.fromEntries(Object.entries(e.vectors).map(([k, v]) => [k, Array.from(v)])) }));
    await writeFile(cacheFile, JSON.stringify({ dir, images, noFace: result.noFace, detectMs: result.detectMs } satisfies Cached));
  }
  return result;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN;
};
const pct = (x: number, d = 1) => `${(100 * x).toFixed(d)} %`;

let loaded: AccuracyLab | undefined;
const provisionedSpec = process.env[FACE_MODEL_ENV] || undefined;
const getLab = async () => (loaded ??= await AccuracyLab.load(provisionedSpec ? { provisionedSpec } : {}));

for (const dir of dirs) {
  const started = performance.now();
  const { images, noFace, detectMs } = await measure(dir, getLab);
  const people = new Set(images.map((e) => e.person)).size;
  const vec = (name: string) => images.map((e) => e.vectors[name]!);
  const ms = (name: string) => median(images.map((e) => e.ms[name]!));
  const hasFaceres = images.every((e) => e.vectors.faceres);
  // A site's set with chip photos is scored as verifications are: chip photo vs camera picture only.
  const eligible = chipVsCamera(images);
  const pairs = eligible ? { eligible } : {};

  const rows: { name: string; what: string; factory: ScorerFactory; msPerFace: number }[] = [
    { name: 'box', what: 'plain: detector box, squared (baseline)', factory: cosineScorer(vec('box')), msPerFace: ms('box') },
    { name: 'align', what: '+ landmark similarity transform to dlib’s 150² chip', factory: cosineScorer(vec('align')), msPerFace: ms('align') },
    { name: 'box+flip', what: '+ flip averaging', factory: cosineScorer(vec('box+flip')), msPerFace: ms('box+flip') },
    { name: 'align+flip', what: '+ both', factory: cosineScorer(vec('align+flip')), msPerFace: ms('align+flip') },
    { name: 'align5', what: 'similarity transform, dlib 5-point template', factory: cosineScorer(vec('align5')), msPerFace: ms('align5') },
    { name: 'align5+flip', what: '5-point + flip', factory: cosineScorer(vec('align5+flip')), msPerFace: ms('align5+flip') },
    { name: 'mesh-box', what: 'previous engine chip (mesh box ×1.4, eyes level)', factory: cosineScorer(vec('mesh-box')), msPerFace: ms('mesh-box') },
    { name: 'mesh-box+flip', what: 'previous engine chip + flip (previous default)', factory: cosineScorer(vec('mesh-box+flip')), msPerFace: ms('mesh-box+flip') },
  ];
  const has = (name: string) => images.every((e) => e.vectors[name]);
  if (has('align+flip+jitter')) {
    rows.push({ name: 'align+flip+jitter', what: 'align+flip averaged over 5 zooms/turns (10 passes)', factory: cosineScorer(vec('align+flip+jitter')), msPerFace: ms('align+flip+jitter') });
  }
  if (hasFaceres) {
    rows.push(
      { name: 'faceres', what: 'Human faceres 1024-D on Human’s crop, cosine', factory: cosineScorer(vec('faceres')), msPerFace: ms('faceres') },
      { name: 'faceres-centred', what: 'Human faceres, mean-centred cosine', factory: cosineScorer(vec('faceres'), true), msPerFace: ms('faceres') },
    );
  }
  for (const name of ['faceres-align', 'faceres-align+flip', 'faceres-align50+flip'].filter(has)) {
    rows.push({ name: `${name} (centred)`, what: `faceres on the canonical chip, 224², ${name.includes('50') ? 'padding 0.5' : 'padding 0.25'}${name.includes('flip') ? ', flip' : ''}, mean-centred`, factory: cosineScorer(vec(name), true), msPerFace: ms(name) });
  }
  // Fusion: face-api ResNet (align+flip, the new default) with each faceres form, logistic fitted on the calibration identities.
  const partners: [string, ScorerFactory, number][] = [];
  if (hasFaceres) partners.push(['faceres-centred', cosineScorer(vec('faceres'), true), ms('faceres')]);
  for (const name of ['faceres-align+flip', 'faceres-align50+flip'].filter(has)) partners.push([`${name} (centred)`, cosineScorer(vec(name), true), ms(name)]);
  for (const [name, factory, partnerMs] of partners) {
    rows.push({
      name: `fusion: align+flip ⊕ ${name}`,
      what: 'logistic on z-scored similarities of the two shipped models',
      factory: fusionScorer(images, [cosineScorer(vec('align+flip')), factory], eligible),
      msPerFace: ms('align+flip') + partnerMs,
    });
  }
  if (has('provisioned')) {
    const name = loaded?.provisioned?.name ?? (provisionedSpec ? (await readEmbeddingSpec(provisionedSpec)).name : 'provisioned model');
    rows.push(
      { name: `provisioned: ${name}`, what: `${FACE_MODEL_ENV} model on its own aligned chip`, factory: cosineScorer(vec('provisioned')), msPerFace: ms('provisioned') },
      { name: `provisioned+flip: ${name}`, what: 'the same, mirror-averaged (as face-calibrate --flip on)', factory: cosineScorer(vec('provisioned+flip')), msPerFace: ms('provisioned+flip') },
    );
  }
  rows.push({
    name: 'fusion: align+flip ⊕ mesh-box+flip',
    what: 'one model, two crops (logistic on z-scores)',
    factory: fusionScorer(images, [cosineScorer(vec('align+flip')), cosineScorer(vec('mesh-box+flip'))], eligible),
    msPerFace: ms('align+flip') + ms('mesh-box+flip'),
  });

  const results = rows.map((r) => ({ ...r, held: heldOut(images, r.factory, folds, undefined, pairs), same: sameData(images, r.factory(images.map((_, i) => i)), eligible) }));
  const base = results[0]!.held;
  const f = (h: HeldOutResult, t: number) => h.points[t]!;
  console.log(`\n### ${dir}\n`);
  console.log(
    `${images.length} images of ${people} people (${noFace.length} without a face${noFace.length ? `: ${noFace.join(', ')}` : ''}); ` +
      `${base.genuine} genuine / ${base.impostor} impostor held-out pairs (${folds}-fold by identity${eligible ? '; chip photo vs camera picture pairs only' : ''}); detection ${median(detectMs).toFixed(0)} ms/image (not in the per-comparison time)\n`,
  );
  console.log('| variant | what | accuracy | TAR @ FAR 1 % | TAR @ FAR 0.1 % | TAR @ FAR 0.01 % | EER | ms / comparison | Δ TAR @ 0.1 % vs plain |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const h = r.held;
    const cell = (t: number) => `${pct(f(h, t).tar)} (FAR ${pct(f(h, t).far, 2)})`;
    const delta = (f(h, 1).tar - f(base, 1).tar) * 100;
    console.log(`| ${r.name} | ${r.what} | ${pct(h.accuracy)} | ${cell(0)} | ${cell(1)} | ${cell(2)} | ${pct(h.eer, 2)} | ${(2 * r.msPerFace).toFixed(0)} | ${r === results[0] ? '—' : `${delta >= 0 ? '+' : ''}${delta.toFixed(1)} pt`} |`);
  }
  const multi = ['box', 'box+flip', 'align', 'align+flip', 'mesh-box+flip', 'provisioned+flip'].filter(has).map((name) => ({ name, h: heldOutTwoProbes(images, vec(name), folds) }));
  console.log(
    `\nMulti-frame evidence (as the face step fuses frames): one image against the mean descriptor of two other images of a person; ` +
      `held-out identities, ${multi[0]?.h.genuine ?? 0} genuine / ${multi[0]?.h.impostor ?? 0} impostor comparisons:\n`,
  );
  console.log('| variant | accuracy | TAR @ FAR 1 % | TAR @ FAR 0.1 % | TAR @ FAR 0.01 % | EER |');
  console.log('|---|---|---|---|---|---|');
  for (const { name, h } of multi) {
    const cell = (t: number) => `${pct(f(h, t).tar)} (FAR ${pct(f(h, t).far, 2)})`;
    console.log(`| ${name} × 2 probes | ${pct(h.accuracy)} | ${cell(0)} | ${cell(1)} | ${cell(2)} | ${pct(h.eer, 2)} |`);
  }
  if (repeats > 1) {
    console.log(
      `\nThe same held-out measurement over ${repeats} identity splits (the first is the one above, the others random): mean TAR, ` +
        `the lowest–highest of a split, a 95 % interval that counts people rather than pairs (a person's pairs fail together), and the mean held-out FAR:\n`,
    );
    console.log('| variant | TAR @ FAR 1 % | TAR @ FAR 0.1 % (lowest–highest) | 95 % interval | held-out FAR at the 0.1 % threshold | EER |');
    console.log('|---|---|---|---|---|---|');
    const line = (name: string, r: RepeatedHeldOut) => {
      const p = r.points[1]!;
      console.log(`| ${name} | ${pct(r.points[0]!.tar)} | ${pct(p.tar)} (${pct(p.tarMin)}–${pct(p.tarMax)}) | ${pct(p.tarLow)}–${pct(p.tarHigh)} | ${pct(p.far, 3)} | ${pct(r.eer, 2)} |`);
    };
    for (const r of results) line(r.name, heldOutRepeated(images, r.factory, folds, repeats, pairs));
    for (const { name } of multi) line(`${name} × 2 probes`, overRepeats(repeats, (seed) => heldOutTwoProbes(images, vec(name), folds, seed)));
  }
  console.log('\nSame data, thresholds set on the pairs they are measured on (optimistic, for comparison with calibrate):\n');
  console.log('| variant | TAR @ FAR 1 % | TAR @ FAR 0.1 % | TAR @ FAR 0.01 % | EER | threshold @ FAR 0.1 % |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results) {
    const s = r.same;
    console.log(`| ${r.name} | ${pct(s.points[0]!.tar)} | ${pct(s.points[1]!.tar)} | ${pct(s.points[2]!.tar)} | ${pct(s.eer, 2)} | ${s.points[1]!.threshold.toFixed(4)} |`);
  }
  console.error(`(${dir}: ${((performance.now() - started) / 1000).toFixed(0)} s)`);
}
loaded?.close();
