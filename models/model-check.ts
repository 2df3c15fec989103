/**
 * Technician checks for a site-provisioned face model (models/embedder.ts): `pinSpec` writes the SHA-256 of every
 * file into the spec (by hand it is error-prone, and a wrong hash stops the face step), and `checkModel` loads the
 * model as the face step will and runs it, so a bad spec shows up at installation, not at the first customer:
 * the embedding size, a batch dimension fixed at one face, a model that gives the same vector whatever the face
 * (wrong mean/std/channels or a broken conversion: seen with a converted MobileFaceNet), and its calibration.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { XacminhError } from '../drivers/errors.ts';
import { mulberry32 } from '../drivers/prng.ts';
import { dot } from './accuracy/metrics.ts';
import { loadEmbedder, specRelative } from './embedder.ts';
import { ModelStore } from './manifest.ts';
import { initRuntime } from './runtime.ts';
import { readCalibration } from './threshold.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Above this cosine, two very different inputs gave "the same" descriptor: the model does not see faces. */
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
  let spec: Record<string, unknown>;
  try {
    spec = JSON.parse(new TextDecoder().decode(await readBytes(specPath, 'Face model spec'))) as Record<string, unknown>;
  } catch (cause) {
    if (cause instanceof XacminhError) throw cause;
    throw new XacminhError('INVALID_INPUT', `Face model spec ${specPath} is not JSON`, { spec: specPath }, { cause });
  }
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
    const old = new Map(((spec.files as { path: string; sha256: string }[] | undefined) ?? []).map((f) => [f.path, f.sha256]));
    const files = [];
    for (const shard of shards) {
      const sha = sha256(await readBytes(resolve(dirname(modelPath), shard), 'Face model weight file'));
      if (old.get(shard) !== sha) changed.push(`${shard}: sha256 ${sha}`);
      files.push({ path: shard, sha256: sha });
    }
    spec.files = files;
  }
  if (changed.length) {
    await writeFile(`${specPath}.tmp`, `${JSON.stringify(spec, null, 2)}\n`);
    await rename(`${specPath}.tmp`, specPath);
  }
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
  /** Whether a run of two faces works (false: the batch is fixed at one face). */
  batches: boolean;
  /** Cosine between the descriptors of two very different inputs. */
  differentInputsCosine: number;
  calibration: { path: string; state: 'ok' | 'missing' | 'other-weights'; threshold?: number };
  /** What a technician has to fix; empty when the model is ready. */
  problems: string[];
}

/** Loads the provisioned model through the face step's own loader (hashes checked) and runs it on test inputs. */
export async function checkModel(specPath: string): Promise<ModelCheck> {
  const { tf } = await initRuntime();
  const embedder = await loadEmbedder(tf, await ModelStore.open(), specPath);
  const fixedBatch: string[] = [];
  const onWarning = (w: Error & { code?: string }) => void (w.code === 'XACMINH_FACE_MODEL_BATCH' && fixedBatch.push(w.message));
  process.on('warning', onWarning);
  try {
    const [gradient, noise] = testInputs(embedder.inputSize);
    const [a, b] = await embedder.embed([gradient, noise]);
    await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await embedder.embed([gradient]);
      times.push(performance.now() - started);
    }
    const cosine = dot(a!, b!);
    const problems: string[] = [];
    if (fixedBatch.length) problems.push('the model takes one face per run: add "maxBatch": 1 to its spec');
    if (cosine > SAME_VECTOR_COSINE) {
      problems.push(
        `two very different inputs give the same descriptor (cosine ${cosine.toFixed(4)}): the model does not see faces — check "mean", "std", "channels" and "layout" against the model's documentation, or the conversion`,
      );
    }
    const calibration = calibrationState(embedder.calibrationPath, embedder.sha256);
    if (calibration.state === 'missing') problems.push(`not calibrated: run XACMINH_FACE_MODEL=${specPath} xacminh face-calibrate DIR (a folder of photos per person)`);
    if (calibration.state === 'other-weights') problems.push(`its calibration ${calibration.path} was made for other weights: run face-calibrate again`);
    return {
      name: embedder.name,
      license: embedder.license,
      embeddingSize: embedder.embeddingSize,
      inputSize: embedder.inputSize,
      msPerFace: times.sort((x, y) => x - y)[1]!,
      batches: fixedBatch.length === 0,
      differentInputsCosine: cosine,
      calibration,
      problems,
    };
  } finally {
    process.off('warning', onWarning);
    embedder.dispose();
  }
}

function calibrationState(path: string, sha: string): ModelCheck['calibration'] {
  try {
    const c = readCalibration(path);
    return c.model.sha256 === sha ? { path, state: 'ok', threshold: c.threshold } : { path, state: 'other-weights' };
  } catch {
    return { path, state: 'missing' };
  }
}

/** A smooth face-sized gradient and seeded noise: any model that sees faces tells them apart. */
function testInputs(size: number): [Uint8Array, Uint8Array] {
  const gradient = new Uint8Array(size * size * 3);
  const noise = new Uint8Array(size * size * 3);
  const random = mulberry32(12345);
  for (let i = 0; i < gradient.length; i++) {
    const p = Math.floor(i / 3);
    const [x, y] = [p % size, Math.floor(p / size)];
    gradient[i] = Math.round(255 * (0.5 + 0.5 * Math.sin((x + 2 * y) / size * Math.PI * (1 + (i % 3)))));
    noise[i] = Math.floor(random() * 256);
  }
  return [gradient, noise];
}
