/**
 * The face engine: one tfjs runtime, Human for detection/mesh/passive scores, face-api's ResNet for the
 * descriptor, every model file checked against models/manifest.json before anything loads.
 */
import { decodeFrame } from '../drivers/camera/decode.ts';
import type { Frame } from '../drivers/camera/types.ts';
import { XacminhError } from '../drivers/errors.ts';
import { canonicalTransform, cropStats, eyeAspectRatio, MESH, type RgbImage } from './face-geometry.ts';
import { matchChipResolution } from './chip-resolution.ts';
import { createHuman, humanConfig, type HumanFace, type HumanLike, type MeshPoint } from './human-detector.ts';
import { LANDMARK_MESH_INDICES } from './liveness/planar-motion.ts';
import { ModelStore } from './manifest.ts';
import { loadEmbedder, type Embedder } from './embedder.ts';
import { cosineSimilarity } from './recognition-net.ts';
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

/**
 * Tracking for a live face step (LocalFaceStep.create): the detector's boxes are reused for up to 4 frames or
 * 300 ms while the picture barely changes; the mesh (which re-centres the box on the face every frame) runs
 * on every frame, the passive models on every other one (humanConfig), and the detector runs again at once
 * when the mesh loses the face. So a second person stepping in is seen within 0.3 s. bench/face (720p, 2-core
 * x86, WASM, 10 fps, quiet VM, 2026-11-27): a frame without the detector ≈ 14 ms, with it ≈ 40 ms; 1 frame in
 * 3.3 runs it, so the median is 18.5 ms and the p95 45 ms (figures and the loaded-VM ones in bench/RESULTS.md).
 */
export const VIDEO_TRACKING: Readonly<{ frames: number; ms: number }> = Object.freeze({ frames: 4, ms: 300 });
/** Chips per pass of the recognition net (see embedMany): even, so a face and its mirror share a pass. */
const CHIPS_PER_PASS = 2;
export const EMBEDDING_MODEL_NAME = 'face-api dlib ResNet 128-D (aligned chip)';

export class FaceEngine {
  /** Landmarks behind each observation, so embed() can align without widening FaceObservation. */
  private readonly meshes = new WeakMap<FaceObservation, MeshPoint[]>();
  /** Float copy of a frame's pixels, reused from frame to frame; grows to the largest frame seen (see analyze). */
  private scratch = new Float32Array(0);

  private constructor(
    readonly runtime: Runtime,
    private readonly human: HumanLike,
    private readonly net: Embedder,
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
      const net = await loadEmbedder(runtime.tf, store); // XACMINH_FACE_MODEL spec, else the shipped ResNet
      const flip = options.flipAverage ?? false;
      const model = { name: `${net.name}${flip ? ' + mirror average' : ''}`, sha256: net.sha256 };
      if (options.warmup !== false) {
        const blank = runtime.tf.fill([240, 320, 3], 128, 'int32');
        await human.detect(blank).finally(() => blank.dispose());
        await net.embed([new Uint8Array(net.inputSize * net.inputSize * 3)]);
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
    // float32 through one reused buffer: an int32 tensor from the bytes costs ~14 ms on 720p (a slow
    // conversion, then Human's cast), this ~1 ms with identical values, and no 11 MB array per frame for the
    // garbage collector and malloc to churn through (the tensor copies it into the WASM heap at once).
    // The frame goes in at full size: a 2× smaller one saved only 0–6 ms per 720p frame here (the detector
    // sees 256×256 anyway; the models dominate) but made the mesh's eye opening 1.6–1.9× noisier from frame to
    // frame (sd 0.013 → 0.021 for a 250 px face, 0.019 → 0.035 for 170 px): margin the blink challenge needs.
    if (this.scratch.length < image.rgb.length) this.scratch = new Float32Array(image.rgb.length);
    const pixels = this.scratch.subarray(0, image.rgb.length);
    pixels.set(image.rgb);
    const input = tf.tensor3d(pixels, [image.height, image.width, 3], 'float32');
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
      // Human's pitch is positive looking down; ours is up (models/types.ts) — a nod goes down first.
      yaw: angle ? -angle.yaw * DEG : 0,
      pitch: angle ? -angle.pitch * DEG : 0,
      roll: angle ? angle.roll * DEG : 0,
      leftEyeOpenness: mesh ? eyeAspectRatio(mesh, MESH.leftEye) : null,
      rightEyeOpenness: mesh ? eyeAspectRatio(mesh, MESH.rightEye) : null,
      ...cropStats(image, box),
      antispoof: typeof f.real === 'number' ? f.real : null,
      liveness: typeof f.live === 'number' ? f.live : null,
      ...(mesh ? { landmarks: LANDMARK_MESH_INDICES.map((i) => [mesh[i]![0], mesh[i]![1]] as const) } : {}),
    };
    if (mesh) this.meshes.set(obs, mesh);
    return obs;
  }

  /** The 468-point mesh (x, y px; z, depth on the x scale) behind an observation, if it had one (tests and benches). */
  meshOf(face: FaceObservation): readonly MeshPoint[] | undefined {
    return this.meshes.get(face);
  }

  /** The mesh's triangulation (flat list of vertex index triples), read from Human rather than copied (renderers, tests). */
  get faceTriangulation(): readonly number[] {
    return this.human.faceTriangulation;
  }

  /** The 150×150 chip the recognition net sees (exposed for the register and for debugging). */
  chip(image: RgbImage, face: FaceObservation, mirror = false): Uint8Array {
    return this.net.chip(image, face.box, this.meshes.get(face), mirror);
  }

  /**
   * Source pixels per chip pixel for this face: below 1 its chip is enlarged from a face smaller than the
   * chip (a small chip photo). From the alignment transform, or the box for models without one.
   */
  chipResolution(face: FaceObservation): number {
    const geometry = this.net.geometry;
    const t = geometry.kind === 'canonical' ? canonicalTransform(this.meshes.get(face), this.net.inputSize, geometry) : null;
    return t ? Math.hypot(t.a, t.b) : Math.max(face.box.width, face.box.height) / this.net.inputSize;
  }

  /** L2-normalised 128-D descriptor of one face. */
  async embed(image: RgbImage, face: FaceObservation): Promise<Float32Array> {
    const [first] = await this.embedMany([{ image, face }]);
    return first!;
  }

  /**
   * Descriptors for several faces, in passes of at most CHIPS_PER_PASS chips. The WASM heap never shrinks, so
   * the largest pass sets the process's memory for good: measured on 150×150 chips, the heap grows by 60 MB
   * at the first pass of 1 chip (mostly the convolutions' packed weights), 77 MB for 2 and 149 MB for 6 (a
   * face step's 3 live faces × mirror, formerly one batch: RSS after 5 face steps 427 MB, now 386). Two chips
   * per pass (a face and its mirror) keeps most of the batching gain: 31 ms per chip vs 40 alone and 29 in a
   * batch of 6. One chip per pass would lower the heap by a further 28 MB but not the RSS measurably.
   */
  async embedMany(items: { image: RgbImage; face: FaceObservation }[], options: { matchResolution?: number } = {}): Promise<Float32Array[]> {
    if (items.length === 0) return [];
    const size = this.net.inputSize;
    const target = options.matchResolution;
    const chipOf = (image: RgbImage, face: FaceObservation, mirror: boolean) => {
      const chip = this.chip(image, face, mirror);
      return target === undefined ? chip : matchChipResolution(chip, size, this.chipResolution(face), target);
    };
    const chips = items.flatMap(({ image, face }) => (this.flipAverage ? [chipOf(image, face, false), chipOf(image, face, true)] : [chipOf(image, face, false)]));
    const vectors: Float32Array[] = [];
    for (let i = 0; i < chips.length; i += CHIPS_PER_PASS) vectors.push(...(await this.net.embed(chips.slice(i, i + CHIPS_PER_PASS))));
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
