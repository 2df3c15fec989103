/** EF.COM: LDS version and the list of data groups present (ICAO 9303-10 §4.6.1). */
import { fileByTag } from '../files.ts';
import { encodeTlv, readSingle, readTlvList } from '../tlv.ts';
import { malformed } from './der.ts';
import { concat } from '../crypto/bytes.ts';

export interface Com {
  ldsVersion?: string;
  unicodeVersion?: string;
  dataGroups: number[];
}

export function parseCom(bytes: Uint8Array): Com {
  const items = readTlvList(readSingle(bytes, 0x60, 'EF.COM').value);
  const text = (tag: number) => {
    const v = items.find((t) => t.tag === tag)?.value;
    return v && String.fromCharCode(...v);
  };
  const list = items.find((t) => t.tag === 0x5c);
  if (!list) throw malformed('EF.COM', 'no tag list (5C)');
  const dataGroups = [...list.value].map((tag) => {
    const dg = safeDg(tag);
    if (dg === undefined) throw malformed('EF.COM', `unknown data-group tag ${tag.toString(16)}`);
    return dg;
  });
  const com: Com = { dataGroups };
  const lds = text(0x5f01);
  const unicode = text(0x5f36);
  if (lds) com.ldsVersion = lds;
  if (unicode) com.unicodeVersion = unicode;
  return com;
}

function safeDg(tag: number): number | undefined {
  try {
    return fileByTag(tag).dg;
  } catch {
    return undefined;
  }
}

export function encodeCom(dataGroups: number[]): Uint8Array {
  const tags = Uint8Array.from(dataGroups.map((dg) => tagOfDg(dg)));
  return encodeTlv(0x60, concat(encodeTlv(0x5f01, new TextEncoder().encode('0107')), encodeTlv(0x5f36, new TextEncoder().encode('040000')), encodeTlv(0x5c, tags)));
}

function tagOfDg(dg: number): number {
  const tags = [0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70];
  const tag = tags[dg - 1];
  if (tag === undefined) throw malformed('EF.COM', `no data group ${dg}`);
  return tag;
}
