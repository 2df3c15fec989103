/**
 * Human (@vladmandic/human) as detector + mesh + passive anti-spoof, on the shared tfjs instance.
 * Model choice (all shipped in @vladmandic/human/models, pinned in models/manifest.json):
 * - blazeface: Human's detector missed 3 of 4,554 LFW images (face-api's TinyFaceDetector 1.5 %), 37–48 ms.
 * - facemesh (468 points, 11–14 ms): eyes for the blink challenge (eye aspect ratio) and yaw/pitch/roll for
 *   the head-turn challenge; also gives the landmarks that align the recognition chip.
 * - antispoof + liveness (10–14 ms, 2 ms): passive scores only. They were not trained on print/replay
 *   attacks (face-models.md), so models/liveness weighs them as a signal beside the active challenge.
 * - iris, emotion, description (faceres), body, hand: off — not needed, and faceres is beaten by face-api's
 *   ResNet (models/recognition-net.ts).
 * Human is loaded from dist/human.node-wasm.js by file path: the package's `exports` map rejects the subpath.
 * Human keeps its models and the detector's tracking state in module scope, not per instance: two engines in
 * one process share them (the agent has one; a bench comparing two configurations measures them together).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { XacminhError } from '../drivers/errors.ts';
import type { Runtime } from './runtime.ts';

export type MeshPoint = [number, number, number];

export interface HumanFace {
  score: number;
  boxScore: number;
  box: [number, number, number, number];
  mesh: MeshPoint[];
  real?: number;
  live?: number;
  rotation?: { angle: { roll: number; yaw: number; pitch: number } } | null;
}

export interface HumanLike {
  load(): Promise<void>;
  warmup(): Promise<unknown>;
  detect(input: unknown, config?: Record<string, unknown>): Promise<{ face: HumanFace[]; error?: string | null }>;
  models: { models: Record<string, unknown> };
  tf: { getBackend(): string };
  /** The 468-point mesh's triangulation (vertex index triples, flat), as the facemesh model defines it. */
  faceTriangulation: number[];
}

export const HUMAN_MODELS = ['blazeface', 'facemesh', 'antispoof', 'liveness'] as const;

/**
 * Human config for our pipeline. By default every frame is detected afresh (frames may be unrelated stills).
 * With `track`, Human may reuse the detector's boxes for up to `frames` frames / `ms` milliseconds while the
 * picture barely changes (its own frame-difference check), running only mesh + passive models: for video.
 */
export function humanConfig(
  runtime: Runtime,
  modelBase: string,
  maxFaces: number,
  minScore: number,
  track?: { frames: number; ms: number },
): Record<string, unknown> {
  const never = { skipFrames: 0, skipTime: 0 };
  const detectorSkip = track ? { skipFrames: track.frames, skipTime: track.ms } : never;
  // Video: the passive scores are re-used on every other frame (Human's cache, only while the picture barely
  // changes and the face count stays): −6 ms per tracked frame, per-frame p95 52 → 45 ms (bench/RESULTS.md).
  // They are a signal beside the active challenge, averaged over the step; half the samples is enough.
  const passiveSkip = track ? { skipFrames: 1, skipTime: 250 } : never;
  return {
    backend: runtime.backend,
    wasmPath: runtime.wasmDir,
    modelBasePath: modelBase,
    debug: false,
    async: true,
    warmup: 'none',
    cacheSensitivity: track ? 0.7 : 0,
    filter: { enabled: false },
    gesture: { enabled: false },
    face: {
      enabled: true,
      detector: { modelPath: 'blazeface.json', rotation: false, maxDetected: maxFaces, minConfidence: minScore, iouThreshold: 0.2, return: false, ...detectorSkip },
      mesh: { enabled: true, modelPath: 'facemesh.json', keepInvalid: false },
      attention: { enabled: false },
      iris: { enabled: false },
      emotion: { enabled: false },
      description: { enabled: false },
      gear: { enabled: false },
      antispoof: { enabled: true, modelPath: 'antispoof.json', ...passiveSkip },
      liveness: { enabled: true, modelPath: 'liveness.json', ...passiveSkip },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    segmentation: { enabled: false },
  };
}

export function humanDistPath(nodeModules: string): string {
  return join(nodeModules, '@vladmandic/human/dist/human.node-wasm.js');
}

export async function createHuman(config: Record<string, unknown>, nodeModules: string, required: readonly string[] = HUMAN_MODELS): Promise<HumanLike> {
  const require = createRequire(import.meta.url);
  const { Human } = require(humanDistPath(nodeModules)) as { Human: new (c: Record<string, unknown>) => HumanLike };
  const human = new Human(config);
  await human.load();
  // Human logs and carries on when a model fails to load: check that ours are really there.
  const missing = required.filter((m) => !human.models.models[m]);
  if (missing.length) {
    throw new XacminhError('MODEL_INVALID', `Face models did not load: ${missing.join(', ')}; reinstall @vladmandic/human (npm ci)`, { missing });
  }
  return human;
}
