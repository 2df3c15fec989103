/**
 * Folder-per-person face sets: one folder of JPEGs per person (e.g. ../shared/data/faces/lfw-dev). A site's own
 * set may also hold each person's chip photo, named chip.jpg or chip.jp2 (as read from the card's DG2): then the
 * calibration pairs chip photos with camera pictures only, as a verification does.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { XacminhError } from '../../drivers/errors.ts';

export interface Person {
  person: string;
  /** Camera pictures (every JPEG but the chip photo). */
  files: string[];
  /** The chip photo (chip.jpg / chip.jpeg / chip.jp2), when the set has them. */
  chip?: string;
}

const CHIP_PHOTO = /^chip\.(jpe?g|jp2)$/i;

export async function listPeople(dir: string): Promise<Person[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch (cause) {
    throw new XacminhError('INVALID_INPUT', `Face data ${dir} is missing: it holds one folder of JPEGs per person (e.g. ../shared/data/faces/lfw-dev)`, { dir }, { cause });
  }
  const people: Person[] = [];
  for (const person of names) {
    const entries = (await readdir(join(dir, person))).sort();
    const files = entries.filter((f) => /\.jpe?g$/i.test(f) && !CHIP_PHOTO.test(f)).map((f) => join(dir, person, f));
    const chips = entries.filter((f) => CHIP_PHOTO.test(f));
    if (chips.length > 1) throw new XacminhError('INVALID_INPUT', `Face data ${join(dir, person)} has ${chips.length} chip photos (${chips.join(', ')}): keep one`, { dir, person });
    if (files.length || chips.length) people.push({ person, files, ...(chips.length ? { chip: join(dir, person, chips[0]!) } : {}) });
  }
  if (people.length < 2) throw new XacminhError('INVALID_INPUT', `Face data ${dir} needs at least two person folders with JPEGs`, { dir, people: people.length });
  const withChip = people.filter((p) => p.chip).length;
  if (withChip > 0 && withChip < people.length) {
    const missing = people.filter((p) => !p.chip).map((p) => p.person);
    throw new XacminhError(
      'INVALID_INPUT',
      `Face data ${dir}: ${withChip} people have a chip photo (chip.jpg / chip.jp2) and ${missing.length} do not (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}): give every person one, or none`,
      { dir, missing: missing.length },
    );
  }
  return people;
}
