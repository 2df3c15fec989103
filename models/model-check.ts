/**
 * Technician checks for a site-provisioned face model (models/embedder.ts): `pinSpec` writes the SHA-256 of every
 * file into the spec (by hand it is error-prone, and a wrong hash stops the face step), and `checkModel` loads the
 * model as the face step will and runs it, so a bad spec shows up at installation, not at the first customer:
 * the embedding size, a batch dimension fixed at one face, a model that gives the same vector whatever the input
 * (a wrong input range or a broken conversion: seen with a converted MobileFaceNet), and its calibration. A wrong
 * channel order it cannot see: only a calibration shows that, as a low TAR.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../drivers/atomic-file.ts';
import { isXacminhError, XacminhError } from '../drivers/errors.ts';
import { mulberry32 } from '../drivers/prng.ts';
import { dot } from './accuracy/metrics.ts';
import { loadEmbedder, readEmbeddingSpec, sha256Hex as sha256, specRelative } from './embedder.ts';
import { ModelStore } from './manifest.ts';
import { initRuntime } from './runtime.ts';
import { readCalibration } from './threshold.ts';

/** Above this cosine even for the most different test inputs, the model does not respond to what it is given. */
export const SAME_VECTOR_COSINE = 0.995;

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new XacminhError('INVALID_INPUT', `${what} ${path} cannot be read`, { file: path }, { cause });
  }
}

/** Fills in the spec's sha256 and (TF.js) the pinned weight shards from the files on disk; returns what changed. */
export async function pinSpec(specPath: string): Promise<string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(await readBytes(specPath, 'Face model spec')));
  } catch (cause) {
    if (cause instanceof XacminhError) throw cause;
    throw new XacminhError('INVALID_INPUT', `Face model spec ${specPath} is not JSON`, { spec: specPath }, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new XacminhError('INVALID_INPUT', `Face model spec ${specPath} is not a JSON object`, { spec: specPath });
  const spec = parsed as Record<string, unknown>;
  if (typeof spec.path !== 'string' || !['tfjs-graph', 'onnx'].includes(spec.format as string)) {
    throw new XacminhError('INVALID_INPUT', `Face model spec ${specPath} needs "format" (tfjs-graph or onnx) and "path" before its files can be pinned`, { spec: specPath });
  }
  const modelPath = specRelative(specPath, spec.path);
  const modelBytes = await readBytes(modelPath, 'Face model file');
  const changed: string[] = [];
  const modelSha = sha256(modelBytes);
  if (spec.sha256 !== modelSha) changed.push(`${spec.path}: sha256 ${modelSha}`);
  spec.sha256 = modelSha;
  if (spec.format === 'tfjs-graph') {
    const shards = weightShards(modelBytes, modelPath);
    const listed = Array.isArray(spec.files) ? (spec.files as { path?: unknown; sha256?: unknown }[]) : [];
    const old = new Map(listed.map((f) => [f.path, f.sha256]));
    const files = [];
    for (const shard of shards) {
      const sha = sha256(await readBytes(resolve(dirname(modelPath), shard), 'Face model weight file'));
      if (old.get(shard) !== sha) changed.push(`${shard}: sha256 ${sha}`);
      files.push({ path: shard, sha256: sha });
    }
    // Only the weight files the model reads are pinned (graphEmbedder checks exactly those).
    for (const f of listed) if (!shards.includes(f.path as string)) changed.push(`${String(f.path)}: removed (not a weight file of ${spec.path})`);
    spec.files = files;
  } else if ('files' in spec) {
    changed.push('files: removed (an ONNX model is one file)');
    delete spec.files;
  }
  if (changed.length) await writeFileAtomic(specPath, `${JSON.stringify(spec, null, 2)}\n`);
  return changed;
}

function weightShards(modelJson: Uint8Array, modelPath: string): string[] {
  try {
    const model = JSON.parse(new TextDecoder().decode(modelJson)) as { weightsManifest?: { paths: string[] }[] };
    return (model.weightsManifest ?? []).flatMap((g) => g.paths);
  } catch (cause) {
    throw new XacminhError('INVALID_INPUT', `Face model ${modelPath} is not a TF.js model.json`, { file: modelPath }, { cause });
  }
}

export interface ModelCheck {
  name: string;
  license: string;
  embeddingSize: number;
  inputSize: number;
  /** Milliseconds for one face (median of three runs, after a first warm-up run). */
  msPerFace: number;
  /** Whether the model runs several faces at once (false: found or declared to take one face per run). */
  batches: boolean;
  /** The highest cosine between the descriptors of very different test inputs (near 1: the model does not respond). */
  differentInputsCosine: number;
  calibration: { path: string; state: 'ok' | 'missing' | 'unreadable' | 'other-weights'; threshold?: number };
  /** What a technician has to fix; empty when the model is ready. */
  problems: string[];
}

/** Loads the provisioned model through the face step's own loader (hashes checked) and runs it on test inputs. */
export async function checkModel(specPath: string): Promise<ModelCheck> {
  const spec = await readEmbeddingSpec(specPath).catch((error: unknown) => {
    // The spec is the technician's input here: a missing or malformed one is bad input, not a broken install.
    throw isXacminhError(error, 'MODEL_INVALID') ? new XacminhError('INVALID_INPUT', error.message, error.evidence, { cause: error }) : error;
  });
  const { tf } = await initRuntime();
  const embedder = await loadEmbedder(tf, await ModelStore.open(), specPath);
  const fixedBatch: string[] = [];
  const onWarning = (w: Error & { code?: string }) => void (w.code === 'XACMINH_FACE_MODEL_BATCH' && fixedBatch.push(w.message));
  process.on('warning', onWarning);
  try {
    const inputs = testInputs(embedder.inputSize);
    const vectors = await embedder.embed(inputs);
    await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await embedder.embed([inputs[0]!]);
      times.push(performance.now() - started);
    }
    const problems: string[] = [];
    const usable = vectors.every((v) => v.every(Number.isFinite) && v.some((x) => x !== 0));
    if (!usable) problems.push('the model returns descriptors that are not numbers or all zero: check "mean", "std" and "layout", or the conversion');
    // The most different pair of inputs: a model that sees its input tells at least these apart.
    const lowest = Math.min(...vectors.flatMap((v, i) => vectors.slice(i + 1).map((w) => dot(v, w))));
    if (usable && !(lowest <= SAME_VECTOR_COSINE)) {
      problems.push(
        `very different inputs (a gradient, noise, flat grey) all give nearly the same descriptor (cosine ≥ ${lowest.toFixed(4)}): the model does not respond to its input — check "mean" and "std" (the input range it expects) and "layout", or the conversion`,
      );
    }
    if (fixedBatch.length) problems.push('the model takes one face per run: add "maxBatch": 1 to its spec');
    const calibration = calibrationState(embedder.calibrationPath, embedder.sha256);
    const hint = `XACMINH_FACE_MODEL=${shellQuote(specPath)} xacminh face-calibrate DIR (a folder of photos per person)`;
    if (calibration.state === 'missing') problems.push(`not calibrated: run ${hint}`);
    if (calibration.state === 'unreadable') problems.push(`its calibration ${calibration.path} is not valid: run ${hint}`);
    if (calibration.state === 'other-weights') problems.push(`its calibration ${calibration.path} was made for other weights: run ${hint}`);
    return {
      name: embedder.name,
      license: embedder.license,
      embeddingSize: embedder.embeddingSize,
      inputSize: embedder.inputSize,
      msPerFace: times.sort((x, y) => x - y)[1]!,
      batches: fixedBatch.length === 0 && spec.maxBatch !== 1,
      differentInputsCosine: lowest,
      calibration,
      problems,
    };
  } finally {
    process.off('warning', onWarning);
    embedder.dispose();
  }
}

const shellQuote = (s: string) => (/^[\w./:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

function calibrationState(path: string, identity: string): ModelCheck['calibration'] {
  if (!existsSync(path)) return { path, state: 'missing' };
  try {
    const c = readCalibration(path);
    return c.model.sha256 === identity ? { path, state: 'ok', threshold: c.threshold } : { path, state: 'other-weights' };
  } catch {
    return { path, state: 'unreadable' };
  }
}

/** A smooth gradient, seeded noise and flat grey, face-chip sized: any model that sees its input tells them apart. */
function testInputs(size: number): Uint8Array[] {
  const gradient = new Uint8Array(size * size * 3);
  const noise = new Uint8Array(size * size * 3);
  const random = mulberry32(12345);
  for (let i = 0; i < gradient.length; i++) {
    const p = Math.floor(i / 3);
    const [x, y] = [p % size, Math.floor(p / size)];
    gradient[i] = Math.round(255 * (0.5 + 0.5 * Math.sin(((x + 2 * y) / size) * Math.PI * (1 + (i % 3)))));
    noise[i] = Math.floor(random() * 256);
  }
  return [gradient, noise, new Uint8Array(size * size * 3).fill(128)];
}
