import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../errors.ts';
import { aesCbcDecrypt, aesCbcEncrypt, aesCmac } from './aes.ts';
import { fromHex, hex, pad, unpad } from './bytes.ts';
import { desEdeCbcDecrypt, desEdeCbcEncrypt, retailMac, adjustParity } from './des.ts';
import { deriveKey } from './kdf.ts';
import { readTlvList as parseTlvs, encodeTlv } from '../tlv.ts';

// NIST SP 800-38B Appendix D (RFC 4493 for AES-128): message lengths 0, 16, 40, 64.
const MSG = fromHex('6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E5130C81C46A35CE411E5FBC1191A0A52EFF69F2445DF4F9B17AD2B417BE66C3710');
const CMAC: Array<[string, string[]]> = [
  ['2B7E151628AED2A6ABF7158809CF4F3C', ['BB1D6929E95937287FA37D129B756746', '070A16B46B4D4144F79BDD9DD04A287C', 'DFA66747DE9AE63030CA32611497C827', '51F0BEBF7E3B9D92FC49741779363CFE']],
  ['8E73B0F7DA0E6452C810F32B809079E562F8EAD2522C6B7B', ['D17DDF46ADAACDE531CAC483DE7A9367', '9E99A7BF31E710900662F65E617C5184', '8A1DE5BE2EB31AAD089A82E6EE908B0E', 'A1D5DF0EED790F794D77589659F39A11']],
  ['603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4', ['028962F61B7BF89EFC6B551F4667D983', '28A7023F452E8F82BD4BF28D8C37C35C', 'AAF3D8F1DE5640C232F5B169B9C911E6', 'E1992190549F6ED5696A2C056C315410']],
];

test('AES-CMAC matches NIST SP 800-38B / RFC 4493 for 128, 192 and 256-bit keys', () => {
  for (const [key, macs] of CMAC) {
    [0, 16, 40, 64].forEach((length, i) => assert.is(hex(aesCmac(fromHex(key), MSG.subarray(0, length))), macs[i], `${key.length * 4} bits, ${length} bytes`));
  }
});

test('AES-CBC matches NIST SP 800-38A F.2.1', () => {
  const key = fromHex('2B7E151628AED2A6ABF7158809CF4F3C');
  const iv = fromHex('000102030405060708090A0B0C0D0E0F');
  const c = aesCbcEncrypt(key, iv, MSG.subarray(0, 16));
  assert.is(hex(c), '7649ABAC8119B246CEE98E9B12E9197D');
  assert.is(hex(aesCbcDecrypt(key, iv, c)), hex(MSG.subarray(0, 16)));
});

test('9303-11 D.3: 3DES cryptogram and retail MAC of the terminal', () => {
  const kEnc = fromHex('AB94FDECF2674FDFB9B391F85D7F76F2');
  const kMac = fromHex('7962D9ECE03D1ACD4C76089DCE131543');
  const s = fromHex('781723860C06C2264608F919887022120B795240CB7049B01C19B33E32804F0B');
  const e = desEdeCbcEncrypt(kEnc, s);
  assert.is(hex(e), '72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2');
  assert.is(hex(retailMac(kMac, e)), '5F1448EEA8AD90A7');
  assert.is(hex(desEdeCbcDecrypt(kEnc, e)), hex(s));
  // The chip's answer decrypts to R = RND.IC ‖ RND.IFD ‖ K.IC.
  const eIc = fromHex('46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F');
  assert.is(hex(retailMac(kMac, eIc)), '2F2D235D074D7449');
  assert.is(hex(desEdeCbcDecrypt(kEnc, eIc)), '4608F91988702212781723860C06C2260B4F80323EB3191CB04970CB4052790B');
});

test('KDF: BAC keys (D.2/D.3), PACE K_pi and AES session keys (G.1)', () => {
  assert.is(hex(deriveKey(fromHex('239AB9CB282DAF66231DC5A4DF6BFBAE'), '3DES', 16, 1)), 'AB94FDECF2674FDFB9B391F85D7F76F2');
  assert.is(hex(deriveKey(fromHex('239AB9CB282DAF66231DC5A4DF6BFBAE'), '3DES', 16, 2)), '7962D9ECE03D1ACD4C76089DCE131543');
  assert.is(hex(deriveKey(fromHex('0036D272F5C350ACAC50C3F572D23600'), '3DES', 16, 1)), '979EC13B1CBFE9DCD01AB0FED307EAE5');
  assert.is(hex(deriveKey(fromHex('0036D272F5C350ACAC50C3F572D23600'), '3DES', 16, 2)), 'F1CB1F1FB5ADF208806B89DC579DC1F8');
  assert.is(hex(deriveKey(fromHex('7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD'), 'AES', 16, 3)), '89DED1B26624EC1E634C1989302849DD');
  const shared = fromHex('28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925');
  assert.is(hex(deriveKey(shared, 'AES', 16, 1)), 'F5F0E35C0D7161EE6724EE513A0D9A7F');
  assert.is(hex(deriveKey(shared, 'AES', 16, 2)), 'FE251C7858B356B24514B3BD5F4297D1');
  assert.is(deriveKey(shared, 'AES', 24, 1).length, 24);
  assert.is(deriveKey(shared, 'AES', 32, 1).length, 32);
});

test('DES parity adjustment (9303-11 D.1 example halves)', () => {
  assert.is(hex(adjustParity(fromHex('AB94FCEDF2664EDF'))), 'AB94FDECF2674FDF');
  assert.is(hex(adjustParity(fromHex('B9B291F85D7F77F2'))), 'B9B391F85D7F76F2');
});

test('padding method 2 and its removal', () => {
  assert.is(hex(pad(fromHex('010203'), 8)), '0102038000000000');
  assert.is(pad(new Uint8Array(8), 8).length, 16);
  assert.is(hex(unpad(pad(fromHex('010203'), 16))), '010203');
  assert.throws(() => unpad(fromHex('0102030000')), (e: unknown) => isXacminhError(e, 'SM_MALFORMED'));
  assert.throws(() => unpad(new Uint8Array(8)), (e: unknown) => isXacminhError(e, 'SM_MALFORMED'));
});

test('TLV: long lengths round-trip; truncated input is a typed error', () => {
  const big = encodeTlv(0x87, new Uint8Array(300));
  assert.is(hex(big.subarray(0, 4)), '8782012C');
  assert.is(parseTlvs(big)[0]!.value.length, 300);
  assert.is(parseTlvs(encodeTlv(0x7f49, fromHex('0601')))[0]!.tag, 0x7f49);
  for (const bad of ['87', '8705010203', '7F', '8784', '878200', '9F8101']) {
    assert.throws(() => parseTlvs(fromHex(bad), 'SM_MALFORMED'), (e: unknown) => isXacminhError(e, 'SM_MALFORMED'), bad);
  }
});

test.run();
