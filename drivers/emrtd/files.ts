/**
 * One table for every LDS file: name, file identifier, short file identifier, tag and data-group number
 * (ICAO 9303-10 §3.6). Everything that needs to map between them reads this table.
 */
import { XacminhError } from '../errors.ts';

export type LdsFileName = 'EF.CardAccess' | 'EF.COM' | 'EF.SOD' | `DG${number}`;

export interface LdsFile {
  name: LdsFileName;
  fid: number;
  sfi: number;
  tag: number;
  dg?: number;
  application: 'MF' | 'eMRTD';
}

const DG_TAGS = [0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70];

export const LDS_FILES: readonly LdsFile[] = [
  { name: 'EF.CardAccess', fid: 0x011c, sfi: 0x1c, tag: 0x31, application: 'MF' },
  { name: 'EF.COM', fid: 0x011e, sfi: 0x1e, tag: 0x60, application: 'eMRTD' },
  { name: 'EF.SOD', fid: 0x011d, sfi: 0x1d, tag: 0x77, application: 'eMRTD' },
  ...DG_TAGS.map((tag, i): LdsFile => ({ name: `DG${i + 1}`, fid: 0x0101 + i, sfi: i + 1, tag, dg: i + 1, application: 'eMRTD' })),
];

function lookup(predicate: (file: LdsFile) => boolean, what: string): LdsFile {
  const file = LDS_FILES.find(predicate);
  if (!file) throw new XacminhError('MALFORMED_DATA', `No LDS file ${what}`);
  return file;
}

export const fileByName = (name: string): LdsFile => lookup((f) => f.name === name, `named ${name}`);
export const fileByTag = (tag: number): LdsFile => lookup((f) => f.tag === tag, `with tag ${tag.toString(16)}`);
export const fileByDg = (dg: number): LdsFile => lookup((f) => f.dg === dg, `for data group ${dg}`);
