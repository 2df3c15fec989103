/**
 * The pluggable face-embedding model. By default the shipped one: face-api's dlib ResNet (128-D) on the
 * canonical dlib chip (models/recognition-net.ts). A site may be provisioned with a better licensed model —
 * a TF.js graph model or an ONNX model run by onnxruntime-node — declared in a small JSON spec (below) that
 * pins every file by SHA-256 and carries the crop, normalisation, embedding size, licence and the model's own
 * calibration file (its threshold and operating point, written by `xacminh face-calibrate --out`).
 *
 * The spec is found through XACMINH_FACE_MODEL (a path), or passed to loadEmbedder. Example (ONNX ArcFace):
 *   {
 *     "name": "site ArcFace r100", "format": "onnx", "path": "arcface-r100.onnx", "sha256": "…64 hex…",
 *     "inputSize": 112, "layout": "nchw", "channels": "rgb", "mean": [127.5, 127.5, 127.5], "std": [127.5, 127.5, 127.5],
 *     "embeddingSize": 512, "alignment": { "template": "arcface5" }, "license": "…", "calibration": "arcface-r100.calibration.json"
 *   }
 * Relative paths are relative to the spec file. A model exported with a fixed batch of one face takes
 * "maxBatch": 1 (without it that is found out on the first two-face run). onnxruntime-node is not a dependency: install it on such a site
 * with `npm install onnxruntime-node --ignore-scripts` (its install script reaches out for GPU providers; the
 * package itself carries the linux x64/arm64 CPU binaries).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { isXacminhError, XacminhError } from '../drivers/errors.ts';
import { alignedChip, DEFAULT_CHIP_GEOMETRY, type ChipGeometry, type Point, type RgbImage } from './face-geometry.ts';
import type { ModelStore } from './manifest.ts';
import { CHIP_SIZE, RecognitionNet } from './recognition-net.ts';
import type { Tf } from './runtime.ts';
import { DEFAULT_CALIBRATION_PATH } from './threshold.ts';
import type { FaceBox } from './types.ts';
import type { Tensor } from '@tensorflow/tfjs-core';

export const FACE_MODEL_ENV = 'XACMINH_FACE_MODEL';
export const SHIPPED_EMBEDDING_NAME = 'face-api dlib ResNet 128-D (aligned chip)';

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex');

export const EmbeddingModelSpecSchema = z.object({
  name: z.string().min(1),
  format: z.enum(['tfjs-graph', 'onnx']),
  /** The .onnx file, or the TF.js model.json (its weight shards listed in `files`). */
  path: z.string().min(1),
  sha256: sha256Schema,
  /** Further files the model reads (TF.js weight shards), each pinned. */
  files: z.array(z.object({ path: z.string().min(1), sha256: sha256Schema })).default([]),
  /** Side of the square input chip, in pixels. */
  inputSize: z.number().int().min(32).max(1024),
  layout: z.enum(['nhwc', 'nchw']).default('nhwc'),
  channels: z.enum(['rgb', 'bgr']).default('rgb'),
  /** Input = (pixel 0–255 − mean) / std, per channel in `channels` order. */
  mean: z.tuple([z.number(), z.number(), z.number()]).default([0, 0, 0]),
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).default([1, 1, 1]),
  embeddingSize: z.number().int().min(2).max(8192),
  /** The crop the model was trained on: dlib's 68- or 5-point chip (with padding) or ArcFace's 5-point 112 px crop. */
  alignment: z.object({ template: z.enum(['dlib68', 'dlib5', 'arcface5']), padding: z.number().min(0).max(2).default(0.25) }),
  license: z.string().min(1),
  /** The model's calibration JSON (threshold and operating point), relative to the spec. */
  calibration: z.string().min(1),
  /** Faces per run when the model's batch dimension is fixed (many exported models take exactly 1); default: all at once. */
  maxBatch: z.number().int().min(1).optional(),
  /** Graph input / output names when the model has several (default: the first input, the output of embeddingSize). */
  inputName: z.string().optional(),
  outputName: z.string().optional(),
});
export type EmbeddingModelSpec = z.infer<typeof EmbeddingModelSpecSchema>;

export interface Embedder {
  name: string;
  /** Identity of the weights (SHA-256; modelIdentity for a provisioned model), for the evidence and to match the calibration. */
  sha256: string;
  inputSize: number;
  embeddingSize: number;
  geometry: ChipGeometry;
  /** The calibration file that goes with these weights. */
  calibrationPath: string;
  license: string;
  /** The chip this model sees, from the frame, the face box and the 468-point mesh. */
  chip(image: RgbImage, box: FaceBox, mesh: readonly Point[] | undefined, mirror?: boolean): Uint8Array;
  /** inputSize² RGB chips → L2-normalised descriptors. */
  embed(chips: Uint8Array[]): Promise<Float32Array[]>;
  dispose(): void;
}

/** The provisioned model named by XACMINH_FACE_MODEL (or `specPath`), else the shipped ResNet. */
export async function loadEmbedder(tf: Tf, store: ModelStore, specPath: string | undefined = process.env[FACE_MODEL_ENV] || undefined): Promise<Embedder> {
  if (!specPath) return shippedEmbedder(tf, store);
  const spec = await readEmbeddingSpec(specPath);
  return spec.format === 'onnx' ? onnxEmbedder(spec, specPath) : graphEmbedder(tf, spec, specPath);
}

/** The calibration file of the face model in use: the provisioned spec's (XACMINH_FACE_MODEL), else the shipped one's. */
export async function calibrationPathFor(specPath: string | undefined = process.env[FACE_MODEL_ENV] || undefined): Promise<string> {
  if (!specPath) return DEFAULT_CALIBRATION_PATH;
  return specRelative(specPath, (await readEmbeddingSpec(specPath)).calibration);
}

export async function shippedEmbedder(tf: Tf, store: ModelStore): Promise<Embedder> {
  const net = await RecognitionNet.load(tf, store);
  const geometry = DEFAULT_CHIP_GEOMETRY;
  return {
    name: SHIPPED_EMBEDDING_NAME,
    sha256: store.shaOf('embedding'),
    inputSize: CHIP_SIZE,
    embeddingSize: 128,
    geometry,
    calibrationPath: DEFAULT_CALIBRATION_PATH,
    license: store.entry('@vladmandic/face-api/model/face_recognition_model.bin').license,
    chip: (image, box, mesh, mirror = false) => alignedChip(image, box, mesh, CHIP_SIZE, mirror, geometry),
    embed: (chips) => net.embed(chips),
    dispose: () => net.dispose(),
  };
}

export async function readEmbeddingSpec(specPath: string): Promise<EmbeddingModelSpec> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(specPath, 'utf8'));
  } catch (cause) {
    throw new XacminhError('MODEL_INVALID', `Face model spec ${specPath} (${FACE_MODEL_ENV}) is missing or not JSON`, { spec: specPath }, { cause });
  }
  const parsed = EmbeddingModelSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new XacminhError('MODEL_INVALID', `Face model spec ${specPath} is invalid: ${issues}`, { spec: specPath });
  }
  return parsed.data;
}

/** SHA-256 in lower-case hex, as specs and the manifest write it. */
export const sha256Hex = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * What a calibration is made for: the model file's SHA-256, or for a model with weight files, one SHA-256 over
 * every file's (new weights under the same model.json must not keep an old threshold).
 */
export function modelIdentity(spec: Pick<EmbeddingModelSpec, 'sha256' | 'files'>): string {
  if (!spec.files.length) return spec.sha256;
  const files = [...spec.files].sort((a, b) => a.path.localeCompare(b.path)).map((f) => `${f.path} ${f.sha256}`);
  return sha256Hex([spec.sha256, ...files].join('\n'));
}

/** A path in a spec, relative to the spec file. */
export const specRelative = (specPath: string, p: string) => (isAbsolute(p) ? p : resolve(dirname(specPath), p));

/** The bytes of a provisioned file after its SHA-256 check (read once: what is checked is what is loaded). */
export async function readPinned(path: string, sha256: string, spec: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new XacminhError('MODEL_INVALID', `Provisioned face model file ${path} is missing (spec ${spec})`, { file: path, expectedSha256: sha256 }, { cause });
  }
  const actual = sha256Hex(bytes);
  if (actual !== sha256) {
    throw new XacminhError(
      'MODEL_INVALID',
      `Provisioned face model file ${path} does not match its spec ${spec}: SHA-256 ${actual}, expected ${sha256}. ` +
        'The file is corrupt or was replaced; restore it, or update the spec and re-run xacminh face-calibrate',
      { file: path, sha256: actual, expectedSha256: sha256 },
    );
  }
  return bytes;
}

function common(spec: EmbeddingModelSpec, specPath: string) {
  const geometry: ChipGeometry = { kind: 'canonical', points: spec.alignment.template, padding: spec.alignment.padding };
  return {
    name: spec.name,
    sha256: modelIdentity(spec),
    inputSize: spec.inputSize,
    embeddingSize: spec.embeddingSize,
    geometry,
    calibrationPath: specRelative(specPath, spec.calibration),
    license: spec.license,
    chip: (image: RgbImage, box: FaceBox, mesh: readonly Point[] | undefined, mirror = false) => alignedChip(image, box, mesh, spec.inputSize, mirror, geometry),
  };
}

/** Chips → the model's input values, in its layout and channel order. */
export function toInput(spec: EmbeddingModelSpec, chips: Uint8Array[]): Float32Array {
  const s = spec.inputSize;
  const plane = s * s;
  const out = new Float32Array(chips.length * plane * 3);
  const order = spec.channels === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  chips.forEach((chip, n) => {
    if (chip.length !== plane * 3) throw new XacminhError('INVALID_INPUT', `Face chip must be ${s}×${s} RGB`, { bytes: chip.length });
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) {
        const v = (chip[p * 3 + order[c]!]! - spec.mean[c]!) / spec.std[c]!;
        out[spec.layout === 'nchw' ? n * plane * 3 + c * plane + p : (n * plane + p) * 3 + c] = v;
      }
    }
  });
  return out;
}

/**
 * Runs the model over the chips in batches of at most `maxBatch`. A model whose batch dimension is fixed at 1 but
 * whose spec does not say so fails on its first batch of two: when one face then runs, faces go one at a time from
 * then on (with a warning to set maxBatch), rather than failing every face step of that site. Bad input is never
 * taken for a batch problem.
 */
export function batchedRunner(
  spec: EmbeddingModelSpec,
  run: (chips: Uint8Array[]) => Promise<Float32Array[]>,
  warn: (message: string) => void = (message) => process.emitWarning(message, { code: 'XACMINH_FACE_MODEL_BATCH' }),
): (chips: Uint8Array[]) => Promise<Float32Array[]> {
  let maxBatch = spec.maxBatch ?? Infinity;
  const runChecked = (chips: Uint8Array[]) =>
    asModelInvalid(spec, (why) => `failed on ${chips.length} face(s): ${why}. Check its spec (inputSize, layout, inputName, maxBatch)`, () => run(chips), { faces: chips.length });
  const probeFixedBatch = async (batch: Uint8Array[]): Promise<Float32Array[]> => {
    try {
      return await run(batch);
    } catch (batchError) {
      if (isXacminhError(batchError, 'INVALID_INPUT')) throw batchError;
      const first = await runChecked(batch.slice(0, 1)); // fails here, with its own error, if one face does not run either
      maxBatch = 1;
      warn(`Face model ${spec.name} runs one face at a time (${(batchError as Error).message ?? batchError}): set "maxBatch": 1 in its spec`);
      return [...first, ...(await runOneByOne(batch.slice(1)))];
    }
  };
  const runOneByOne = async (chips: Uint8Array[]) => {
    const out: Float32Array[] = [];
    for (const chip of chips) out.push(...(await runChecked([chip])));
    return out;
  };
  return async (chips) => {
    const out: Float32Array[] = [];
    for (let at = 0; at < chips.length; ) {
      const batch = chips.slice(at, at + maxBatch);
      out.push(...(batch.length > 1 && maxBatch === Infinity ? await probeFixedBatch(batch) : await runChecked(batch)));
      at += batch.length;
    }
    return out;
  };
}

function normalise(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  return v.map((x) => x / n);
}

function split(data: Float32Array, count: number, size: number, name: string): Float32Array[] {
  if (data.length !== count * size) {
    throw new XacminhError('MODEL_INVALID', `Face model ${name} returned ${data.length / count} values per face, its spec says embeddingSize ${size}`, { got: data.length / count, expected: size });
  }
  return Array.from({ length: count }, (_, i) => normalise(data.slice(i * size, (i + 1) * size)));
}

interface GraphModelJson {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  signature?: unknown;
  weightsManifest?: { paths: string[]; weights: Parameters<Tf['io']['decodeWeights']>[1] }[];
}

/** A pinned file that the runtime cannot load (a bad export, the wrong format): MODEL_INVALID naming the model. */
function doesNotLoad<T>(spec: EmbeddingModelSpec, as: string, load: () => Promise<T>): Promise<T> {
  return asModelInvalid(spec, (why) => `(${spec.path}) does not load as ${as}: ${why}`, load, { file: spec.path });
}

/** The runtime's own errors (untyped) become MODEL_INVALID naming the model; our typed errors pass through. */
async function asModelInvalid<T>(spec: EmbeddingModelSpec, describe: (why: string) => string, work: () => Promise<T>, evidence: Record<string, unknown>): Promise<T> {
  try {
    return await work();
  } catch (cause) {
    if (cause instanceof XacminhError) throw cause;
    throw new XacminhError('MODEL_INVALID', `Face model ${spec.name} ${describe(String((cause as Error).message ?? cause))}`, { model: spec.name, ...evidence }, { cause });
  }
}

export async function graphEmbedder(tf: Tf, spec: EmbeddingModelSpec, specPath: string): Promise<Embedder> {
  const modelPath = specRelative(specPath, spec.path);
  const bytes = await readPinned(modelPath, spec.sha256, specPath);
  const json = await doesNotLoad(spec, 'a TF.js graph model.json', async () => JSON.parse(new TextDecoder().decode(bytes)) as GraphModelJson);
  const pinned = new Map(spec.files.map((f) => [resolve(dirname(modelPath), f.path), f.sha256]));
  const chunks: Uint8Array[] = [];
  for (const group of json.weightsManifest ?? []) {
    for (const p of group.paths) {
      const full = resolve(dirname(modelPath), p);
      const sha = pinned.get(full);
      if (!sha) throw new XacminhError('MODEL_INVALID', `Face model ${spec.name}: weight file ${p} is not pinned in the spec's "files"`, { file: p, spec: specPath });
      chunks.push(await readPinned(full, sha, specPath));
    }
  }
  const weightData = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    weightData.set(c, at);
    at += c.length;
  }
  const { loadGraphModel } = await import('@tensorflow/tfjs-converter');
  const model = await doesNotLoad(spec, 'a TF.js graph model', () =>
    loadGraphModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology as object,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? null,
        signature: json.signature as object,
        weightSpecs: (json.weightsManifest ?? []).flatMap((g) => g.weights),
        weightData: weightData.buffer,
      } as Parameters<Tf['io']['fromMemory']>[0]),
    ),
  );
  const s = spec.inputSize;
  return {
    ...common(spec, specPath),
    embed: batchedRunner(spec, async (chips) => {
      const shape: [number, number, number, number] = spec.layout === 'nchw' ? [chips.length, 3, s, s] : [chips.length, s, s, 3];
      const input = tf.tensor4d(toInput(spec, chips), shape, 'float32');
      try {
        const out = model.execute(input, spec.outputName) as Tensor | Tensor[];
        const outs = Array.isArray(out) ? out : [out];
        const pick = outs.find((t) => t.shape[t.shape.length - 1] === spec.embeddingSize) ?? outs[0]!;
        const data = (await pick.data()) as Float32Array;
        for (const t of outs) t.dispose();
        return split(Float32Array.from(data), chips.length, spec.embeddingSize, spec.name);
      } finally {
        input.dispose();
      }
    }),
    dispose: () => model.dispose(),
  };
}

interface OrtLike {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
}
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
  release?(): Promise<void>;
}

/** onnxruntime-node, when installed (optional: a module name held in a variable keeps it out of the type graph). */
export async function importOnnxRuntime(name = 'onnxruntime-node'): Promise<OrtLike> {
  try {
    const mod = (await import(name)) as OrtLike & { default?: OrtLike };
    return mod.InferenceSession ? mod : mod.default!;
  } catch (cause) {
    throw new XacminhError(
      'MODEL_INVALID',
      `This site's face model is an ONNX model, but ${name} is not installed (or does not load on this machine). ` +
        `Install it with: npm install ${name} --ignore-scripts (the install script only fetches GPU providers; the CPU binaries ship in the package)`,
      { package: name },
      { cause },
    );
  }
}

async function onnxEmbedder(spec: EmbeddingModelSpec, specPath: string, runtimeName?: string): Promise<Embedder> {
  const bytes = await readPinned(specRelative(specPath, spec.path), spec.sha256, specPath); // integrity first, whatever the runtime
  const ort = await importOnnxRuntime(runtimeName);
  const session = await doesNotLoad(spec, 'an ONNX model in onnxruntime-node', () => ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' }));
  const inputName = spec.inputName ?? session.inputNames[0]!;
  const s = spec.inputSize;
  return {
    ...common(spec, specPath),
    embed: batchedRunner(spec, async (chips) => {
      const dims = spec.layout === 'nchw' ? [chips.length, 3, s, s] : [chips.length, s, s, 3];
      const result = await session.run({ [inputName]: new ort.Tensor('float32', toInput(spec, chips), dims) });
      const out = spec.outputName ? result[spec.outputName] : (Object.values(result).find((t) => t.dims[t.dims.length - 1] === spec.embeddingSize) ?? Object.values(result)[0]);
      if (!out) throw new XacminhError('MODEL_INVALID', `Face model ${spec.name} produced no output`, { spec: specPath });
      return split(Float32Array.from(out.data as Float32Array), chips.length, spec.embeddingSize, spec.name);
    }),
    dispose: () => void session.release?.(),
  };
}

/** For tests: the ONNX path with another runtime package name (to show the not-installed error). */
export const _onnxEmbedder = onnxEmbedder;
