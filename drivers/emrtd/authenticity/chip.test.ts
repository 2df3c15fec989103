import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKeyPairSync } from 'node:crypto';
import { InProcessTransport } from '../../sim/in-process-transport.ts';
import { makeVirtualCccd, type CardKeyOptions } from '../../sim/make-card.ts';
import { generateCardKeys } from '../../sim/card-files.ts';
import { generateTestPki } from '../../sim/test-pki.ts';
import { mulberry32 } from '../../prng.ts';
import { fuzzSeed, mutateBytes } from '../../mutate.ts';
import type { VirtualCardBehaviour } from '../../sim/virtual-cccd.ts';
import type { ApduTransport } from '../../apdu.ts';
import { isXacminhError, XacminhError } from '../../errors.ts';
import { CardSession } from '../card-session.ts';
import { concat } from '../crypto/bytes.ts';
import type { SecurityInfo } from '../lds/security-infos.ts';
import { OID, oidToBytes } from '../oids.ts';
import { encodeTlv } from '../tlv.ts';
import { caKeyPairFromKeyObject, generateDhCaKeyPair, readCaPublicKey } from './ca-key.ts';
import { ChipAuthenticationChip, chipAuthenticationInfos } from './chip-auth-chip.ts';
import { chooseChipAuthentication, describeCaOid, performChipAuthentication } from './chip.ts';
import { ecCurveConstants } from '../pace/domain-parameters.ts';
import { explicitEcSpki, openChipSession, readName, SECP256K1 } from './test-chip-session.ts';
import { assertRejectsCode } from '../../test-assert.ts';

const pki = await generateTestPki();

async function runCa(options: { behaviour?: VirtualCardBehaviour } & CardKeyOptions = {}) {
  const sim = await makeVirtualCccd({ seed: 31, pki, ...options });
  const { session, dg14 } = await openChipSession(new InProcessTransport(sim.card), sim.persona.idNumber);
  const before = session.secureChannel;
  const result = await performChipAuthentication(session, dg14);
  return { sim, session, result, before };
}

test('genuine card: CA with ECDH AES-128 (as the CCCD advertises), then DG1 reads under the new keys', async () => {
  const { sim, session, result, before } = await runCa();
  assert.equal(result, { ok: true, protocolOid: OID['id-CA-ECDH-AES-CBC-CMAC-128'] });
  assert.is.not(session.secureChannel, before, 'a new channel is installed');
  assert.is(session.secureChannel!.cipher, 'AES');
  assert.equal(await readName(session, 'DG1'), sim.built.files.get('DG1'));
});

test('genuine card: CA with ECDH 3DES (MSE:Set KAT), new 3DES channel with SSC 0', async () => {
  const { sim, session, result } = await runCa({ chipAuthenticationProtocol: OID['id-CA-ECDH-3DES-CBC-CBC'] });
  assert.ok(result.ok, result.reason);
  assert.is(session.secureChannel!.cipher, '3DES');
  assert.equal(await readName(session, 'DG13'), sim.built.files.get('DG13'));
});

test('genuine card: P-256 key, AES-256, key id 7 sent and matched', async () => {
  const keys = { ...generateCardKeys(), chipAuthentication: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) };
  const { sim, session, result } = await runCa({ keys, chipAuthenticationProtocol: OID['id-CA-ECDH-AES-CBC-CMAC-256'], chipAuthenticationKeyId: 7 });
  assert.equal(result, { ok: true, protocolOid: OID['id-CA-ECDH-AES-CBC-CMAC-256'], keyId: 7 });
  assert.equal(await readName(session, 'DG1'), sim.built.files.get('DG1'));
});

test('genuine card: DH (RFC 5114 2048/256 group) with AES-128', async () => {
  const { sim, session, result } = await runCa({ chipAuthenticationKey: generateDhCaKeyPair(2), chipAuthenticationProtocol: OID['id-CA-DH-AES-CBC-CMAC-128'] });
  assert.ok(result.ok, result.reason);
  assert.equal(await readName(session, 'DG1'), sim.built.files.get('DG1'));
});

test('explicit-parameter CA keys: brainpoolP256r1 spelled out (table curve) and secp256k1 (arithmetic from the key)', async () => {
  const cases = [
    { curve: 'brainpoolP256r1', constants: ecCurveConstants(13)!.constants, id: 13 },
    { curve: 'secp256k1', constants: SECP256K1, id: -1 },
  ];
  for (const c of cases) {
    const pair = caKeyPairFromKeyObject(generateKeyPairSync('ec', { namedCurve: c.curve }).privateKey);
    const spki = explicitEcSpki(c.constants, pair.spki.subarray(pair.spki.length - 65));
    assert.is(readCaPublicKey(spki).domain.id, c.id, c.curve);
    const { sim, session, result } = await runCa({ chipAuthenticationKey: { spki, privateScalar: pair.privateScalar } });
    assert.ok(result.ok, `${c.curve}: ${result.reason}`);
    assert.equal(await readName(session, 'DG1'), sim.built.files.get('DG1'));
  }
});

test('clone answering with keys from another private key: CA fails, clone suspected', async () => {
  for (const protocol of [OID['id-CA-ECDH-AES-CBC-CMAC-128'], OID['id-CA-ECDH-3DES-CBC-CBC']]) {
    const { result } = await runCa({ behaviour: { chipAuthentication: 'wrong-key' }, chipAuthenticationProtocol: protocol });
    assert.is(result.ok, false, protocol);
    assert.match(result.reason!, /clone suspected/);
  }
});

test('chip without CA: refused with the status word as the reason', async () => {
  const { result } = await runCa({ behaviour: { chipAuthentication: 'absent' } });
  assert.is(result.ok, false);
  assert.match(result.reason!, /refused MSE:Set AT .*6A80/);
});

test('CA before access control: the chip refuses (6982), never a new channel', async () => {
  const sim = await makeVirtualCccd({ seed: 31, pki });
  const { dg14 } = await openChipSession(new InProcessTransport(sim.card), sim.persona.idNumber);
  const plain = new CardSession(new InProcessTransport(sim.card));
  const result = await performChipAuthentication(plain, dg14);
  assert.is(result.ok, false);
  assert.match(result.reason!, /6982/);
});

test('choosing from DG14: AES preferred, key ids matched, 3DES assumed without ChipAuthenticationInfo', () => {
  const a = caKeyPairFromKeyObject(generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }).privateKey);
  const b = generateDhCaKeyPair(0);
  const infos: SecurityInfo[] = [
    ...chipAuthenticationInfos(a, OID['id-CA-ECDH-3DES-CBC-CBC'], 1),
    ...chipAuthenticationInfos(b, OID['id-CA-DH-AES-CBC-CMAC-192'], 2),
  ];
  assert.equal(chooseChipAuthentication(infos), { protocolOid: OID['id-CA-DH-AES-CBC-CMAC-192'], suite: { agreement: 'DH', cipher: 'AES', keyLength: 24 }, publicKeyInfo: b.spki, keyId: 2 });
  const keyOnly = infos.filter((i) => i.type === 'ChipAuthenticationPublicKeyInfo' && i.keyId === 1);
  assert.is(chooseChipAuthentication(keyOnly)!.protocolOid, OID['id-CA-ECDH-3DES-CBC-CBC']);
  assert.is(chooseChipAuthentication([]), undefined);
  assert.equal(describeCaOid(OID['id-CA-ECDH-AES-CBC-CMAC-128']), { agreement: 'ECDH', cipher: 'AES', keyLength: 16 });
  assert.is(describeCaOid(OID['id-PACE-ECDH-GM-AES-CBC-CMAC-128']), undefined);
  assert.is(describeCaOid(`${OID['id-CA-ECDH']}.5`), undefined);
});

test('DG14 without a CA key: UNSUPPORTED; broken or odd keys: typed errors', async () => {
  const session = new CardSession({ transmit: async () => Uint8Array.of(0x90, 0x00) });
  await assertRejectsCode(() => performChipAuthentication(session, []), 'UNSUPPORTED');
  const broken: SecurityInfo[] = [{ type: 'ChipAuthenticationPublicKeyInfo', oid: OID['id-PK-ECDH'], publicKey: Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00) }];
  await assertRejectsCode(() => performChipAuthentication(session, broken), 'MALFORMED_DATA');
  const rsa = new Uint8Array(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }));
  assert.throws(() => readCaPublicKey(rsa), (e: unknown) => isXacminhError(e, 'UNSUPPORTED'));
  const secp256k1 = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'der' }));
  assert.throws(() => readCaPublicKey(secp256k1), (e: unknown) => isXacminhError(e, 'UNSUPPORTED'));
});


/** A card that answers every command with the next canned response. */
function scripted(...responses: Uint8Array[]): ApduTransport {
  return { transmit: async () => responses.shift() ?? Uint8Array.of(0x6f, 0x00) };
}

test('malformed GENERAL AUTHENTICATE answer: MALFORMED_DATA', async () => {
  const pair = caKeyPairFromKeyObject(generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }).privateKey);
  const infos = chipAuthenticationInfos(pair, OID['id-CA-ECDH-AES-CBC-CMAC-128']);
  const session = new CardSession(scripted(Uint8Array.of(0x90, 0x00), Uint8Array.of(0x80, 0x01, 0x00, 0x90, 0x00)));
  await assertRejectsCode(() => performChipAuthentication(session, infos), 'MALFORMED_DATA');
});

test('chip side: an off-curve, identity or echoed terminal key answers 6A80 and sets up nothing', () => {
  const pair = caKeyPairFromKeyObject(generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }).privateKey);
  const chip = new ChipAuthenticationChip({ key: pair, protocolOid: OID['id-CA-ECDH-3DES-CBC-CBC'] });
  const publicPoint = readCaPublicKey(pair.spki).group.encode(readCaPublicKey(pair.spki).publicKey);
  const offCurve = publicPoint.slice();
  offCurve[40]! ^= 1;
  for (const point of [offCurve, new Uint8Array(65), publicPoint, Uint8Array.of(0x04)]) {
    const { response, channel } = chip.handle({ cla: 0, ins: 0x22, p1: 0x41, p2: 0xa6, data: concat(Uint8Array.of(0x91, point.length), point) });
    assert.is(response.sw, 0x6a80);
    assert.is(channel, undefined);
  }
});

test('fuzz: 10,000 mutated CA keys, DG14 infos and chip commands — typed errors or status words, never a crash', () => {
  const seed = fuzzSeed();
  const random = mulberry32(seed);
  const pairs = [
    caKeyPairFromKeyObject(generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }).privateKey),
    caKeyPairFromKeyObject(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey),
    generateDhCaKeyPair(0),
  ];
  const k1 = caKeyPairFromKeyObject(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey);
  pairs.push({ spki: explicitEcSpki(SECP256K1, k1.spki.subarray(k1.spki.length - 65)), privateScalar: k1.privateScalar });
  const chip = new ChipAuthenticationChip({ key: pairs[0]!, protocolOid: OID['id-CA-ECDH-AES-CBC-CMAC-128'] });
  const terminal = readCaPublicKey(pairs[1]!.spki);
  const ephemeral = readCaPublicKey(pairs[0]!.spki).group.encode(readCaPublicKey(pairs[0]!.spki).group.multiply(readCaPublicKey(pairs[0]!.spki).group.generator, 12345n));
  const mseData = encodeTlv(0x80, oidToBytes(OID['id-CA-ECDH-AES-CBC-CMAC-128']));
  const mseCommand = concat(Uint8Array.of(0x00, 0x22, 0x41, 0xa4), mseData);
  const gaCommand = concat(Uint8Array.of(0x00, 0x86, 0x00, 0x00), encodeTlv(0x7c, encodeTlv(0x80, ephemeral)));
  assert.is(terminal.kind, 'EC');
  let keysRefused = 0;
  let channels = 0;
  for (let i = 0; i < 10_000; i++) {
    // A mutated SPKI may still be a well-formed key (another DH value, say): only an untyped error is a bug here.
    const spki = mutateBytes(pairs[i % pairs.length]!.spki, random, { truncate: 0.2, maxChanges: 4 });
    try {
      readCaPublicKey(spki);
      chooseChipAuthentication([{ type: 'ChipAuthenticationPublicKeyInfo', oid: OID['id-PK-ECDH'], publicKey: spki }]);
    } catch (error) {
      if (!(error instanceof XacminhError)) throw new Error(`seed ${seed} input ${i}: ${String(error)}`);
      keysRefused++;
    }
    // Chip side: a mutated MSE:Set AT, or a valid one followed by a mutated GENERAL AUTHENTICATE.
    const isGa = i % 2 === 1;
    if (isGa) assert.is(chip.handle({ cla: 0, ins: 0x22, p1: 0x41, p2: 0xa4, data: mseData }).response.sw, 0x9000);
    // Byte 0 (CLA) stays: the card checks it before the CA handler, which never reads it. Every other byte
    // is the handler's, so every mutant differs where it looks.
    const command = mutateBytes(isGa ? gaCommand : mseCommand, random, { from: 1, truncate: 0.2, maxChanges: 4 });
    if (command.length < 4) continue;
    try {
      const { response, channel } = chip.handle({ cla: command[0]!, ins: command[1]!, p1: command[2]!, p2: command[3]!, data: command.subarray(4) });
      if (channel) channels++;
      assert.ok([0x9000, 0x6a80, 0x6a86, 0x6985].includes(response.sw), `seed ${seed} chip input ${i}: SW ${response.sw.toString(16)}`);
    } catch (error) {
      throw new Error(`seed ${seed} chip input ${i}: ${String(error)}`);
    }
  }
  // A channel needs the genuine GENERAL AUTHENTICATE (a mutated point is off the curve, a mutated header or TLV
  // is refused), so no mutant may open one.
  assert.is(channels, 0, `seed ${seed}: ${channels} mutated commands opened a secure channel`);
  assert.ok(keysRefused > 0, `seed ${seed}: no mutated key was refused: the mutations do not reach the parser`);
});

test.run();
