/**
 * bench/face-accuracy (issue 6): face-match accuracy of the crop / test-time / fusion variants, all measured in
 * one run on the same detections against the plain baseline (face-api's ResNet on the detector box).
 *
 *   node --import tsx bench/face-accuracy.ts [DIR …] [--folds 2] [--repeats 10] [--cache FILE]
 *        [--variants box,align+flip,faceres,…] [--max-impostors N] [--faces 1]
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
 *
 * --variants computes (or, from a cache, reports) only the named variants (RESNET_VARIANTS' names, and `faceres`
 * for Human's own faceres rows); a fusion row appears when both its parts do. --max-impostors scores a seeded
 * sample of about N impostor pairs per scored set instead of all (LFW View-2's 3,811 images make 7.2 M pairs);
 * the output says so. A set in LFW's layout (images/ beside pairs.txt, e.g. lfw-view2-dev) also gets LFW's
 * protocol accuracy over the folds of pairs.txt (mean ± standard deviation), the figure published results quote.
 * --faces N: Human returns up to N faces per image and the largest is measured (default 1: the most confident
 * face, as this bench always did; the product's engine uses 3, which picks the subject more often when a picture
 * has bystanders — 25 of LFW View-2's 3,811 images). A --cache file does not record it.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AccuracyLab, type LabImage } from '../models/accuracy/lab.ts';
import { chipVsCamera, cosineScorer, fusionScorer, heldOut, heldOutRepeated, heldOutTwoProbes, overRepeats, type HeldOutResult, type RepeatedHeldOut, sameData, type ScorerFactory } from '../models/accuracy/metrics.ts';
import { FACE_MODEL_ENV, readEmbeddingSpec } from '../models/embedder.ts';
import { FACE_DATA } from '../models/test-faces.ts';
import { lfwLayout } from '../models/calibrate-bound.ts';
import { chooseVariants, HUMAN_FACERES, wholeNumberOption } from '../models/accuracy/variant-choice.ts';
import { lfwPairsAccuracy, parseLfwPairs } from '../models/accuracy/lfw-pairs.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { folds: { type: 'string', default: '2' }, repeats: { type: 'string', default: '10' }, cache: { type: 'string' }, variants: { type: 'string' }, 'max-impostors': { type: 'string' }, faces: { type: 'string' } },
});
const folds = Number(values.folds);
const repeats = Number(values.repeats);
if (!(Number.isInteger(repeats) && repeats >= 1)) throw new Error(`--repeats must be a whole number ≥ 1, got ${values.repeats}`);
const dirs = (positionals.length ? positionals : [FACE_DATA]).map((d) => resolve(d));
const choice = chooseVariants(values.variants);
const variants = choice.resnet;
const maxFaces = values.faces === undefined ? undefined : wholeNumberOption('faces', values.faces, 1);
const maxImpostors = values['max-impostors'] === undefined ? undefined : wholeNumberOption('max-impostors', values['max-impostors'], 1000);

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
  const result = await (await lab()).run(lfwLayout(dir)?.images ?? dir, variants, (s) => console.error(s));
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
const getLab = async () => (loaded ??= await AccuracyLab.load({ faceres: choice.loadFaceres, ...(maxFaces ? { maxFaces } : {}), ...(provisionedSpec ? { provisionedSpec } : {}) }));

for (const dir of dirs) {
  const started = performance.now();
  const { images, noFace, detectMs } = await measure(dir, getLab);
  const people = new Set(images.map((e) => e.person)).size;
  const vec = (name: string) => images.map((e) => e.vectors[name]!);
  const ms = (name: string) => median(images.map((e) => e.ms[name]!));
  // A variant is reported when every image has it and --variants (if given) names it.
  const has = (name: string) => (name === HUMAN_FACERES ? choice.humanFaceres : choice.resnet.includes(name as never)) && images.every((e) => e.vectors[name]);
  const hasFaceres = has(HUMAN_FACERES);
  // A site's set with chip photos is scored as verifications are: chip photo vs camera picture only.
  const eligible = chipVsCamera(images);
  const pairs = { ...(eligible ? { eligible } : {}), ...(maxImpostors === undefined ? {} : { maxImpostors }) };
  const layout = lfwLayout(dir);
  const lfwFolds = layout ? parseLfwPairs(await readFile(layout.pairs, 'utf8'), layout.pairs) : null;

  const cosineRows: [string, string][] = [
    ['box', 'plain: detector box, squared (baseline)'],
    ['align', '+ landmark similarity transform to dlib’s 150² chip'],
    ['box+flip', '+ flip averaging'],
    ['align+flip', '+ both'],
    ['align5', 'similarity transform, dlib 5-point template'],
    ['align5+flip', '5-point + flip'],
    ['mesh-box', 'previous engine chip (mesh box ×1.4, eyes level)'],
    ['mesh-box+flip', 'previous engine chip + flip (previous default)'],
    ['align+flip+jitter', 'align+flip averaged over 5 zooms/turns (10 passes)'],
  ];
  const rows: { name: string; what: string; factory: ScorerFactory; msPerFace: number; fused?: boolean }[] = cosineRows
    .filter(([name]) => has(name))
    .map(([name, what]) => ({ name, what, factory: cosineScorer(vec(name)), msPerFace: ms(name) }));
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
  for (const [name, factory, partnerMs] of has('align+flip') ? partners : []) {
    rows.push({
      name: `fusion: align+flip ⊕ ${name}`,
      what: 'logistic on z-scored similarities of the two shipped models',
      factory: fusionScorer(images, [cosineScorer(vec('align+flip')), factory], eligible, maxImpostors),
      msPerFace: ms('align+flip') + partnerMs,
      fused: true,
    });
  }
  if (images.every((e) => e.vectors.provisioned)) {
    const name = loaded?.provisioned?.name ?? (provisionedSpec ? (await readEmbeddingSpec(provisionedSpec)).name : 'provisioned model');
    rows.push(
      { name: `provisioned: ${name}`, what: `${FACE_MODEL_ENV} model on its own aligned chip`, factory: cosineScorer(vec('provisioned')), msPerFace: ms('provisioned') },
      { name: `provisioned+flip: ${name}`, what: 'the same, mirror-averaged (as face-calibrate --flip on)', factory: cosineScorer(vec('provisioned+flip')), msPerFace: ms('provisioned+flip') },
    );
  }
  if (has('align+flip') && has('mesh-box+flip')) {
    rows.push({
      name: 'fusion: align+flip ⊕ mesh-box+flip',
      what: 'one model, two crops (logistic on z-scores)',
      factory: fusionScorer(images, [cosineScorer(vec('align+flip')), cosineScorer(vec('mesh-box+flip'))], eligible, maxImpostors),
      msPerFace: ms('align+flip') + ms('mesh-box+flip'),
      fused: true,
    });
  }
  if (!rows.length) throw new Error(`${dir}: none of the variants asked for (${values.variants}) is in the descriptors${values.cache ? ` of ${values.cache}` : ''}`);

  const all = images.map((_, i) => i);
  const results = rows.map((r) => {
    const t0 = performance.now();
    const out = {
      ...r,
      held: heldOut(images, r.factory, folds, undefined, pairs),
      same: sameData(images, r.factory(all), eligible, maxImpostors),
      repeated: repeats > 1 ? heldOutRepeated(images, r.factory, folds, repeats, pairs) : null,
      // LFW's protocol sets its threshold on pairs.txt's other folds; a fused score's logistic would need the same, so it is left out.
      lfw: lfwFolds && !r.fused ? lfwPairsAccuracy(lfwFolds, images.map((e) => e.file), r.factory(all)) : null,
    };
    console.error(`  ${r.name}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    return out;
  });
  const base = results[0]!.held;
  const f = (h: HeldOutResult, t: number) => h.points[t]!;
  const sampled = maxImpostors === undefined ? '' : `; impostor pairs: a seeded random sample of about ${maxImpostors.toLocaleString('en')} per calibration / test set (of each split), not all`;
  console.log(`\n### ${dir}\n`);
  console.log(
    `${images.length} images of ${people} people (${noFace.length} without a face${noFace.length ? `: ${noFace.join(', ')}` : ''}); ` +
      `${base.genuine} genuine / ${base.impostor} impostor held-out pairs (${folds}-fold by identity${eligible ? '; chip photo vs camera picture pairs only' : ''}${sampled}); detection ${median(detectMs).toFixed(0)} ms/image (not in the per-comparison time)\n`,
  );
  console.log(`| variant | what | accuracy | TAR @ FAR 1 % | TAR @ FAR 0.1 % | TAR @ FAR 0.01 % | EER | ms / comparison | Δ TAR @ 0.1 % vs ${results[0]!.name === 'box' ? 'plain' : results[0]!.name} |`);
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const h = r.held;
    const cell = (t: number) => `${pct(f(h, t).tar)} (FAR ${pct(f(h, t).far, 2)})`;
    const delta = (f(h, 1).tar - f(base, 1).tar) * 100;
    console.log(`| ${r.name} | ${r.what} | ${pct(h.accuracy)} | ${cell(0)} | ${cell(1)} | ${cell(2)} | ${pct(h.eer, 2)} | ${(2 * r.msPerFace).toFixed(0)} | ${r === results[0] ? '—' : `${delta >= 0 ? '+' : ''}${delta.toFixed(1)} pt`} |`);
  }
  const multi = ['box', 'box+flip', 'align', 'align+flip', 'mesh-box+flip'].filter(has).map((name) => ({ name, vectors: vec(name) }));
  if (images.every((e) => e.vectors['provisioned+flip'])) multi.push({ name: 'provisioned+flip', vectors: vec('provisioned+flip') });
  const multiHeld = multi.map(({ name, vectors }) => ({ name, vectors, h: heldOutTwoProbes(images, vectors, folds) }));
  console.log(
    `\nMulti-frame evidence (as the face step fuses frames): one image against the mean descriptor of two other images of a person; ` +
      `held-out identities, ${multiHeld[0]?.h.genuine ?? 0} genuine / ${multiHeld[0]?.h.impostor ?? 0} impostor comparisons:\n`,
  );
  console.log('| variant | accuracy | TAR @ FAR 1 % | TAR @ FAR 0.1 % | TAR @ FAR 0.01 % | EER |');
  console.log('|---|---|---|---|---|---|');
  for (const { name, h } of multiHeld) {
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
    for (const r of results) line(r.name, r.repeated!);
    for (const { name, vectors } of multiHeld) line(`${name} × 2 probes`, overRepeats(repeats, (seed) => heldOutTwoProbes(images, vectors, folds, seed)));
    console.log(
      `\nEvery target over the ${repeats} splits: mean TAR [95 % interval] (lowest–highest split), mean held-out FAR${lfwFolds ? `; LFW protocol accuracy on the ${lfwFolds.length} folds of pairs.txt, mean ± sample std over the folds` : ''}:\n`,
    );
    console.log(`| variant | TAR @ FAR 1 % | TAR @ FAR 0.1 % | TAR @ FAR 0.01 % | EER |${lfwFolds ? ' LFW accuracy |' : ''} ms / comparison |`);
    console.log(`|---|---|---|---|---|${lfwFolds ? '---|' : ''}---|`);
    for (const r of results) {
      const cell = (t: number) => {
        const p = r.repeated!.points[t]!;
        return `${pct(p.tar)} [${pct(p.tarLow)}–${pct(p.tarHigh)}] (${pct(p.tarMin)}–${pct(p.tarMax)}), FAR ${pct(p.far, 3)}`;
      };
      const lfw = lfwFolds ? ` ${r.lfw ? `${pct(r.lfw.mean, 2)} ± ${pct(r.lfw.std, 2)}` : '—'} |` : '';
      console.log(`| ${r.name} | ${cell(0)} | ${cell(1)} | ${cell(2)} | ${pct(r.repeated!.eer, 2)} |${lfw} ${(2 * r.msPerFace).toFixed(0)} |`);
    }
  }
  const missing = results.find((r) => r.lfw)?.lfw?.missing ?? 0;
  if (lfwFolds && missing) console.log(`\n(LFW protocol: ${missing} of ${lfwFolds.flat().length} pairs have an image without a face; they count as "different".)`);
  if (lfwFolds && repeats === 1) {
    console.log(`\nLFW protocol accuracy on the ${lfwFolds.length} folds of pairs.txt (mean ± sample std over the folds):\n`);
    for (const r of results) if (r.lfw) console.log(`- ${r.name}: ${pct(r.lfw.mean, 2)} ± ${pct(r.lfw.std, 2)}`);
  }
  console.log(`\nSame data, thresholds set on the pairs they are measured on (optimistic, for comparison with calibrate${maxImpostors === undefined ? '' : '; impostors sampled'}):\n`);
  console.log('| variant | TAR @ FAR 1 % | TAR @ FAR 0.1 % | TAR @ FAR 0.01 % | EER | threshold @ FAR 0.1 % |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results) {
    const s = r.same;
    console.log(`| ${r.name} | ${pct(s.points[0]!.tar)} | ${pct(s.points[1]!.tar)} | ${pct(s.points[2]!.tar)} | ${pct(s.eer, 2)} | ${s.points[1]!.threshold.toFixed(4)} |`);
  }
  console.error(`(${dir}: ${((performance.now() - started) / 1000).toFixed(0)} s)`);
}
loaded?.close();
