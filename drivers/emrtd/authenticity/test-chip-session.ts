/**
 * Test support for AA/CA: opens a virtual (or any) card the way readDocument does — PACE with the CAN,
 * eMRTD application selected — and hands back the live session, so a test can run the authenticity
 * protocols and then read a file through whatever channel they left installed.
 */
import type { ApduTransport } from '../../apdu.ts';
import { establishAccess } from '../access.ts';
import { accessKeyFromIdNumber } from '../access-key.ts';
import { CardSession } from '../card-session.ts';
import { readFile } from '../file-reader.ts';
import { fileByName } from '../files.ts';
import { parseDg14 } from '../lds/dg14.ts';
import type { SecurityInfo } from '../lds/security-infos.ts';
import { OID, oidToBytes } from '../oids.ts';
import { concat, fromHex } from '../crypto/bytes.ts';
import type { EcCurveConstants } from '../pace/domain-parameters.ts';
import { encodeTlv } from '../tlv.ts';

export async function openChipSession(transport: ApduTransport, idNumber: string): Promise<{ session: CardSession; dg14: SecurityInfo[]; dg15: Uint8Array }> {
  const session = new CardSession(transport);
  await establishAccess(session, accessKeyFromIdNumber(idNumber), [{ protocolOid: OID['id-PACE-ECDH-GM-AES-CBC-CMAC-128'], parameterId: 13 }]);
  const dg14 = parseDg14(await readName(session, 'DG14'));
  const dg15 = await readName(session, 'DG15');
  return { session, dg14, dg15 };
}

/** Reads a file through the session's current channel with 223-byte reads (works on every path). */
export function readName(session: CardSession, name: string): Promise<Uint8Array> {
  return readFile(session, fileByName(name), { readSize: 223, useSfi: false });
}

const int = (hex: string): Uint8Array => {
  const bytes = fromHex(hex.length % 2 ? `0${hex}` : hex);
  return encodeTlv(0x02, bytes[0]! & 0x80 ? concat(Uint8Array.of(0), bytes) : bytes);
};

/** The same public point with EXPLICIT domain parameters (RFC 3279 ECParameters), as many real chips carry keys. */
export function explicitEcSpki(c: EcCurveConstants, point: Uint8Array): Uint8Array {
  const size = Math.ceil(c.p.length / 2);
  const octets = (hex: string) => encodeTlv(0x04, fromHex(hex.padStart(size * 2, '0')));
  const parameters = encodeTlv(
    0x30,
    concat(
      int('01'),
      encodeTlv(0x30, concat(encodeTlv(0x06, oidToBytes('1.2.840.10045.1.1')), int(c.p))),
      encodeTlv(0x30, concat(octets(c.a), octets(c.b))),
      encodeTlv(0x04, concat(Uint8Array.of(0x04), fromHex(c.Gx.padStart(size * 2, '0')), fromHex(c.Gy.padStart(size * 2, '0')))),
      int(c.n),
      int(c.h),
    ),
  );
  const algorithm = encodeTlv(0x30, concat(encodeTlv(0x06, oidToBytes(OID.ecPublicKey)), parameters));
  return encodeTlv(0x30, concat(algorithm, encodeTlv(0x03, concat(Uint8Array.of(0), point))));
}

/** secp256k1: a curve outside the 9303 table, to exercise arithmetic on parameters taken from the key. */
export const SECP256K1: EcCurveConstants = {
  p: 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F',
  a: '00',
  b: '07',
  Gx: '79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798',
  Gy: '483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8',
  n: 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141',
  h: '01',
};
