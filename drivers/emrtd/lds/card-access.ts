/** EF.CardAccess: a bare SET of SecurityInfos at MF level, readable without access control. */
import { parseSecurityInfos, type SecurityInfo } from './security-infos.ts';

export function parseCardAccess(bytes: Uint8Array): SecurityInfo[] {
  return parseSecurityInfos(bytes);
}
