/**
 * The accuracy lab: loads the shipped models once (Human's detector + mesh, face-api's ResNet through
 * RecognitionNet, and Human's faceres descriptor), and for every image of a folder-per-person set produces
 * the descriptor of each crop variant the benchmark compares, with the time each took. Every model file is
 * read through a ModelStore (SHA-256 checked); faceres is pinned here because the product does not load it.
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { decodeFrame } from '../../drivers/camera/decode.ts';
import { decodeChipPhoto } from '../photo/decode-photo.ts';
import { XacminhError } from '../../drivers/errors.ts';
import { meanVector } from '../engine.ts';
import { alignedChip, boxChip, canonicalChip, type Jitter, MESH_BOX_GEOMETRY, type RgbImage } from '../face-geometry.ts';
import { type Embedder, graphEmbedder, loadEmbedder } from '../embedder.ts';
import { nodeModulesDir } from '../manifest.ts';
import { createHuman, HUMAN_MODELS, humanConfig, type HumanFace, type HumanLike } from '../human-detector.ts';
import { type ManifestEntry, ModelStore, readManifest } from '../manifest.ts';
import { CHIP_SIZE, RecognitionNet } from '../recognition-net.ts';
import { initRuntime, mountStore, type Runtime } from '../runtime.ts';
import { listPeople } from './dataset.ts';

const HUMAN_PACKAGE = '@vladmandic/human@3.3.6';
const HUMAN_LICENSE = 'MIT (package; see github.com/vladmandic/human/wiki/Models for model credits)';
/** Human's faceres (HSE FaceRes, 1024-D), pinned for the benchmark only. */
export const FACERES_FILES: ManifestEntry[] = [
  {
    path: '@vladmandic/human/models/faceres.json',
    role: 'embedding-faceres',
    package: HUMAN_PACKAGE,
    sha256: '5b83d49c0385d2e68a05122441b94226313677cae9fcc40b9587ad50079eb4df',
    size: 71432,
    license: HUMAN_LICENSE,
  },
  {
    path: '@vladmandic/human/models/faceres.bin',
    role: 'embedding-faceres',
    package: HUMAN_PACKAGE,
    sha256: '2c7d2d62b76c97528b736527aa09d310ea71743c9e3e79fb6c62d4b2d73af79b',
    size: 6978814,
    license: HUMAN_LICENSE,
  },
];

/** face-api ResNet crop variants: name → how the chip is made. */
export const RESNET_VARIANTS = {
  /** The detector's box (Human's face box), squared, unrotated: the baseline. */
  box: { crop: 'box', flip: false },
  'box+flip': { crop: 'box', flip: true },
  /** The previous engine chip: the mesh's brow–chin–temple box padded 40 %, eyes levelled. */
  'mesh-box': { crop: 'mesh-box', flip: false },
  'mesh-box+flip': { crop: 'mesh-box', flip: true },
  /** Similarity transform of 33 mesh landmarks onto dlib's canonical 150×150 chip (padding 0.25). */
  align: { crop: 'align', flip: false },
  'align+flip': { crop: 'align', flip: true },
  /** The same with dlib's 5-point template (eye corners, base of the nose). */
  align5: { crop: 'align5', flip: false },
  'align5+flip': { crop: 'align5', flip: true },
  /** align+flip averaged over 5 small zooms / turns of the chip (dlib's test-time "jitter"): 10 passes. */
  'align+flip+jitter': { crop: 'align', flip: true, jitter: true },
  /** Human's faceres on the canonical chip (224², padding 0.25 / 0.5) instead of Human's own loose crop. */
  'faceres-align': { crop: 'align', flip: false, model: 'faceres', padding: 0.25 },
  'faceres-align+flip': { crop: 'align', flip: true, model: 'faceres', padding: 0.25 },
  'faceres-align50+flip': { crop: 'align', flip: true, model: 'faceres', padding: 0.5 },
} as const satisfies Record<string, { crop: string; flip: boolean; jitter?: boolean; model?: 'faceres'; padding?: number }>;

/** The chip changes averaged by the jitter variant. */
export const JITTERS: Jitter[] = [
  { scale: 1, angle: 0, dx: 0, dy: 0 },
  { scale: 1.06, angle: 0, dx: 0, dy: 0 },
  { scale: 0.94, angle: 0, dx: 0, dy: 0 },
  { scale: 1, angle: 5, dx: 0, dy: 0 },
  { scale: 1, angle: -5, dx: 0, dy: 0 },
];
export type ResnetVariant = keyof typeof RESNET_VARIANTS;
export type Crop = (typeof RESNET_VARIANTS)[ResnetVariant]['crop'];

export interface LabImage {
  person: string;
  file: string;
  /** The person's chip photo, in a site's set (scored against camera pictures only). */
  chip?: boolean;
  /** Descriptor per variant ('faceres' for Human's descriptor). */
  vectors: Record<string, Float32Array>;
  /** Milliseconds per variant: crop/warp + model for one face. */
  ms: Record<string, number>;
}

export interface LabResult {
  images: LabImage[];
  noFace: string[];
  detectMs: number[];
}

export class AccuracyLab {
  private constructor(
    readonly runtime: Runtime,
    private readonly human: HumanLike,
    private readonly net: RecognitionNet,
    readonly resnetSha256: string,
    private readonly faceres: Embedder | null,
    /** A site-provisioned model (its spec path given to load), measured beside the shipped ones. */
    readonly provisioned: Embedder | null = null,
  ) {}

  /**
   * maxFaces: faces Human returns per image before the largest is taken. 1 (default, as the lab always ran) keeps
   * the detector's most confident face; the product's engine asks for 3 and takes the largest, which on pictures
   * with bystanders (LFW has some) is more often the subject.
   */
  static async load(options: { faceres?: boolean; provisionedSpec?: string; maxFaces?: number } = {}): Promise<AccuracyLab> {
    const base = await readManifest();
    const faceres = options.faceres !== false;
    const store = new ModelStore({ files: [...base.files, ...(faceres ? FACERES_FILES : [])] });
    await store.verifyAll();
    const runtime = await initRuntime();
    const mount = mountStore(store);
    try {
      const config = humanConfig(runtime, `${mount.prefix}@vladmandic/human/models/`, options.maxFaces ?? 1, 0.5) as { face: Record<string, unknown>; async: boolean };
      config.async = false; // Human times each model (performance.description) only when run in sequence
      if (faceres) config.face.description = { enabled: true, modelPath: 'faceres.json', skipFrames: 0, skipTime: 0, minConfidence: 0 };
      const human = await createHuman(config, store.root, faceres ? [...HUMAN_MODELS, 'faceres'] : HUMAN_MODELS);
      const net = await RecognitionNet.load(runtime.tf, store);
      await net.embed([new Uint8Array(CHIP_SIZE * CHIP_SIZE * 3)]); // WASM kernels' first-call cost
      // faceres again, as a provisioned TF.js graph model would load (models/embedder.ts), to feed it our own chips.
      const dir = `${nodeModulesDir()}/@vladmandic/human/models/`;
      const own = faceres
        ? await graphEmbedder(
            runtime.tf,
            {
              name: 'faceres',
              format: 'tfjs-graph',
              path: `${dir}faceres.json`,
              sha256: FACERES_FILES[0]!.sha256,
              files: [{ path: 'faceres.bin', sha256: FACERES_FILES[1]!.sha256 }],
              inputSize: 224,
              layout: 'nhwc',
              channels: 'rgb',
              mean: [0, 0, 0],
              std: [1, 1, 1],
              embeddingSize: 1024,
              alignment: { template: 'dlib68', padding: 0.25 },
              license: HUMAN_LICENSE,
              calibration: 'none',
            },
            `${dir}faceres.json`,
          )
        : null;
      const provisioned = options.provisionedSpec ? await loadEmbedder(runtime.tf, store, options.provisionedSpec) : null;
      return new AccuracyLab(runtime, human, net, store.shaOf('embedding'), own, provisioned);
    } finally {
      mount.unmount();
    }
  }

  /** Detects the largest face and returns it with Human's faceres descriptor (when loaded). */
  async detect(image: RgbImage): Promise<{ face: HumanFace & { embedding?: number[] }; ms: number; faceresMs: number } | null> {
    const tf = this.runtime.tf;
    const input = tf.tensor3d(image.rgb, [image.height, image.width, 3], 'int32');
    const started = performance.now();
    try {
      const result = (await this.human.detect(input)) as { face: (HumanFace & { embedding?: number[] })[]; error?: string | null; performance?: Record<string, number> };
      if (result.error) throw new XacminhError('MODEL_INVALID', `Face detection failed: ${result.error}`);
      const face = result.face.filter((f) => f.mesh?.length >= 468).sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3])[0];
      return face ? { face, ms: performance.now() - started, faceresMs: result.performance?.description ?? 0 } : null;
    } finally {
      input.dispose();
    }
  }

  chip(image: RgbImage, face: HumanFace, crop: Crop, mirror: boolean, size = CHIP_SIZE, padding = 0.25, jitter?: Jitter): Uint8Array {
    const [x, y, width, height] = face.box;
    const box = { x, y, width, height };
    switch (crop) {
      case 'box':
        return boxChip(image, box, size, mirror);
      case 'mesh-box':
        return alignedChip(image, box, face.mesh, size, mirror, MESH_BOX_GEOMETRY);
      case 'align':
        return canonicalChip(image, face.mesh, size, mirror, { padding, ...(jitter ? { jitter } : {}) }) ?? boxChip(image, box, size, mirror);
      case 'align5':
        return canonicalChip(image, face.mesh, size, mirror, { points: 'dlib5', padding }) ?? boxChip(image, box, size, mirror);
    }
  }

  /** Every image of a folder-per-person set through every variant. */
  async run(dir: string, variants: readonly ResnetVariant[], log: (s: string) => void = () => undefined): Promise<LabResult> {
    const images: LabImage[] = [];
    const noFace: string[] = [];
    const detectMs: number[] = [];
    const people = await listPeople(dir);
    const total = people.reduce((n, p) => n + p.files.length + (p.chip ? 1 : 0), 0);
    for (const { person, files, chip } of people) {
      for (const file of chip ? [chip, ...files] : files) {
        const bytes = new Uint8Array(await readFile(file));
        const frame = file === chip ? await decodeChipPhoto(bytes) : await decodeFrame({ jpeg: bytes, width: 1, height: 1, timestamp: 0, sequence: 0 });
        const image = { rgb: frame.rgb, width: frame.width, height: frame.height };
        const found = await this.detect(image);
        if (!found) {
          noFace.push(relative(dir, file));
          continue;
        }
        detectMs.push(found.ms - found.faceresMs);
        const item: LabImage = { person, file: relative(dir, file), ...(file === chip ? { chip: true } : {}), vectors: {}, ms: {} };
        if (found.face.embedding?.length) {
          item.vectors.faceres = Float32Array.from(found.face.embedding);
          item.ms.faceres = found.faceresMs;
        }
        for (const name of variants) {
          const v: { crop: Crop; flip: boolean; jitter?: boolean; model?: 'faceres'; padding?: number } = RESNET_VARIANTS[name];
          if (v.model === 'faceres' && !this.faceres) continue;
          const size = v.model === 'faceres' ? 224 : CHIP_SIZE;
          const started = performance.now();
          const chips: Uint8Array[] = [];
          for (const jitter of v.jitter ? JITTERS : [undefined]) {
            for (const mirror of v.flip ? [false, true] : [false]) chips.push(this.chip(image, found.face, v.crop, mirror, size, v.padding ?? 0.25, jitter));
          }
          const vectors = v.model === 'faceres' ? await this.faceres!.embed(chips) : await this.net.embed(chips);
          item.vectors[name] = vectors.length > 1 ? meanVector(vectors) : vectors[0]!;
          item.ms[name] = performance.now() - started;
        }
        if (this.provisioned) await this.embedProvisioned(image, found.face, item);
        images.push(item);
        if (images.length % 20 === 0) log(`  ${images.length + noFace.length}/${total} images`);
      }
    }
    return { images, noFace, detectMs };
  }

  /** The provisioned model on its own chip: 'provisioned' and, mirror-averaged, 'provisioned+flip'. */
  private async embedProvisioned(image: RgbImage, face: HumanFace, item: LabImage): Promise<void> {
    const model = this.provisioned!;
    const [x, y, width, height] = face.box;
    const box = { x, y, width, height };
    const started = performance.now();
    const [plain] = await model.embed([model.chip(image, box, face.mesh)]);
    item.ms.provisioned = performance.now() - started;
    const [mirrored] = await model.embed([model.chip(image, box, face.mesh, true)]);
    item.ms['provisioned+flip'] = performance.now() - started;
    item.vectors.provisioned = plain!;
    item.vectors['provisioned+flip'] = meanVector([plain!, mirrored!]);
  }

  close(): void {
    this.net.dispose();
    this.faceres?.dispose();
    this.provisioned?.dispose();
  }
}
