/** EF.COM: LDS version and the list of data groups present (ICAO 9303-10 §4.6.1). */
import { XacminhError } from '../../errors.ts';
import { concat } from '../crypto/bytes.ts';
import { fileByDg, LDS_FILES } from '../files.ts';
import { encodeTlv, readSingle, readTlvList } from '../tlv.ts';
import { byteText, malformed } from './der.ts';

export interface Com {
  ldsVersion?: string;
  unicodeVersion?: string;
  dataGroups: number[];
}

export function parseCom(bytes: Uint8Array): Com {
  const items = readTlvList(readSingle(bytes, 0x60, 'EF.COM').value);
  const text = (tag: number) => {
    const v = items.find((t) => t.tag === tag)?.value;
    return v && byteText(v);
  };
  const list = items.find((t) => t.tag === 0x5c);
  if (!list) throw malformed('EF.COM', 'no tag list (5C)');
  const dataGroups = [...list.value].map((tag) => {
    const dg = LDS_FILES.find((f) => f.tag === tag)?.dg;
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

/** LDS 1.7 and Unicode 4.0.0, as CCCDs announce them; tags come from the one file table. */
export function encodeCom(dataGroups: number[], versions: { lds?: string; unicode?: string } = {}): Uint8Array {
  const tags = dataGroups.map((dg) => {
    if (!Number.isInteger(dg) || dg < 1 || dg > 16) throw new XacminhError('INVALID_INPUT', `EF.COM: no data group ${dg}`);
    return fileByDg(dg).tag;
  });
  const ascii = (s: string) => new TextEncoder().encode(s);
  return encodeTlv(
    0x60,
    concat(encodeTlv(0x5f01, ascii(versions.lds ?? '0107')), encodeTlv(0x5f36, ascii(versions.unicode ?? '040000')), encodeTlv(0x5c, Uint8Array.from(tags))),
  );
}
