import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hex } from './crypto/bytes.ts';
import { OID, describePaceOid, oidName, oidToBytes } from './oids.ts';

test('PACE OIDs decode into mapping, agreement, cipher and key length', () => {
  assert.equal(describePaceOid(OID['id-PACE-ECDH-GM-AES-CBC-CMAC-128']), { mapping: 'GM', agreement: 'ECDH', cipher: 'AES', keyLength: 16 });
  assert.equal(describePaceOid(OID['id-PACE-DH-GM-3DES-CBC-CBC']), { mapping: 'GM', agreement: 'DH', cipher: '3DES', keyLength: 16 });
  assert.equal(describePaceOid(OID['id-PACE-ECDH-IM-AES-CBC-CMAC-256']), { mapping: 'IM', agreement: 'ECDH', cipher: 'AES', keyLength: 32 });
  assert.equal(describePaceOid(OID['id-PACE-ECDH-CAM-AES-CBC-CMAC-192']), { mapping: 'CAM', agreement: 'ECDH', cipher: 'AES', keyLength: 24 });
  for (const other of [OID['id-PACE-ECDH-GM'], OID['id-CA-ECDH-AES-CBC-CMAC-128'], '0.4.0.127.0.7.2.2.4.6.1', '0.4.0.127.0.7.2.2.4.2.9', 'nonsense']) {
    assert.is(describePaceOid(other), undefined, other);
  }
});

test('OID DER encoding matches EF.CardAccess of 9303-11 G.1', () => {
  assert.is(hex(oidToBytes(OID['id-PACE-ECDH-GM-AES-CBC-CMAC-128'])), '04007F00070202040202');
  assert.is(hex(oidToBytes(OID['id-icao-mrtd-security-ldsSecurityObject'])), '678108010101');
  assert.is(oidName('0.4.0.127.0.7.2.2.3.2.2'), 'id-CA-ECDH-AES-CBC-CMAC-128');
});

test.run();
