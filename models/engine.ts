/**
 * The face engine: one tfjs runtime, Human for detection/mesh/passive scores, face-api's ResNet for the
 * descriptor, every model file checked against models/manifest.json before anything loads.
 */
import { decodeFrame } from '../drivers/camera/decode.ts';
import type { Frame } from '../drivers/camera/types.ts';
import { XacminhError } from '../drivers/errors.ts';
import { alignedChip, cropStats, eyeAspectRatio, MESH, type RgbImage } from './face-geometry.ts';
import { createHuman, humanConfig, type HumanFace, type HumanLike, type MeshPoint } from './human-detector.ts';
import { ModelStore } from './manifest.ts';
import { CHIP_SIZE, cosineSimilarity, RecognitionNet } from './recognition-net.ts';
import { initRuntime, mountStore, type Runtime } from './runtime.ts';
import type { FaceObservation } from './types.ts';

export interface FaceEngineOptions {
  /** Another manifest (tests); default models/manifest.json. */
  manifestPath?: string;
  /** Faces reported per frame; > 1 so "two faces" can be told apart from one. */
  maxFaces?: number;
  /** Detector confidence below which a face is ignored. */
  minDetectionScore?: number;
  /** Average the descriptor of the chip and of its mirror image (costs a second pass; measured in calibrate). */
  flipAverage?: boolean;
  /** Video only: let the detector's boxes be reused across near-identical frames (see humanConfig). */
  track?: { frames: number; ms: number };
  /** Run each model once at load so the first customer does not pay the WASM kernels' first-call cost (default true). */
  warmup?: boolean;
}

export interface FrameMeta {
  sequence?: number;
  timestamp?: number;
}

const DEG = 180 / Math.PI;
export const EMBEDDING_MODEL_NAME = 'face-api dlib ResNet 128-D (aligned chip)';

export class FaceEngine {
  /** Landmarks behind each observation, so embed() can align without widening FaceObservation. */
  private readonly meshes = new WeakMap<FaceObservation, MeshPoint[]>();

  private constructor(
    readonly runtime: Runtime,
    private readonly human: HumanLike,
    private readonly net: RecognitionNet,
    readonly model: { name: string; sha256: string },
    readonly loadMs: number,
    private readonly flipAverage: boolean,
  ) {}

  static async load(options: FaceEngineOptions = {}): Promise<FaceEngine> {
    const started = performance.now();
    const store = await ModelStore.open(options.manifestPath);
    await store.verifyAll(); // a missing or altered file fails here, with its name, before any model loads
    const runtime = await initRuntime();
    const mount = mountStore(store);
    try {
      const human = await createHuman(
        humanConfig(runtime, `${mount.prefix}@vladmandic/human/models/`, options.maxFaces ?? 3, options.minDetectionScore ?? 0.5, options.track),
        store.root,
      );
      const net = await RecognitionNet.load(runtime.tf, store);
      const flip = options.flipAverage ?? false;
      const model = { name: `${EMBEDDING_MODEL_NAME}${flip ? ' + mirror average' : ''}`, sha256: store.shaOf('embedding') };
      if (options.warmup !== false) {
        const blank = runtime.tf.fill([240, 320, 3], 128, 'int32');
        await human.detect(blank).finally(() => blank.dispose());
        await net.embed([new Uint8Array(CHIP_SIZE * CHIP_SIZE * 3)]);
      }
      return new FaceEngine(runtime, human, net, model, performance.now() - started, flip);
    } finally {
      mount.unmount();
    }
  }

  /** Decodes a camera frame (JPEG) and analyses it. */
  async analyzeFrame(frame: Frame): Promise<{ image: RgbImage; faces: FaceObservation[] }> {
    const decoded = await decodeFrame(frame);
    const image = { rgb: decoded.rgb, width: decoded.width, height: decoded.height };
    return { image, faces: await this.analyze(image, frame) };
  }

  /** Every face in a packed-RGB image, largest first. */
  async analyze(image: RgbImage, meta: FrameMeta = {}): Promise<FaceObservation[]> {
    if (image.rgb.length !== image.width * image.height * 3) {
      throw new XacminhError('INVALID_INPUT', 'RGB buffer does not match width × height × 3', { width: image.width, height: image.height });
    }
    const tf = this.runtime.tf;
    const input = tf.tensor3d(image.rgb, [image.height, image.width, 3], 'int32');
    let faces: HumanFace[];
    try {
      const result = await this.human.detect(input);
      if (result.error) throw new XacminhError('MODEL_INVALID', `Face detection failed: ${result.error}`);
      faces = result.face;
    } finally {
      input.dispose();
    }
    const timestamp = meta.timestamp ?? performance.timeOrigin + performance.now();
    return faces
      .map((f) => this.observe(image, f, meta.sequence ?? 0, timestamp))
      .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
  }

  private observe(image: RgbImage, f: HumanFace, frameSequence: number, timestamp: number): FaceObservation {
    const [x, y, width, height] = f.box;
    const box = { x, y, width, height };
    const mesh = f.mesh?.length >= 468 ? f.mesh : undefined;
    const angle = f.rotation?.angle;
    const obs: FaceObservation = {
      frameSequence,
      timestamp,
      frameWidth: image.width,
      frameHeight: image.height,
      box,
      detectionScore: f.boxScore ?? f.score,
      // Human's yaw is positive when the face turns toward the image's left; ours is the person's left (image right).
      yaw: angle ? -angle.yaw * DEG : 0,
      pitch: angle ? angle.pitch * DEG : 0,
      roll: angle ? angle.roll * DEG : 0,
      leftEyeOpenness: mesh ? eyeAspectRatio(mesh, MESH.leftEye) : null,
      rightEyeOpenness: mesh ? eyeAspectRatio(mesh, MESH.rightEye) : null,
      ...cropStats(image, box),
      antispoof: typeof f.real === 'number' ? f.real : null,
      liveness: typeof f.live === 'number' ? f.live : null,
    };
    if (mesh) this.meshes.set(obs, mesh);
    return obs;
  }

  /** The 150×150 chip the recognition net sees (exposed for the register and for debugging). */
  chip(image: RgbImage, face: FaceObservation, mirror = false): Uint8Array {
    return alignedChip(image, face.box, this.meshes.get(face), CHIP_SIZE, mirror);
  }

  /** L2-normalised 128-D descriptor of one face. */
  async embed(image: RgbImage, face: FaceObservation): Promise<Float32Array> {
    const [first] = await this.embedMany([{ image, face }]);
    return first!;
  }

  /** Descriptors for several faces in one batch (cheaper than one call each). */
  async embedMany(items: { image: RgbImage; face: FaceObservation }[]): Promise<Float32Array[]> {
    if (items.length === 0) return [];
    const chips = items.flatMap(({ image, face }) => (this.flipAverage ? [this.chip(image, face), this.chip(image, face, true)] : [this.chip(image, face)]));
    const vectors = await this.net.embed(chips);
    if (!this.flipAverage) return vectors;
    return items.map((_, i) => meanVector([vectors[2 * i]!, vectors[2 * i + 1]!]));
  }

  /** Raw descriptors of ready-made 150×150 chips (calibration compares alignment variants with it). */
  embedChips(chips: Uint8Array[]): Promise<Float32Array[]> {
    return this.net.embed(chips);
  }

  get flipAveraging(): boolean {
    return this.flipAverage;
  }

  similarity(a: Float32Array, b: Float32Array): number {
    return cosineSimilarity(a, b);
  }

  async close(): Promise<void> {
    this.net.dispose();
  }
}

/** Mean of descriptors, re-normalised. */
export function meanVector(vectors: Float32Array[]): Float32Array {
  const out = new Float32Array(vectors[0]!.length);
  for (const v of vectors) for (let i = 0; i < out.length; i++) out[i]! += v[i]!;
  let n = 0;
  for (const x of out) n += x * x;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < out.length; i++) out[i]! /= n;
  return out;
}
