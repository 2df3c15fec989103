import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OID } from '../oids.ts';
import { parseCardAccess } from './card-access.ts';
import { encodeSecurityInfos } from './security-infos.ts';
import { assertThrowsCode, realCardAccess } from './test-util.ts';

test('EF.CardAccess of a real CCCD: PACE ECDH-GM AES-128 v2 on parameter 13 (brainpoolP256r1), CA, TA', () => {
  const bytes = realCardAccess();
  assert.is(bytes.length, 54);
  const infos = parseCardAccess(bytes);
  assert.equal(infos, [
    { type: 'TerminalAuthenticationInfo', oid: OID['id-TA'], version: 1 },
    { type: 'ChipAuthenticationInfo', oid: OID['id-CA-ECDH-AES-CBC-CMAC-128'], version: 1 },
    { type: 'PACEInfo', oid: OID['id-PACE-ECDH-GM-AES-CBC-CMAC-128'], version: 2, parameterId: 13 },
  ]);
});

test('our encoder rebuilds the real file byte for byte (so the virtual card can carry it)', () => {
  const bytes = realCardAccess();
  assert.equal(encodeSecurityInfos(parseCardAccess(bytes)), bytes);
});

test('a cut or padded EF.CardAccess is MALFORMED_DATA', () => {
  const bytes = realCardAccess();
  for (let n = 0; n < bytes.length; n++) assertThrowsCode(() => parseCardAccess(bytes.subarray(0, n)));
  assertThrowsCode(() => parseCardAccess(Uint8Array.from([...bytes, 0])));
});

test.run();
