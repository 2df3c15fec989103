/** Folder-per-person face sets (one folder of JPEGs per person, e.g. ../shared/data/faces/lfw-dev). */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { XacminhError } from '../../drivers/errors.ts';

export interface Person {
  person: string;
  files: string[];
}

export async function listPeople(dir: string): Promise<Person[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch (cause) {
    throw new XacminhError('INVALID_INPUT', `Face data ${dir} is missing: it holds one folder of JPEGs per person (e.g. ../shared/data/faces/lfw-dev)`, { dir }, { cause });
  }
  const people: Person[] = [];
  for (const person of names) {
    const files = (await readdir(join(dir, person))).filter((f) => /\.jpe?g$/i.test(f)).sort().map((f) => join(dir, person, f));
    if (files.length) people.push({ person, files });
  }
  if (people.length < 2) throw new XacminhError('INVALID_INPUT', `Face data ${dir} needs at least two person folders with JPEGs`, { dir, people: people.length });
  return people;
}
