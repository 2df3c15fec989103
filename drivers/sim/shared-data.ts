/**
 * Test data from ../shared/data (never shipped, never read by `npm start`). Fails with a clear message when
 * the folder is missing, as its README asks.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SHARED_DATA = resolve(import.meta.dirname, '../../../shared/data');

export function sharedDataPath(...parts: string[]): string {
  const path = join(SHARED_DATA, ...parts);
  if (!existsSync(path)) {
    throw new Error(`Test data missing: ${path}. Tests need the shared data folder beside the repository (../shared/data).`);
  }
  return path;
}

/** The first image of the n-th person (sorted by folder name) of the LFW development set. */
export function lfwFace(personIndex = 0, imageIndex = 0): { person: string; path: string; bytes: Uint8Array } {
  const root = sharedDataPath('faces', 'lfw-dev');
  const person = readdirSync(root).sort()[personIndex];
  if (!person) throw new Error(`No person #${personIndex} in ${root}`);
  const image = readdirSync(join(root, person)).sort()[imageIndex];
  if (!image) throw new Error(`No image #${imageIndex} for ${person}`);
  const path = join(root, person, image);
  return { person, path, bytes: new Uint8Array(readFileSync(path)) };
}
