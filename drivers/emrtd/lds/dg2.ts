/**
 * DG2: the face image in a CBEFF biometric template (ISO/IEC 7816-11 / 19785), whose data block is an
 * ISO/IEC 19794-5 facial record ('FAC\0'). We take out the image bytes (JPEG or JPEG 2000) and their size.
 */
import { encodeTlv, readSingle, readTlvList, type Tlv } from '../tlv.ts';
import { byteText, malformed } from './der.ts';
import { concat } from '../crypto/bytes.ts';

export interface FaceImage {
  format: 'jpeg' | 'jpeg2000' | 'unknown';
  data: Uint8Array;
  width: number;
  height: number;
}

export interface Dg2 {
  images: FaceImage[];
}

const FACIAL_HEADER = 14; // 'FAC\0', version, record length (4), number of faces (2)
const FACIAL_INFO = 20;
const LANDMARK = 8;
const IMAGE_INFO = 12;

export function parseDg2(bytes: Uint8Array): Dg2 {
  const group = readSingle(readSingle(bytes, 0x75, 'DG2').value, 0x7f61, 'DG2 biometric information group');
  const templates = readTlvList(group.value).filter((t) => t.tag === 0x7f60);
  if (templates.length === 0) throw malformed('DG2', 'no biometric information template (7F60)');
  return { images: templates.flatMap((t) => parseTemplate(t)) };
}

function parseTemplate(template: Tlv): FaceImage[] {
  const block = readTlvList(template.value).find((t) => t.tag === 0x5f2e || t.tag === 0x7f2e);
  if (!block) throw malformed('DG2', 'no biometric data block (5F2E/7F2E)');
  return parseFacialRecord(block.value);
}

function parseFacialRecord(record: Uint8Array): FaceImage[] {
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  if (record.length < FACIAL_HEADER || byteText(record.subarray(0, 3)) !== 'FAC' || record[3] !== 0) {
    throw malformed('DG2', 'facial record does not start with FAC');
  }
  const faces = view.getUint16(12);
  const images: FaceImage[] = [];
  let offset = FACIAL_HEADER;
  for (let i = 0; i < faces; i++) {
    if (offset + FACIAL_INFO + IMAGE_INFO > record.length) throw malformed('DG2', `facial record ${i + 1} truncated`);
    const blockLength = view.getUint32(offset);
    const landmarks = view.getUint16(offset + 4);
    const infoAt = offset + FACIAL_INFO + landmarks * LANDMARK;
    const dataAt = infoAt + IMAGE_INFO;
    const end = offset + blockLength;
    if (blockLength < FACIAL_INFO + IMAGE_INFO || dataAt > end || end > record.length) throw malformed('DG2', `facial record ${i + 1} has a lying length`);
    const dataType = record[infoAt + 1]!;
    const data = record.slice(dataAt, end);
    images.push({
      format: dataType === 0 ? 'jpeg' : dataType === 1 ? 'jpeg2000' : sniff(data),
      width: view.getUint16(infoAt + 2),
      height: view.getUint16(infoAt + 4),
      data,
    });
    offset = end;
  }
  if (images.length === 0) throw malformed('DG2', 'no face image');
  return images;
}

/** When the image-type byte is not 0 (JPEG) or 1 (JPEG 2000), the data's own signature may still say. */
function sniff(data: Uint8Array): FaceImage['format'] {
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  // A JP2 file starts with its signature box; a bare codestream with SOC + SIZ markers.
  if (byteText(data.subarray(4, 8)) === 'jP  ' || (data[0] === 0xff && data[1] === 0x4f && data[2] === 0xff && data[3] === 0x51)) return 'jpeg2000';
  return 'unknown';
}

/** One JPEG face, laid out as CCCDs and ePassports carry it. */
export function encodeDg2(image: Uint8Array, size: { width: number; height: number }, format: 'jpeg' | 'jpeg2000' = 'jpeg'): Uint8Array {
  const blockLength = FACIAL_INFO + IMAGE_INFO + image.length;
  const record = new Uint8Array(FACIAL_HEADER + blockLength);
  const view = new DataView(record.buffer);
  record.set([0x46, 0x41, 0x43, 0x00, 0x30, 0x31, 0x30, 0x00]);
  view.setUint32(8, record.length);
  view.setUint16(12, 1);
  view.setUint32(FACIAL_HEADER, blockLength);
  const info = FACIAL_HEADER + FACIAL_INFO;
  record[info] = 1; // full frontal
  record[info + 1] = format === 'jpeg' ? 0 : 1;
  view.setUint16(info + 2, size.width);
  view.setUint16(info + 4, size.height);
  record[info + 6] = 1; // colour space sRGB
  record[info + 7] = 2; // source: static photo from a digital still camera
  record.set(image, info + IMAGE_INFO);
  const header = concat(
    encodeTlv(0x80, Uint8Array.of(0x01, 0x01)), // ICAO header version 1.1
    encodeTlv(0x81, Uint8Array.of(0x02)), // biometric type: facial features
    encodeTlv(0x87, Uint8Array.of(0x01, 0x01)), // format owner
    encodeTlv(0x88, Uint8Array.of(0x00, 0x08)), // format type
  );
  const template = encodeTlv(0x7f60, concat(encodeTlv(0xa1, header), encodeTlv(0x5f2e, record)));
  return encodeTlv(0x75, encodeTlv(0x7f61, concat(encodeTlv(0x02, Uint8Array.of(1)), template)));
}
