/**
 * The model manifest: every model file the face engine loads, pinned by path (relative to node_modules),
 * SHA-256 and size. Files are read and checked here and nowhere else, so what is verified is exactly what
 * is loaded (no check-then-read race), and a missing or altered file stops the engine with MODEL_INVALID.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XacminhError } from '../drivers/errors.ts';

export interface ManifestEntry {
  path: string;
  role: string;
  package: string;
  sha256: string;
  size: number;
  license: string;
}

export interface ModelManifest {
  files: ManifestEntry[];
}

export const DEFAULT_MANIFEST_PATH = fileURLToPath(new URL('./manifest.json', import.meta.url));

/** The node_modules folder that holds the model packages (found through tfjs-core, which is always there). */
export function nodeModulesDir(): string {
  const core = createRequire(import.meta.url).resolve('@tensorflow/tfjs-core');
  const at = core.lastIndexOf(`${join('node_modules', '@tensorflow')}`);
  return at >= 0 ? core.slice(0, at + 'node_modules'.length) : resolve(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules');
}

export async function readManifest(path = DEFAULT_MANIFEST_PATH): Promise<ModelManifest> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new XacminhError('MODEL_INVALID', `Model manifest ${path} is missing or not JSON: restore it from the release`, { manifest: path }, { cause });
  }
  const files = (parsed as { files?: unknown }).files;
  const valid =
    Array.isArray(files) &&
    files.every((f: Partial<ManifestEntry>) => typeof f?.path === 'string' && /^[0-9a-f]{64}$/.test(f.sha256 ?? '') && Number.isInteger(f.size));
  if (!valid) throw new XacminhError('MODEL_INVALID', `Model manifest ${path} is malformed: restore it from the release`, { manifest: path });
  return { files: files as ManifestEntry[] };
}

/** Reads model files through the manifest; each file is verified once, the bytes kept for the loader. */
export class ModelStore {
  private readonly byPath = new Map<string, ManifestEntry>();
  private readonly verified = new Map<string, Uint8Array>();

  constructor(
    readonly manifest: ModelManifest,
    readonly root: string = nodeModulesDir(),
  ) {
    for (const entry of manifest.files) this.byPath.set(entry.path, entry);
  }

  static async open(manifestPath?: string, root?: string): Promise<ModelStore> {
    return new ModelStore(await readManifest(manifestPath), root);
  }

  entry(path: string): ManifestEntry {
    const entry = this.byPath.get(path);
    if (!entry) {
      throw new XacminhError('MODEL_INVALID', `Model file ${path} is not in the model manifest: only pinned model files may be loaded`, { file: path });
    }
    return entry;
  }

  /** The bytes of a pinned file, after checking size and SHA-256. */
  async read(path: string): Promise<Uint8Array> {
    const entry = this.entry(path);
    const full = join(this.root, path);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(full));
    } catch (cause) {
      throw new XacminhError(
        'MODEL_INVALID',
        `Model file ${path} is missing (${full}): reinstall the packages (npm ci) so ${entry.package} is complete`,
        { file: path, expectedSha256: entry.sha256 },
        { cause },
      );
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (bytes.length !== entry.size || sha256 !== entry.sha256) {
      throw new XacminhError(
        'MODEL_INVALID',
        `Model file ${path} does not match the manifest (SHA-256 ${sha256.slice(0, 12)}…, expected ${entry.sha256.slice(0, 12)}…): ` +
          `reinstall ${entry.package} (npm ci); if the package was upgraded on purpose, update models/manifest.json and re-run calibration`,
        { file: path, sha256, expectedSha256: entry.sha256, size: bytes.length, expectedSize: entry.size },
      );
    }
    return bytes;
  }

  /** SHA-256 of the weights file (.bin) with a given role, e.g. 'embedding', for the evidence. */
  shaOf(role: string): string {
    return this.manifest.files.find((f) => f.role === role && f.path.endsWith('.bin'))?.sha256 ?? '';
  }

  /** Checks every pinned file at start, so a broken install fails before the first customer. */
  async verifyAll(): Promise<void> {
    for (const entry of this.manifest.files) this.verified.set(entry.path, await this.read(entry.path));
  }

  /** Bytes for the loader: the copy verifyAll() just checked (then released), or a fresh verified read. */
  async take(path: string): Promise<Uint8Array> {
    const cached = this.verified.get(path);
    this.verified.delete(path);
    return cached ?? this.read(path);
  }
}
