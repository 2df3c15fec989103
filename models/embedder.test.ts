import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XacminhError } from '../drivers/errors.ts';
import { assertRejectsCode } from '../drivers/test-assert.ts';
import { _onnxEmbedder, batchedRunner, loadEmbedder, readEmbeddingSpec, toInput, type EmbeddingModelSpec } from './embedder.ts';
import { ModelStore } from './manifest.ts';
import { initRuntime } from './runtime.ts';
import { faceresSpec as provisionedFaceres, fixedBatchFaceresSpec as provisionedFixedBatch, sha256Of as sha } from './test-provisioned.ts';
import { readCalibration } from './threshold.ts';

let dir: string;

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xacminh-embedder-'));
});
test.after(async () => rm(dir, { recursive: true, force: true }));

const faceresSpec = (overrides: Partial<EmbeddingModelSpec> = {}) => provisionedFaceres(dir, overrides);
const fixedBatchFaceresSpec = (overrides: Partial<EmbeddingModelSpec> = {}) => provisionedFixedBatch(dir, overrides);

test('no provisioned model: the shipped ResNet, pinned by the manifest, with the default calibration', async () => {
  const { tf } = await initRuntime();
  const embedder = await loadEmbedder(tf, await ModelStore.open(), '');
  try {
    assert.is(embedder.inputSize, 150);
    assert.is(embedder.embeddingSize, 128);
    assert.is(embedder.sha256, readCalibration(embedder.calibrationPath).model.sha256);
    const [v] = await embedder.embed([new Uint8Array(150 * 150 * 3).fill(128)]);
    assert.is(v!.length, 128);
  } finally {
    embedder.dispose();
  }
});

test('a provisioned TF.js graph model loads from its spec, SHA-256 checked, and embeds its own chip size', async () => {
  const { tf } = await initRuntime();
  const specPath = await faceresSpec();
  const embedder = await loadEmbedder(tf, await ModelStore.open(), specPath);
  try {
    assert.is(embedder.inputSize, 224);
    assert.is(embedder.calibrationPath, join(dir, 'faceres.calibration.json'));
    const image = { rgb: new Uint8Array(300 * 300 * 3).fill(90), width: 300, height: 300 };
    const chip = embedder.chip(image, { x: 50, y: 50, width: 200, height: 200 }, undefined);
    assert.is(chip.length, 224 * 224 * 3);
    const [a, b] = await embedder.embed([chip, embedder.chip(image, { x: 50, y: 50, width: 200, height: 200 }, undefined, true)]);
    assert.is(a!.length, 1024);
    assert.ok(Math.abs(a!.reduce((s, x) => s + x * x, 0) - 1) < 1e-4, 'L2-normalised');
    assert.ok(b!.every((x) => Number.isFinite(x)));
  } finally {
    embedder.dispose();
  }
});

test('a provisioned file whose SHA-256 does not match is refused with both hashes', async () => {
  const { tf } = await initRuntime();
  const specPath = await faceresSpec({ files: [{ path: 'faceres.bin', sha256: '0'.repeat(64) }] });
  const error = await assertRejectsCode(loadEmbedder(tf, await ModelStore.open(), specPath), 'MODEL_INVALID');
  assert.match(error.message, /faceres\.bin does not match its spec/);
  assert.match(error.message, /expected 0{64}/);
});

test('a pinned file that is not a model the runtime can load is MODEL_INVALID naming the model (not an untyped crash)', async () => {
  const { tf } = await initRuntime();
  const store = await ModelStore.open();
  const cases: [string, string, RegExp][] = [
    ['not-json.json', '{ "modelTopology": ', /does not load as a TF\.js graph model\.json/],
    ['bad-graph.json', JSON.stringify({ format: 'graph-model', modelTopology: { node: [{ name: 'y', op: 'NoSuchOp', input: ['x'] }] }, weightsManifest: [] }), /does not load as a TF\.js graph model:/],
  ];
  for (const [file, text, message] of cases) {
    const bytes = new TextEncoder().encode(text);
    await writeFile(join(dir, file), bytes);
    const specPath = await faceresSpec({ name: 'broken export', path: join(dir, file), sha256: sha(bytes), files: [] });
    const error = await assertRejectsCode(loadEmbedder(tf, store, specPath), 'MODEL_INVALID');
    assert.match(error.message, /broken export/);
    assert.match(error.message, message);
  }
});

test('an invalid spec names the bad field', async () => {
  const path = join(dir, 'bad.json');
  await writeFile(path, JSON.stringify({ name: 'x', format: 'onnx', path: 'm.onnx', sha256: 'nope' }));
  const error = await assertRejectsCode(readEmbeddingSpec(path), 'MODEL_INVALID');
  assert.match(error.message, /sha256/);
  assert.match(error.message, /inputSize/);
});

test('an ONNX model without onnxruntime-node: a clear error saying how to install it (after the SHA-256 check)', async () => {
  const model = Uint8Array.of(8, 7, 18, 4, 116, 101, 115, 116); // bytes stand in for a .onnx file
  await writeFile(join(dir, 'site.onnx'), model);
  const spec = {
    name: 'site ArcFace',
    format: 'onnx',
    path: 'site.onnx',
    sha256: sha(model),
    inputSize: 112,
    layout: 'nchw',
    mean: [127.5, 127.5, 127.5],
    std: [127.5, 127.5, 127.5],
    embeddingSize: 512,
    alignment: { template: 'arcface5' },
    license: 'test',
    calibration: 'site.calibration.json',
  };
  const specPath = join(dir, 'onnx.json');
  await writeFile(specPath, JSON.stringify(spec));
  const parsed = await readEmbeddingSpec(specPath);
  const error = await assertRejectsCode(_onnxEmbedder(parsed, specPath, 'onnxruntime-node-absent-for-test'), 'MODEL_INVALID');
  assert.match(error.message, /not installed/);
  assert.match(error.message, /--ignore-scripts/);
  const tampered = await assertRejectsCode(_onnxEmbedder({ ...parsed, sha256: 'f'.repeat(64) }, specPath, 'onnxruntime-node-absent-for-test'), 'MODEL_INVALID');
  assert.match(tampered.message, /does not match its spec/);
});

test('a model whose batch is fixed at 1 still embeds several faces (one run each), the same vectors as a batched model', async () => {
  const { tf } = await initRuntime();
  const store = await ModelStore.open();
  const image = { rgb: Uint8Array.from({ length: 300 * 300 * 3 }, (_, i) => (i * 7) % 251), width: 300, height: 300 };
  const box = { x: 40, y: 40, width: 200, height: 200 };
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }) => w.code === 'XACMINH_FACE_MODEL_BATCH' && warnings.push(w.message);
  process.on('warning', onWarning);
  for (const overrides of [{}, { maxBatch: 1 }]) {
    warnings.length = 0;
    const fixed = await loadEmbedder(tf, store, await fixedBatchFaceresSpec(overrides));
    const batched = await loadEmbedder(tf, store, await faceresSpec());
    try {
      const chips = [fixed.chip(image, box, undefined), fixed.chip(image, box, undefined, true), fixed.chip(image, { ...box, x: 60 }, undefined)];
      const got = await fixed.embed(chips);
      const want = await batched.embed(chips);
      assert.is(got.length, 3);
      got.forEach((v, i) => assert.ok(v.every((x, d) => Math.abs(x - want[i]![d]!) < 1e-4), `face ${i}, spec ${JSON.stringify(overrides)}`));
      assert.is((await fixed.embed(chips.slice(0, 2))).length, 2, 'and again, once it knows');
      await new Promise((r) => setImmediate(r));
      assert.is(warnings.length, 'maxBatch' in overrides ? 0 : 1, 'a spec without maxBatch gets one warning to add it');
    } finally {
      fixed.dispose();
      batched.dispose();
    }
  }
  process.off('warning', onWarning);
});

test('batchedRunner: batches of maxBatch; a model that fails on one face is MODEL_INVALID naming the model', async () => {
  const spec = { name: 'site model', maxBatch: 2 } as EmbeddingModelSpec;
  const seen: number[] = [];
  const run = batchedRunner(spec, async (chips) => {
    seen.push(chips.length);
    return chips.map((c) => Float32Array.of(c[0]!));
  });
  const out = await run([1, 2, 3, 4, 5].map((n) => Uint8Array.of(n)));
  assert.equal(seen, [2, 2, 1]);
  assert.equal(out.map((v) => v[0]), [1, 2, 3, 4, 5]);
  const broken = batchedRunner({ name: 'site model' } as EmbeddingModelSpec, async () => {
    throw new Error('Got invalid dimensions for input');
  }, () => undefined);
  const error = await assertRejectsCode(broken([Uint8Array.of(1), Uint8Array.of(2)]), 'MODEL_INVALID');
  assert.match(error.message, /site model failed on 1 face/);
  assert.match(error.message, /invalid dimensions/);
});

test('batchedRunner: a fixed batch is found once, with one warning; bad input is not taken for it', async () => {
  const seen: number[] = [];
  const warnings: string[] = [];
  const fixedAtOne = batchedRunner(
    { name: 'site model' } as EmbeddingModelSpec,
    async (chips) => {
      seen.push(chips.length);
      if (chips.some((c) => c.length !== 1)) throw new XacminhError('INVALID_INPUT', 'Face chip must be 1×1 RGB');
      if (chips.length > 1) throw new Error('Got invalid dimensions for input: index 0 Got: 3 Expected: 1');
      return [Float32Array.of(chips[0]![0]!)];
    },
    (w) => warnings.push(w),
  );
  await assertRejectsCode(fixedAtOne([Uint8Array.of(1), Uint8Array.of(1, 2)]), 'INVALID_INPUT');
  assert.equal(seen, [2], 'bad input: no retry one by one');
  seen.length = 0;
  assert.equal((await fixedAtOne([1, 2, 3].map((n) => Uint8Array.of(n)))).map((v) => v[0]), [1, 2, 3]);
  assert.equal(seen, [3, 1, 1, 1], 'one probe of the batch, then one face at a time');
  seen.length = 0;
  await fixedAtOne([Uint8Array.of(4), Uint8Array.of(5)]);
  assert.equal(seen, [1, 1], 'and it remembers');
  assert.is(warnings.length, 1);
  assert.match(warnings[0]!, /site model runs one face at a time .*"maxBatch": 1/);
});

test('toInput: normalisation, channel order and NCHW layout', () => {
  const spec = { inputSize: 1, layout: 'nchw', channels: 'bgr', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] } as unknown as EmbeddingModelSpec;
  const out = toInput(spec, [Uint8Array.of(255, 127.5, 0), Uint8Array.of(0, 0, 255)]);
  assert.equal(Array.from(out), [-1, -0.003921568859368563, 1, 1, -1, -1]);
});

test.run();
