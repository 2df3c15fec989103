import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { OID } from '../oids.ts';
import { readTlv } from '../tlv.ts';
import { encodeDg14, parseDg14 } from './dg14.ts';
import { encodeSecurityInfos, type SecurityInfo } from './security-infos.ts';
import { assertThrowsCode } from './test-util.ts';

test('DG14: tag 6E around the SecurityInfos; the chip-authentication key comes out as a usable SPKI', () => {
  const key = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }).publicKey;
  const spki = new Uint8Array(key.export({ type: 'spki', format: 'der' }));
  const infos: SecurityInfo[] = [
    { type: 'ChipAuthenticationInfo', oid: OID['id-CA-ECDH-AES-CBC-CMAC-128'], version: 1 },
    { type: 'ChipAuthenticationPublicKeyInfo', oid: OID['id-PK-ECDH'], publicKey: spki },
    { type: 'PACEInfo', oid: OID['id-PACE-ECDH-GM-AES-CBC-CMAC-128'], version: 2, parameterId: 13 },
  ];
  const bytes = encodeDg14(infos);
  assert.is(readTlv(bytes).tag, 0x6e);
  const parsed = parseDg14(bytes);
  assert.equal(parsed, infos);
  const ca = parsed.find((i) => i.type === 'ChipAuthenticationPublicKeyInfo');
  assert.ok(ca?.type === 'ChipAuthenticationPublicKeyInfo' && createPublicKey({ key: Buffer.from(ca.publicKey), format: 'der', type: 'spki' }).equals(key));
});

test('a bare SET (EF.CardAccess shape) or another tag is not DG14', () => {
  const set = encodeSecurityInfos([{ type: 'TerminalAuthenticationInfo', oid: OID['id-TA'], version: 1 }]);
  assertThrowsCode(() => parseDg14(set));
  assertThrowsCode(() => parseDg14(Uint8Array.from([0x6f, ...set.subarray(0, 1), ...set])));
});

test.run();
