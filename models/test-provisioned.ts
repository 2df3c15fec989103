/**
 * Test fixture: Human's faceres graph model written up as a site-provisioned TF.js model (224², 0–255 input,
 * 1024-D), its spec in a temporary folder, optionally with its batch dimension fixed at 1 as many exports are.
 */
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex, type EmbeddingModelSpec } from './embedder.ts';
import { nodeModulesDir } from './manifest.ts';

export const FACERES_DIR = join(nodeModulesDir(), '@vladmandic/human/models');
export const sha256Of = sha256Hex;

/** Writes a spec for faceres into `dir`; returns its path. */
export async function faceresSpec(dir: string, overrides: Partial<EmbeddingModelSpec> = {}): Promise<string> {
  const json = new Uint8Array(await readFile(join(FACERES_DIR, 'faceres.json')));
  const bin = new Uint8Array(await readFile(join(FACERES_DIR, 'faceres.bin')));
  const spec = {
    name: 'faceres as a provisioned model',
    format: 'tfjs-graph',
    path: join(FACERES_DIR, 'faceres.json'),
    sha256: sha256Of(json),
    files: [{ path: 'faceres.bin', sha256: sha256Of(bin) }],
    inputSize: 224,
    embeddingSize: 1024,
    alignment: { template: 'dlib68', padding: 0.25 },
    license: 'MIT (test)',
    calibration: 'faceres.calibration.json',
    ...overrides,
  };
  const path = join(dir, `spec-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, JSON.stringify(spec));
  return path;
}

/** Faceres exported with its batch dimension fixed at 1 (the graph then refuses two faces in one run). */
export async function fixedBatchFaceresSpec(dir: string, overrides: Partial<EmbeddingModelSpec> = {}): Promise<string> {
  const model = JSON.parse(await readFile(join(FACERES_DIR, 'faceres.json'), 'utf8')) as {
    modelTopology: { node: { op: string; attr: { shape: { shape: { dim: { size: string }[] } } } }[] };
    signature: { inputs: Record<string, { tensorShape: { dim: { size: string }[] } }> };
  };
  for (const node of model.modelTopology.node.filter((n) => n.op === 'Placeholder')) node.attr.shape.shape.dim[0]!.size = '1';
  for (const input of Object.values(model.signature.inputs)) input.tensorShape.dim[0]!.size = '1';
  const fixedDir = await mkdtemp(join(dir, 'fixed-'));
  const json = new TextEncoder().encode(JSON.stringify(model));
  await writeFile(join(fixedDir, 'model.json'), json);
  await copyFile(join(FACERES_DIR, 'faceres.bin'), join(fixedDir, 'faceres.bin'));
  return faceresSpec(dir, { path: join(fixedDir, 'model.json'), sha256: sha256Of(json), ...overrides });
}
