/** DG14: the same SecurityInfos as EF.CardAccess, wrapped in tag 6E, with the chip-authentication public keys. */
import { encodeTlv, readSingle } from '../tlv.ts';
import { encodeSecurityInfos, parseSecurityInfos, type SecurityInfo } from './security-infos.ts';

export function parseDg14(bytes: Uint8Array): SecurityInfo[] {
  return parseSecurityInfos(readSingle(bytes, 0x6e, 'DG14').value);
}

export function encodeDg14(infos: SecurityInfo[]): Uint8Array {
  return encodeTlv(0x6e, encodeSecurityInfos(infos));
}
