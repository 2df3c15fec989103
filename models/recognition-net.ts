/**
 * face-api's face recognition network (dlib's ResNet, 128-D descriptor) run on our shared tfjs instance.
 * The forward pass mirrors face-api 1.7's FaceRecognitionNet exactly (same weights, same op order); only
 * the input differs: we hand it dlib's canonical 150×150 chip (landmarks mapped by a similarity transform onto
 * dlib's template, padding 0.25: canonicalChip in models/face-geometry.ts), the crop the weights were trained
 * on, instead of face-api's unrotated landmark box (TAR at FAR 0.1 % on held-out lfw-dev identities 94.7 %
 * vs 41.0 % for the plain box, bench/face-accuracy.ts). Chosen over Human's faceres because it measured best on LFW (TAR 90.3 % vs 70.2 %
 * at FAR 0.1 %, /work/shared/notes/face-models.md) at a third of the time per face.
 */
import { XacminhError } from '../drivers/errors.ts';
import type { ModelStore } from './manifest.ts';
import type { Tf } from './runtime.ts';
import type { Tensor, Tensor1D, Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';

export const RECOGNITION_MANIFEST = '@vladmandic/face-api/model/face_recognition_model-weights_manifest.json';
export const CHIP_SIZE = 150;
const MEAN_RGB = [122.782, 117.001, 104.298];

type Weights = Record<string, Tensor>;

export class RecognitionNet {
  private constructor(
    private readonly tf: Tf,
    private readonly w: Weights,
  ) {}

  static async load(tf: Tf, store: ModelStore): Promise<RecognitionNet> {
    const manifest = JSON.parse(new TextDecoder().decode(await store.take(RECOGNITION_MANIFEST))) as {
      paths: string[];
      weights: Parameters<Tf['io']['decodeWeights']>[1];
    }[];
    const dir = RECOGNITION_MANIFEST.slice(0, RECOGNITION_MANIFEST.lastIndexOf('/') + 1);
    const weights: Weights = {};
    for (const group of manifest) {
      const chunks: Uint8Array[] = [];
      for (const p of group.paths) chunks.push(await store.take(dir + p));
      const data = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunks) {
        data.set(c, at);
        at += c.length;
      }
      Object.assign(weights, tf.io.decodeWeights(data.buffer, group.weights));
    }
    if (!weights.fc || !weights['conv32_down/conv/filters']) {
      throw new XacminhError('MODEL_INVALID', `${RECOGNITION_MANIFEST} does not hold the recognition weights: reinstall @vladmandic/face-api`);
    }
    return new RecognitionNet(tf, weights);
  }

  /** chips: N aligned 150×150×3 RGB chips (uint8) → N L2-normalised 128-D descriptors. */
  async embed(chips: Uint8Array[]): Promise<Float32Array[]> {
    const tf = this.tf;
    const out = tf.tidy(() => {
      const batch = tf.tensor4d(concatChips(chips), [chips.length, CHIP_SIZE, CHIP_SIZE, 3], 'float32');
      const x = tf.div(tf.sub(batch, tf.tensor1d(MEAN_RGB)), 255) as Tensor4D;
      let s = this.convLayer(x, 'conv32_down', [2, 2], true, 'valid');
      s = tf.maxPool(s, 3, 2, 'valid');
      for (const name of ['conv32_1', 'conv32_2', 'conv32_3']) s = this.residual(s, name);
      s = this.residualDown(s, 'conv64_down');
      for (const name of ['conv64_1', 'conv64_2', 'conv64_3']) s = this.residual(s, name);
      s = this.residualDown(s, 'conv128_down');
      for (const name of ['conv128_1', 'conv128_2']) s = this.residual(s, name);
      s = this.residualDown(s, 'conv256_down');
      for (const name of ['conv256_1', 'conv256_2']) s = this.residual(s, name);
      s = this.residualDown(s, 'conv256_down_out');
      const pooled = tf.mean(s, [1, 2]) as Tensor2D;
      return tf.matMul(pooled, this.w.fc as Tensor2D);
    });
    const data = await out.data<'float32'>();
    out.dispose();
    const dims = data.length / chips.length;
    return chips.map((_, i) => normalise(data.slice(i * dims, (i + 1) * dims)));
  }

  dispose(): void {
    for (const t of Object.values(this.w)) t.dispose();
  }

  private convLayer(x: Tensor4D, name: string, strides: [number, number], relu: boolean, padding: 'same' | 'valid' = 'same'): Tensor4D {
    const tf = this.tf;
    const w = (k: string) => this.w[`${name}/${k}`] as Tensor;
    let out = tf.conv2d(x, w('conv/filters') as Tensor4D, strides, padding);
    out = tf.add(out, w('conv/bias') as Tensor1D) as Tensor4D;
    out = tf.add(tf.mul(out, w('scale/weights')), w('scale/biases')) as Tensor4D;
    return relu ? tf.relu(out) : out;
  }

  private residual(x: Tensor4D, name: string): Tensor4D {
    let out = this.convLayer(x, `${name}/conv1`, [1, 1], true);
    out = this.convLayer(out, `${name}/conv2`, [1, 1], false);
    return this.tf.relu(this.tf.add(out, x) as Tensor4D);
  }

  private residualDown(x: Tensor4D, name: string): Tensor4D {
    const tf = this.tf;
    let out = this.convLayer(x, `${name}/conv1`, [2, 2], true, 'valid');
    out = this.convLayer(out, `${name}/conv2`, [1, 1], false);
    let pooled = tf.avgPool(x, 2, 2, 'valid');
    if (pooled.shape[1] !== out.shape[1] || pooled.shape[2] !== out.shape[2]) {
      // face-api pads the strided branch by one row and one column of zeros to meet the pooled branch.
      out = tf.concat([out, tf.zeros([out.shape[0], 1, out.shape[2], out.shape[3]])], 1);
      out = tf.concat([out, tf.zeros([out.shape[0], out.shape[1], 1, out.shape[3]])], 2);
    }
    if (pooled.shape[3] !== out.shape[3]) pooled = tf.concat([pooled, tf.zeros(pooled.shape)], 3);
    return tf.relu(tf.add(pooled, out) as Tensor4D);
  }
}

function concatChips(chips: Uint8Array[]): Float32Array {
  const size = CHIP_SIZE * CHIP_SIZE * 3;
  const out = new Float32Array(size * chips.length);
  chips.forEach((c, i) => {
    if (c.length !== size) throw new XacminhError('INVALID_INPUT', `Face chip must be ${CHIP_SIZE}×${CHIP_SIZE} RGB`, { bytes: c.length });
    out.set(c, i * size);
  });
  return out;
}

function normalise(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

/** Cosine similarity of two descriptors (equal to the dot product for normalised ones). */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new XacminhError('INVALID_INPUT', 'Descriptors differ in length', { a: a.length, b: b.length });
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
