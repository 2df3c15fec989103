import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKeyPairSync } from 'node:crypto';
import { concat } from '../crypto/bytes.ts';
import { OID, oidToBytes } from '../oids.ts';
import { encodeTlv } from '../tlv.ts';
import { encodeSecurityInfos, parseSecurityInfos, type SecurityInfo } from './security-infos.ts';
import { assertThrowsCode, fromHex, toHex } from './test-util.ts';

const oid = (o: string) => encodeTlv(0x06, oidToBytes(o));
const int = (n: number) => encodeTlv(0x02, Uint8Array.of(n));
const entry = (...parts: Uint8Array[]) => encodeTlv(0x30, concat(...parts));
const setOf = (...entries: Uint8Array[]) => encodeTlv(0x31, concat(...entries));

test('every kind of SecurityInfo round-trips, keyIds above 127 included', () => {
  const spki = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }).publicKey.export({ type: 'spki', format: 'der' }));
  const infos: SecurityInfo[] = [
    { type: 'PACEInfo', oid: OID['id-PACE-ECDH-GM-AES-CBC-CMAC-128'], version: 2, parameterId: 13 },
    { type: 'PACEInfo', oid: OID['id-PACE-ECDH-IM-AES-CBC-CMAC-256'], version: 2 },
    { type: 'ChipAuthenticationInfo', oid: OID['id-CA-ECDH-AES-CBC-CMAC-128'], version: 1, keyId: 200 },
    { type: 'ChipAuthenticationPublicKeyInfo', oid: OID['id-PK-ECDH'], publicKey: spki, keyId: 200 },
    { type: 'TerminalAuthenticationInfo', oid: OID['id-TA'], version: 1 },
    { type: 'ActiveAuthenticationInfo', oid: OID['id-AA'], version: 1, signatureAlgorithm: '0.4.0.127.0.7.1.1.4.1.3' },
    { type: 'unknown', oid: '1.2.3.4', raw: concat(oid('1.2.3.4'), fromHex('0403 010203')) },
  ];
  const bytes = encodeSecurityInfos(infos);
  assert.equal(parseSecurityInfos(bytes), infos);
  // keyId 200 needs a leading zero byte to stay positive.
  assert.ok(toHex(bytes).includes('020200C8'));
  assert.equal(encodeSecurityInfos(parseSecurityInfos(bytes)), bytes);
});

test('PACEDomainParameterInfo: the bare mapping OID with an AlgorithmIdentifier', () => {
  const domain = entry(oid(OID['id-PACE-ECDH-GM']), entry(oid(OID.standardizedDomainParameters), int(13)), int(1));
  const [info] = parseSecurityInfos(setOf(domain));
  assert.is(info!.type, 'PACEDomainParameterInfo');
  assert.ok(info?.type === 'PACEDomainParameterInfo' && info.parameterId === 1);
});

test('unknown protocols are kept raw, not refused', () => {
  const cardInfoLocator = entry(oid('0.4.0.127.0.7.2.2.6'), encodeTlv(0x16, new TextEncoder().encode('http://example')));
  const infos = parseSecurityInfos(setOf(cardInfoLocator));
  assert.equal(infos, [{ type: 'unknown', oid: '0.4.0.127.0.7.2.2.6', raw: cardInfoLocator.subarray(2) }]);
});

test('structural faults are MALFORMED_DATA', () => {
  assertThrowsCode(() => parseSecurityInfos(setOf(int(1)))); // an entry that is no SEQUENCE
  assertThrowsCode(() => parseSecurityInfos(setOf(entry(int(1))))); // no OID
  assertThrowsCode(() => parseSecurityInfos(setOf(entry(oid(OID['id-CA-ECDH-AES-CBC-CMAC-128']))))); // no version
  assertThrowsCode(() => parseSecurityInfos(setOf(entry(oid(OID['id-TA']), oid('1.2'))))); // version not INTEGER
  assertThrowsCode(() => parseSecurityInfos(setOf(entry(oid(OID['id-PK-ECDH']), int(1))))); // no SubjectPublicKeyInfo
  assertThrowsCode(() => parseSecurityInfos(setOf(entry(oid(OID['id-AA']), int(1))))); // no signature algorithm
  assertThrowsCode(() => parseSecurityInfos(entry(oid(OID['id-TA']), int(1)))); // a SEQUENCE, not a SET
  assertThrowsCode(() => parseSecurityInfos(new Uint8Array(0)));
});

test.run();
