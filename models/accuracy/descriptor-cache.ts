/**
 * A file of face descriptors (the calibration's embeddings of a set), so a calibration of thousands of images can be
 * re-run — with other statistics, another target FAR — without embedding them again (minutes per thousand images).
 * The file records the model's SHA-256 and the set's folder: a cache made with other weights or of another set is
 * refused rather than silently mixed in.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../drivers/atomic-file.ts';
import { XacminhError } from '../../drivers/errors.ts';

export interface CachedDescriptor {
  person: string;
  file: string;
  chip: boolean;
  plain: Float32Array;
  flip: Float32Array;
}

export interface DescriptorCache {
  modelSha256: string;
  /** The set's folder as given to the calibration (absolute). */
  data: string;
  embedded: CachedDescriptor[];
  noFace: string[];
}

interface Stored {
  version: 1;
  modelSha256: string;
  data: string;
  embedded: { person: string; file: string; chip: boolean; plain: number[]; flip: number[] }[];
  noFace: string[];
}

export async function writeDescriptorCache(path: string, cache: DescriptorCache): Promise<void> {
  const stored: Stored = {
    version: 1,
    modelSha256: cache.modelSha256,
    data: cache.data,
    embedded: cache.embedded.map((e) => ({ person: e.person, file: e.file, chip: e.chip, plain: Array.from(e.plain), flip: Array.from(e.flip) })),
    noFace: cache.noFace,
  };
  await writeFileAtomic(path, JSON.stringify(stored));
}

/** The cache at `path` for this model and set; null when there is no file yet. */
export async function readDescriptorCache(path: string, expect: { modelSha256: string; data: string }): Promise<DescriptorCache | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new XacminhError('INVALID_INPUT', `Descriptor cache ${path} cannot be read: ${(cause as Error).message}`, { path }, { cause });
  }
  let stored: Stored;
  try {
    stored = JSON.parse(text) as Stored;
  } catch (cause) {
    throw new XacminhError('INVALID_INPUT', `Descriptor cache ${path} is not JSON: delete it to embed the set again`, { path }, { cause });
  }
  if (stored.version !== 1 || !Array.isArray(stored.embedded) || !Array.isArray(stored.noFace)) {
    throw new XacminhError('INVALID_INPUT', `Descriptor cache ${path} is not a descriptor cache: delete it to embed the set again`, { path });
  }
  if (stored.modelSha256 !== expect.modelSha256 || stored.data !== expect.data) {
    throw new XacminhError(
      'INVALID_INPUT',
      `Descriptor cache ${path} was made ${stored.modelSha256 !== expect.modelSha256 ? 'with other model weights' : `of another set (${stored.data})`}: delete it or give another --cache file`,
      { path, cached: { modelSha256: stored.modelSha256, data: stored.data }, expected: expect },
    );
  }
  return {
    modelSha256: stored.modelSha256,
    data: stored.data,
    embedded: stored.embedded.map((e) => ({ ...e, plain: Float32Array.from(e.plain), flip: Float32Array.from(e.flip) })),
    noFace: stored.noFace,
  };
}
