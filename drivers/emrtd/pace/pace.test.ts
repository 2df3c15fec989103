import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeCommand, encodeCommand, encodeResponse } from '../../apdu.ts';
import { isXacminhError, type XacminhError } from '../../errors.ts';
import { fromHex, hex } from '../crypto/bytes.ts';
import { deriveKey } from '../crypto/kdf.ts';
import { OID } from '../oids.ts';
import { createSecureChannel } from '../sm.ts';
import { getDomainParameters } from './domain-parameters.ts';
import { mapGenerator, standardGroup } from './group.ts';
import { PaceChip, performPace, type PacePassword } from './pace.ts';
import { dynamicAuthData, passwordKey, passwordSecret, resolvePaceSuite } from './protocol.ts';
import { encodeTlv } from '../tlv.ts';
import { queuedRandom, scriptedCard } from './test-support.ts';

// ICAO Doc 9303 Part 11, Appendix G.1: PACE ECDH-GM, AES-128, brainpoolP256r1, MRZ password.
const MRZ: PacePassword = { type: 'MRZ', mrz: { documentNumber: 'T22000129', dateOfBirth: '640812', dateOfExpiry: '101031' } };
const PARAMS = { protocolOid: OID['id-PACE-ECDH-GM-AES-CBC-CMAC-128'], parameterId: 13 };
const G1 = {
  k: '7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD',
  kPi: '89DED1B26624EC1E634C1989302849DD',
  z: '95A3A016522EE98D01E76CB6B98B42C3',
  s: '3F00C4D39D153F2B2A214A078D899B22',
  skMapT: '7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99',
  pkMapT: '047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D',
  skMapC: '498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560',
  pkMapC: '04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54',
  h: '0460332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD50840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181',
  mapped: '048CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E28C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522',
  skEphT: 'A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595',
  pkEphT: '042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462',
  skEphC: '107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A',
  pkEphC: '049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094',
  shared: '28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925',
  ksEnc: 'F5F0E35C0D7161EE6724EE513A0D9A7F',
  ksMac: 'FE251C7858B356B24514B3BD5F4297D1',
  tT: 'C2B0BD78D94BA866',
  tC: '3ABB9674BCE93C08',
};
// The exchange as published (commands as we encode them, with the domain-parameter reference 84 01 0D).
const G1_COMMANDS = [
  '0022C1A412800A04007F0007020204020283010184010D',
  '10860000027C0000',
  `10860000457C4381410${G1.pkMapT.slice(1)}00`,
  `10860000457C4383410${G1.pkEphT.slice(1)}00`,
  `008600000C7C0A8508${G1.tT}00`,
];
const G1_RESPONSES = ['9000', `7C128010${G1.z}9000`, `7C438241${G1.pkMapC}9000`, `7C438441${G1.pkEphC}9000`, `7C0A8608${G1.tC}9000`];

test('G.1: password key K_pi from the MRZ', () => {
  assert.is(hex(passwordSecret(MRZ)), G1.k);
  assert.is(hex(passwordKey(MRZ, resolvePaceSuite(PARAMS))), G1.kPi);
});

test('G.1: nonce, mapping, key agreement and session keys', () => {
  const suite = resolvePaceSuite(PARAMS);
  assert.is(hex(suite.suite.decryptZeroIv(fromHex(G1.kPi), fromHex(G1.z))), G1.s);
  const domain = getDomainParameters(13);
  const group = standardGroup(domain);
  const skMapT = BigInt(`0x${G1.skMapT}`);
  assert.is(hex(group.encode(group.multiply(group.generator, skMapT))), G1.pkMapT);
  assert.is(hex(group.encode(group.multiply(group.generator, BigInt(`0x${G1.skMapC}`)))), G1.pkMapC);
  const h = group.multiply(group.decode(fromHex(G1.pkMapC)), skMapT);
  assert.is(hex(group.encode(h)), G1.h);
  const mapped = mapGenerator(domain, fromHex(G1.s), h);
  assert.is(hex(group.encode(mapped)), G1.mapped);
  assert.is(hex(group.encode(group.multiply(mapped, BigInt(`0x${G1.skEphT}`)))), G1.pkEphT);
  const shared = group.multiply(group.decode(fromHex(G1.pkEphC)), BigInt(`0x${G1.skEphT}`));
  assert.is(hex(group.secret(shared)), G1.shared);
  assert.is(hex(deriveKey(fromHex(G1.shared), 'AES', 16, 1)), G1.ksEnc);
  assert.is(hex(deriveKey(fromHex(G1.shared), 'AES', 16, 2)), G1.ksMac);
});

test('G.1: performPace sends the published APDUs and ends with the published session keys', async () => {
  const card = scriptedCard(G1_RESPONSES);
  const channel = await performPace(card.send, MRZ, PARAMS, { random: queuedRandom(G1.skMapT, G1.skEphT) });
  assert.equal(card.sent, G1_COMMANDS);
  const reference = createSecureChannel({ cipher: 'AES', kEnc: fromHex(G1.ksEnc), kMac: fromHex(G1.ksMac), ssc: new Uint8Array(16) });
  const select = { cla: 0, ins: 0xa4, p1: 2, p2: 0x0c, data: fromHex('011E') };
  assert.is(hex(encodeCommand(channel.wrap(select))), hex(encodeCommand(reference.wrap(select))));
});

test('G.1: PaceChip answers with the published responses', () => {
  const chip = new PaceChip(MRZ, PARAMS, { random: queuedRandom(G1.s, G1.skMapC, G1.skEphC) });
  let channel;
  for (const [i, command] of G1_COMMANDS.entries()) {
    const out = chip.handle(decodeCommand(fromHex(command)));
    assert.is(hex(encodeResponse(out.response)), G1_RESPONSES[i], `step ${i}`);
    channel = out.channel ?? channel;
  }
  assert.ok(channel, 'the last step installs a channel');
});

test('wrong password: chip answers 6300 on the token step -> ACCESS_DENIED with the CAN message', async () => {
  const card = scriptedCard([...G1_RESPONSES.slice(0, 4), '6300']);
  const can: PacePassword = { type: 'CAN', can: '123456' };
  const error = await performPace(card.send, can, PARAMS, { random: queuedRandom(G1.skMapT, G1.skEphT) }).catch((e: unknown) => e);
  assert.ok(isXacminhError(error, 'ACCESS_DENIED'));
  assert.match((error as XacminhError).message, 'PACE refused: check the CAN / ID number');
  assert.is((error as XacminhError).evidence.sw, '6300');
  assert.ok(card.sent[0]!.endsWith('83010284010D'), 'CAN password reference 02');
});

test('a wrong chip token -> ACCESS_DENIED', async () => {
  const badToken = `7C0A8608${'00'.repeat(8)}9000`;
  const card = scriptedCard([...G1_RESPONSES.slice(0, 4), badToken]);
  const error = await performPace(card.send, MRZ, PARAMS, { random: queuedRandom(G1.skMapT, G1.skEphT) }).catch((e: unknown) => e);
  assert.ok(isXacminhError(error, 'ACCESS_DENIED'));
});

test('terminal rejects a chip key that is not on the curve or echoes ours', async () => {
  const offCurve = `7C438241${G1.pkMapC.slice(0, -2)}55` + '9000';
  const card = scriptedCard([G1_RESPONSES[0]!, G1_RESPONSES[1]!, offCurve]);
  const e1 = await performPace(card.send, MRZ, PARAMS, { random: queuedRandom(G1.skMapT, G1.skEphT) }).catch((e: unknown) => e);
  assert.ok(isXacminhError(e1, 'MALFORMED_DATA'));
  const echo = scriptedCard([G1_RESPONSES[0]!, G1_RESPONSES[1]!, `7C438241${G1.pkMapT}9000`]);
  const e2 = await performPace(echo.send, MRZ, PARAMS, { random: queuedRandom(G1.skMapT, G1.skEphT) }).catch((e: unknown) => e);
  assert.ok(isXacminhError(e2, 'MALFORMED_DATA'));
});

test('chip rejects off-curve points and its own key with 6A80, wrong token with 6300', () => {
  const run = (commands: string[], random: string[]) => {
    const chip = new PaceChip(MRZ, PARAMS, { random: queuedRandom(...random) });
    return commands.map((c) => hex(encodeResponse(chip.handle(decodeCommand(fromHex(c))).response)));
  };
  const offCurve = `10860000457C438141${G1.pkMapT.slice(0, -2)}5500`;
  assert.is(run([G1_COMMANDS[0]!, G1_COMMANDS[1]!, offCurve], [G1.s]).at(-1), '6A80');
  const ownKey = `10860000457C438141${G1.pkMapC}00`;
  assert.is(run([G1_COMMANDS[0]!, G1_COMMANDS[1]!, ownKey], [G1.s, G1.skMapC]).at(-1), '6A80');
  const ownEphemeral = `10860000457C438341${G1.pkEphC}00`;
  assert.is(run([...G1_COMMANDS.slice(0, 3), ownEphemeral], [G1.s, G1.skMapC, G1.skEphC]).at(-1), '6A80');
  const badToken = `008600000C7C0A8508${'11'.repeat(8)}00`;
  assert.is(run([...G1_COMMANDS.slice(0, 4), badToken], [G1.s, G1.skMapC, G1.skEphC]).at(-1), '6300');
  assert.is(run([G1_COMMANDS[2]!], []).at(-1), '6985', 'GA before MSE:Set AT');
  assert.is(run(['0022C1A412800A04007F0007020204020283010284010D'], []).at(-1), '6A80', 'wrong password reference');
});

// ICAO 9303-11 Appendix G.2: PACE DH-GM, AES-128, 1024-bit MODP group (ID 0), same MRZ.
const G2 = {
  z: '854D8DF5827FA6852D1A4FA701CDDDCA',
  skMapT: '5265030F751F4AD18B08AC565FC7AC952E41618D',
  pkMapT:
    '23FB3749EA030D2A25B278D2A562047ADE3F01B74F17A15402CB7352CA7D2B3EB71C343DB13D1DEBCE9A3666DBCFC920B49174A602CB47965CAA73DC702489A44D41DB914DE9613DC5E98C94160551C0DF86274B9359BC0490D01B03AD54022DCB4F57FAD6322497D7A1E28D46710F461AFE710FBBBC5F8BA166F4311975EC6C',
  pkMapC:
    '78879F57225AA8080D52ED0FC890A4B25336F699AA89A2D3A189654AF70729E623EA5738B26381E4DA19E004706FACE7B235C2DBF2F38748312F3C98C2DD4882A41947B324AA1259AC22579DB93F7085655AF30889DBB845D9E6783FE42C9F2449400306254C8AE8EE9DD812A804C0B66E8CAFC14F84D8258950A91B44126EE6',
  skEphT: '89CCD99B0E8D3B1F11E1296DCA68EC53411CF2CA',
  pkEphT:
    '907D89E2D425A178AA81AF4A7774EC8E388C115CAE67031E85EECE520BD911551B9AE4D04369F29A02626C86FBC6747CC7BC352645B6161A2A42D44EDA80A08FA8D61B76D3A154AD8A5A51786B0BC07147057871A922212C5F67F43173172236B7747D1671E6D692A3C7D40A0C3C5CE397545D015C175EB5130551EDBC2EE5D4',
  pkEphC:
    '075693D9AE941877573E634B6E644F8E60AF17A0076B8B123D9201074D36152BD8B3A213F53820C42ADC79AB5D0AEEC3AEFB91394DA476BD97B9B14D0A65C1FC71A0E019CB08AF55E1F729005FBA7E3FA5DC41899238A250767A6D46DB974064386CD456743585F8E5D90CC8B4004B1F6D866C79CE0584E49687FF61BC29AEA1',
  tT: 'B46DD9BD4D98381F',
  tC: '917F37B5C0E6D8D1',
};

const ga = (...objects: Uint8Array[]): string => hex(dynamicAuthData(...objects));

test('G.2: DH generic mapping sends the published APDUs and accepts the published chip token', async () => {
  const params = { protocolOid: OID['id-PACE-DH-GM-AES-CBC-CMAC-128'], parameterId: 0 };
  const card = scriptedCard([
    '9000',
    `${ga(encodeTlv(0x80, fromHex(G2.z)))}9000`,
    `${ga(encodeTlv(0x82, fromHex(G2.pkMapC)))}9000`,
    `${ga(encodeTlv(0x84, fromHex(G2.pkEphC)))}9000`,
    `${ga(encodeTlv(0x86, fromHex(G2.tC)))}9000`,
  ]);
  await performPace(card.send, MRZ, params, { random: queuedRandom(G2.skMapT, G2.skEphT) });
  const command = (cla: string, data: string) => `${cla}860000${(data.length / 2).toString(16).toUpperCase().padStart(2, '0')}${data}00`;
  assert.equal(card.sent, [
    '0022C1A412800A04007F00070202040102830101840100',
    '10860000027C0000',
    command('10', ga(encodeTlv(0x81, fromHex(G2.pkMapT)))),
    command('10', ga(encodeTlv(0x83, fromHex(G2.pkEphT)))),
    command('00', ga(encodeTlv(0x85, fromHex(G2.tT)))),
  ]);
});

test.run();
