import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDiffieHellman, createECDH, randomBytes } from 'node:crypto';
import { decodeCommand, decodeResponse, encodeCommand, encodeResponse, type CommandApdu, type ResponseApdu } from '../../apdu.ts';
import { XacminhError, isXacminhError } from '../../errors.ts';
import { bigintFromBytes, fromHex, hex } from '../crypto/bytes.ts';
import { OID } from '../oids.ts';
import type { ChipSecureChannel } from '../secure-channel.ts';
import { DH_PARAMETER_IDS, EC_PARAMETER_IDS, ecCurveConstants, getDomainParameters } from './domain-parameters.ts';
import { standardGroup } from './group.ts';
import { PaceChip, performPace, type PacePassword, type PaceParameters } from './pace.ts';
import { queuedRandom } from './test-support.ts';
import { ensureDiffers, fuzzSeed, mutateBytes } from '../../mutate.ts';
import { mulberry32 } from '../../prng.ts';

const CAN: PacePassword = { type: 'CAN', can: '654321' };

function connect(chip: PaceChip) {
  let channel: ChipSecureChannel | undefined;
  const send = (command: CommandApdu): Promise<ResponseApdu> => {
    // Through the byte encoding, as a reader would carry it.
    const out = chip.handle(decodeCommand(encodeCommand(command)));
    channel = out.channel ?? channel;
    return Promise.resolve(decodeResponse(encodeResponse(out.response)));
  };
  return { send, channel: () => channel };
}

async function roundTrip(params: PaceParameters, password: PacePassword = CAN): Promise<void> {
  const chip = new PaceChip(password, params);
  const link = connect(chip);
  const terminal = await performPace(link.send, password, params);
  const chipChannel = link.channel();
  assert.ok(chipChannel, 'chip installed a channel');
  const read = { cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 300 };
  assert.equal(chipChannel.unwrapCommand(terminal.wrap(read)), read);
  const answer = { data: new Uint8Array(randomBytes(300)), sw: 0x9000 };
  assert.equal(terminal.unwrap(chipChannel.wrapResponse(answer)), answer);
}

const EC_SUITES = ['id-PACE-ECDH-GM-AES-CBC-CMAC-128', 'id-PACE-ECDH-GM-AES-CBC-CMAC-192', 'id-PACE-ECDH-GM-AES-CBC-CMAC-256', 'id-PACE-ECDH-GM-3DES-CBC-CBC'] as const;

for (const id of EC_PARAMETER_IDS) {
  test(`PACE-CAN ECDH-GM round trip on parameter ID ${id} (${getDomainParameters(id).name}), every cipher`, async () => {
    for (const name of EC_SUITES) await roundTrip({ protocolOid: OID[name], parameterId: id });
  });
}

for (const id of DH_PARAMETER_IDS) {
  test(`PACE DH-GM round trip on parameter ID ${id}`, async () => {
    await roundTrip({ protocolOid: OID['id-PACE-DH-GM-AES-CBC-CMAC-128'], parameterId: id });
    await roundTrip({ protocolOid: OID['id-PACE-DH-GM-3DES-CBC-CBC'], parameterId: id }, { type: 'MRZ', mrz: { documentNumber: 'C01X00T47', dateOfBirth: '900101', dateOfExpiry: '300101' } });
  });
}

test('wrong CAN against the chip: ACCESS_DENIED with the operator message', async () => {
  const params = { protocolOid: OID['id-PACE-ECDH-GM-AES-CBC-CMAC-128'], parameterId: 13 };
  const chip = new PaceChip({ type: 'CAN', can: '111111' }, params);
  const error = await performPace(connect(chip).send, CAN, params).catch((e: unknown) => e);
  assert.ok(isXacminhError(error, 'ACCESS_DENIED'), String(error));
  assert.match((error as XacminhError).message, 'PACE refused: check the CAN / ID number');
});

test('unsupported mappings, mismatched parameters and reserved IDs are UNSUPPORTED; a bad CAN is INVALID_INPUT', async () => {
  const never = () => Promise.reject(new Error('must not send'));
  for (const params of [
    { protocolOid: OID['id-PACE-ECDH-IM-AES-CBC-CMAC-128'], parameterId: 13 },
    { protocolOid: OID['id-PACE-ECDH-GM-AES-CBC-CMAC-128'], parameterId: 0 },
    { protocolOid: OID['id-PACE-DH-GM-AES-CBC-CMAC-128'], parameterId: 13 },
    { protocolOid: OID['id-PACE-ECDH-GM-AES-CBC-CMAC-128'], parameterId: 5 },
    { protocolOid: OID['id-CA-ECDH-AES-CBC-CMAC-128'], parameterId: 13 },
  ]) {
    const error = await performPace(never, CAN, params).catch((e: unknown) => e);
    assert.ok(isXacminhError(error, 'UNSUPPORTED'), `${params.protocolOid}/${params.parameterId}: ${String(error)}`);
  }
  const bad = await performPace(never, { type: 'CAN', can: '12a' }, { protocolOid: OID['id-PACE-ECDH-GM-AES-CBC-CMAC-128'], parameterId: 13 }).catch((e: unknown) => e);
  assert.ok(isXacminhError(bad, 'INVALID_INPUT'));
});

test('curve constants agree with node:crypto (public key from the same private key)', () => {
  for (const id of EC_PARAMETER_IDS) {
    const { nodeName } = ecCurveConstants(id)!;
    const ecdh = createECDH(nodeName);
    ecdh.generateKeys();
    const group = standardGroup(getDomainParameters(id));
    const ours = group.encode(group.multiply(group.generator, bigintFromBytes(ecdh.getPrivateKey())));
    assert.is(hex(ours), hex(ecdh.getPublicKey()), `ID ${id} (${nodeName})`);
  }
});

test('DH groups: q divides p-1, g has order q, and exponentiation agrees with node:crypto', () => {
  for (const id of DH_PARAMETER_IDS) {
    const d = getDomainParameters(id);
    if (d.kind !== 'DH') throw new Error('expected DH');
    assert.is((d.p - 1n) % d.q, 0n);
    const group = standardGroup(d);
    const dh = createDiffieHellman(Buffer.from(d.p.toString(16).padStart(d.size * 2, '0'), 'hex'), Buffer.from(d.g.toString(16), 'hex'));
    dh.generateKeys();
    const x = bigintFromBytes(dh.getPrivateKey());
    assert.is(hex(group.encode(group.multiply(group.generator, x))), hex(dh.getPublicKey()).padStart(d.size * 2, '0'), `ID ${id}`);
    assert.throws(() => group.decode(fromHex('02')), (e: unknown) => isXacminhError(e, 'MALFORMED_DATA'));
  }
});

test('fuzz: 2,000 random and mutated chip answers at every PACE step raise only XacminhError', async () => {
  const params = { protocolOid: OID['id-PACE-ECDH-GM-AES-CBC-CMAC-128'], parameterId: 13 };
  // Record a genuine exchange with fixed keys, then corrupt one answer per run.
  const fixed = ['3F00C4D39D153F2B2A214A078D899B22', '498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560', '107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A'];
  const terminalKeys = ['7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99', 'A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595'];
  const chip = new PaceChip(CAN, params, { random: queuedRandom(...fixed) });
  const recorded: Uint8Array[] = [];
  await performPace(
    (c) => {
      const r = encodeResponse(chip.handle(decodeCommand(encodeCommand(c))).response);
      recorded.push(r);
      return Promise.resolve(decodeResponse(r));
    },
    CAN,
    params,
    { random: queuedRandom(...terminalKeys) },
  );
  assert.is(recorded.length, 5);
  const seed = fuzzSeed();
  const random = mulberry32(seed);
  const int = (n: number) => Math.floor(random() * n);
  let channels = 0;
  // 2,000 full runs here (each costs several scalar multiplications); bac.test.ts and sm.test.ts carry the 10,000-run fuzzes.
  for (let i = 0; i < 2_000; i++) {
    const step = 1 + (i % 4);
    const answers: Uint8Array[] = recorded.map((r) => r.slice());
    const original = answers[step]!;
    // Random bytes for one run in four, at every step in turn (i / 4: i % 4 picks the step).
    const raw = Math.floor(i / 4) % 4 === 3 ? ensureDiffers(original, Uint8Array.from({ length: 2 + int(80) }, () => int(256)), random) : mutateBytes(original, random);
    answers[step] = raw;
    const send = (): Promise<ResponseApdu> => Promise.resolve(decodeResponse(answers.shift()!));
    try {
      await performPace(send, CAN, params, { random: queuedRandom(...terminalKeys) });
      channels++;
    } catch (error) {
      if (!(error instanceof XacminhError)) throw new Error(`seed ${seed} step ${step}: untyped error for ${hex(raw)}: ${String(error)}`);
    }
  }
  // Every answer feeds the keys or the tokens (the outer SW must be 9000): no changed answer may end in a channel.
  assert.is(channels, 0, `seed ${seed}: ${channels} mutated chip answers opened a PACE channel`);
});

test.run();
