import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isXacminhError } from '../../errors.ts';
import { cardAccessFile } from '../../sim/card-files.ts';
import { generateTestPki } from '../../sim/test-pki.ts';
import { sharedDataPath } from '../../sim/shared-data.ts';
import { mrzCheckDigit, parseMrz, formatTd3 } from '../mrz.ts';
import { OID } from '../oids.ts';
import { encodeTlv, peekTlvLength, readTlv } from '../tlv.ts';
import { parseCardAccess } from './card-access.ts';
import { encodeCom, parseCom } from './com.ts';
import { encodeDg1, parseDg1 } from './dg1.ts';
import { encodeDg2, parseDg2 } from './dg2.ts';
import { encodeDg13, parseDg13 } from './dg13.ts';
import { encodeDg15, parseDg15 } from './dg15.ts';
import { encodeSod, parseSod } from './sod.ts';

function malformed(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    assert.ok(isXacminhError(error, 'MALFORMED_DATA'), `expected MALFORMED_DATA, got ${String(error)}`);
    return;
  }
  assert.unreachable('expected MALFORMED_DATA');
}

test('EF.CardAccess of a real CCCD: PACE ECDH-GM AES-128 on brainpoolP256r1, CA, TA', () => {
  const infos = parseCardAccess(new Uint8Array(readFileSync(sharedDataPath('cccd', 'ef-cardaccess.bin'))));
  assert.equal(infos.map((i) => i.type).sort(), ['ChipAuthenticationInfo', 'PACEInfo', 'TerminalAuthenticationInfo']);
  const pace = infos.find((i) => i.type === 'PACEInfo');
  assert.equal(pace, { type: 'PACEInfo', oid: OID['id-PACE-ECDH-GM-AES-CBC-CMAC-128'], version: 2, parameterId: 13 });
  assert.ok(infos.some((i) => i.type === 'ChipAuthenticationInfo' && i.oid === OID['id-CA-ECDH-AES-CBC-CMAC-128']));
  assert.ok(infos.some((i) => i.type === 'TerminalAuthenticationInfo'));
  // The virtual card carries exactly these bytes.
  assert.equal(cardAccessFile(), new Uint8Array(readFileSync(sharedDataPath('cccd', 'ef-cardaccess.bin'))));
});

test('MRZ check digits and parsing: the ICAO 9303 specimens', () => {
  const td1 = parseMrz('I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<');
  assert.is(td1.format, 'TD1');
  assert.is(td1.documentNumber, 'D23145890');
  assert.is(td1.dateOfBirth, '740812');
  assert.is(td1.dateOfExpiry, '120415');
  assert.is(td1.primaryIdentifier, 'ERIKSSON');
  assert.is(td1.secondaryIdentifier, 'ANNA MARIA');
  assert.ok(td1.checkDigitsValid, td1.problems.join());
  const td3 = parseMrz('P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10');
  assert.is(td3.format, 'TD3');
  assert.is(td3.documentNumber, 'L898902C3');
  assert.is(td3.optionalData1, 'ZE184226B');
  assert.ok(td3.checkDigitsValid, td3.problems.join());
  assert.is(mrzCheckDigit('L898902C3'), '6');
  const broken = parseMrz('P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408132F1204159ZE184226B<<<<<10');
  assert.not.ok(broken.checkDigitsValid);
  assert.match(broken.problems.join(), /date of birth/);
});

test('TD3 formatting round-trips through the parser', () => {
  const lines = formatTd3({
    documentCode: 'P',
    issuingState: 'VNM',
    documentNumber: 'C1234567',
    dateOfBirth: '900201',
    sex: 'F',
    dateOfExpiry: '320201',
    nationality: 'VNM',
    optionalData1: '',
    optionalData2: '',
    primaryIdentifier: 'TRAN',
    secondaryIdentifier: 'THI LAN',
  });
  const mrz = parseMrz(lines.join('\n'));
  assert.ok(mrz.checkDigitsValid, mrz.problems.join());
  assert.is(mrz.documentNumber, 'C1234567');
  assert.is(mrz.secondaryIdentifier, 'THI LAN');
});

test('DG1 of a CCCD gives the 12-digit ID number', () => {
  const dg1 = parseDg1(encodeDg1(['IDVNM2030012345079203001234<<1', '9002011M3002013VNM<<<<<<<<<<<0', 'NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<']));
  assert.is(dg1.cccdIdNumber, '079203001234');
  assert.is(dg1.mrz.documentNumber, '203001234');
});

test('EF.COM lists the data groups', () => {
  assert.equal(parseCom(encodeCom([1, 2, 3, 13, 14, 15])).dataGroups, [1, 2, 3, 13, 14, 15]);
  malformed(() => parseCom(encodeTlv(0x60, encodeTlv(0x5c, Uint8Array.of(0x99)))));
});

test('DG2: the JPEG comes out byte for byte, with its size and format', () => {
  const jpeg = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff);
  const dg2 = parseDg2(encodeDg2(jpeg, { width: 480, height: 640 }));
  assert.is(dg2.images.length, 1);
  assert.equal(dg2.images[0], { format: 'jpeg', width: 480, height: 640, data: jpeg });
  const j2k = parseDg2(encodeDg2(jpeg, { width: 240, height: 320 }, 'jpeg2000'));
  assert.is(j2k.images[0]!.format, 'jpeg2000');
});

test('DG13: fields found by key, missing ones absent, unknown keys kept raw, PrintableString read', () => {
  const full = parseDg13(
    encodeDg13({ idNumber: '079203001234', fullName: 'Nguyễn Văn An', dateOfExpiry: 'Không thời hạn', fatherName: 'Nguyễn Văn Ba', motherName: 'Lê Thị Cúc' }),
  );
  assert.is(full.fullName, 'Nguyễn Văn An');
  assert.is(full.dateOfExpiry, 'Không thời hạn');
  assert.is(full.fatherName, 'Nguyễn Văn Ba');
  assert.is(full.motherName, 'Lê Thị Cúc');
  assert.is(full.spouseName, undefined);
  assert.is(full.dateOfBirth, undefined);
  // Hand-built: fields out of order, a PrintableString, and an unknown key 16.
  const field = (key: number, tag: number, text: string) =>
    encodeTlv(0x30, new Uint8Array([...encodeTlv(0x02, Uint8Array.of(key)), ...encodeTlv(tag, new TextEncoder().encode(text))]));
  const set = encodeTlv(0x31, new Uint8Array([...field(16, 0x0c, 'xyz'), ...field(3, 0x13, '01/02/1990'), ...field(1, 0x0c, '001090000001')]));
  const body = new Uint8Array([...encodeTlv(0x02, Uint8Array.of(1)), ...encodeTlv(0x06, Uint8Array.of(0x28, 0xd3, 0x16, 0x01, 0x00, 0x08)), ...set]);
  const parsed = parseDg13(encodeTlv(0x6d, encodeTlv(0x30, body)));
  assert.is(parsed.dateOfBirth, '01/02/1990');
  assert.is(parsed.idNumber, '001090000001');
  assert.ok(parsed.raw.has(16));
});

test('DG15 classifies the key', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }).publicKey.export({ type: 'spki', format: 'der' });
  assert.is(parseDg15(encodeDg15(new Uint8Array(rsa))).algorithm, 'RSA');
  assert.is(parseDg15(encodeDg15(new Uint8Array(ec))).algorithm, 'EC');
});

test('EF.SOD: data-group hashes and algorithm come back out of a signed SOD', async () => {
  const pki = await generateTestPki();
  const hashes = new Map([1, 2, 13].map((dg) => [dg, new Uint8Array(createHash('sha256').update(`dg${dg}`).digest())]));
  const sod = parseSod(encodeSod({ digestAlgorithm: 'sha256', dataGroups: hashes, signerKey: pki.documentSignerKey, signerCertificateDer: pki.documentSignerCertificate }));
  assert.is(sod.digestAlgorithm, 'sha256');
  assert.equal([...sod.dataGroupHashes.keys()], [1, 2, 13]);
  assert.equal(sod.dataGroupHashes.get(13), hashes.get(13));
  assert.is(sod.signedData.signerInfos.length, 1);
});

test('TLV: lying, truncated, indefinite and overlong lengths are MALFORMED_DATA', () => {
  malformed(() => readTlv(Uint8Array.of(0x61, 0x05, 1, 2)));
  malformed(() => readTlv(Uint8Array.of(0x61, 0x80, 0, 0)));
  malformed(() => readTlv(Uint8Array.of(0x61, 0x85, 1, 1, 1, 1, 1)));
  malformed(() => readTlv(Uint8Array.of(0x5f)));
  malformed(() => readTlv(new Uint8Array(0)));
  assert.equal(peekTlvLength(Uint8Array.of(0x75, 0x82, 0x59, 0x10, 0x7f)), { headerLength: 4, valueLength: 0x5910 });
  assert.is(peekTlvLength(Uint8Array.of(0x75, 0x82, 0x59)), undefined);
  const big = new Uint8Array(70000);
  assert.is(readTlv(encodeTlv(0x75, big)).value.length, 70000);
});

test.run();
