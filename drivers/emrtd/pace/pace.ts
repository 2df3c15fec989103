/**
 * PACE, terminal side (ICAO 9303-11 §4.4), generic mapping over ECDH (IDs 8–18) or DH (IDs 0–2), with
 * 3DES or AES-128/192/256 secure messaging. The four GENERAL AUTHENTICATE steps: encrypted nonce, mapping,
 * key agreement on the mapped generator, mutual authentication tokens.
 */
import type { CommandApdu, ResponseApdu } from '../../apdu.ts';
import { SW_OK } from '../../apdu.ts';
import { StatusWordError, XacminhError } from '../../errors.ts';
import type { SendPlain } from '../bac.ts';
import { bytesEqual, defaultRandom, type RandomSource } from '../crypto/bytes.ts';
import { encodeTlv } from '../tlv.ts';
import type { SecureChannel } from '../secure-channel.ts';
import { createSecureChannel } from '../sm.ts';
import { mapGenerator, standardGroup, withGenerator } from './group.ts';
import {
  authenticationToken,
  dynamicAuthData,
  mseSetAtData,
  openDynamicAuthData,
  passwordKey,
  requireObject,
  resolvePaceSuite,
  sessionKeys,
  type PacePassword,
  type PaceParameters,
} from './protocol.ts';

export type { PacePassword, PaceParameters } from './protocol.ts';
export { PaceChip } from './pace-chip.ts';

export interface PaceOptions {
  random?: RandomSource;
}

function deniedMessage(password: PacePassword): string {
  return password.type === 'CAN' ? 'PACE refused: check the CAN / ID number' : 'PACE refused: check document number, date of birth and expiry';
}

/** 63Cx (x > 0) is a retry-counter warning on MSE:Set AT: the password is still usable. */
function isRetryWarning(sw: number): boolean {
  return (sw & 0xfff0) === 0x63c0 && (sw & 0x0f) > 0;
}

function isWrongPassword(sw: number): boolean {
  return sw === 0x6300 || sw === 0x6982 || (sw & 0xfff0) === 0x63c0;
}

export async function performPace(send: SendPlain, password: PacePassword, params: PaceParameters, options: PaceOptions = {}): Promise<SecureChannel> {
  const random = options.random ?? defaultRandom;
  const suite = resolvePaceSuite(params);
  const kPi = passwordKey(password, suite);
  const denied = deniedMessage(password);

  const mse = await send({ cla: 0x00, ins: 0x22, p1: 0xc1, p2: 0xa4, data: mseSetAtData(suite, password, params.parameterId) });
  if (mse.sw !== SW_OK && !isRetryWarning(mse.sw)) {
    if (mse.sw === 0x63c0) throw new StatusWordError('ACCESS_DENIED', mse.sw, 'PACE password is blocked');
    throw new StatusWordError('CARD_ERROR', mse.sw, 'MSE:Set AT for PACE refused');
  }

  const generalAuthenticate = async (last: boolean, ...objects: Uint8Array[]): Promise<Map<number, Uint8Array>> => {
    const command: CommandApdu = { cla: last ? 0x00 : 0x10, ins: 0x86, p1: 0x00, p2: 0x00, data: dynamicAuthData(...objects), ne: 256 };
    const response: ResponseApdu = await send(command);
    if (isWrongPassword(response.sw)) throw new StatusWordError('ACCESS_DENIED', response.sw, denied);
    if (response.sw !== SW_OK) throw new StatusWordError('CARD_ERROR', response.sw, 'GENERAL AUTHENTICATE (PACE) failed');
    return openDynamicAuthData(response.data);
  };

  // 1. Encrypted nonce.
  const z = requireObject(await generalAuthenticate(false), 0x80);
  if (z.length === 0 || z.length % suite.suite.blockSize !== 0) throw new XacminhError('MALFORMED_DATA', `PACE nonce of ${z.length} bytes`);
  const s = suite.suite.decryptZeroIv(kPi, z);

  // 2. Mapping: H = sk·PK_IC, G~ = s·G + H.
  const group = standardGroup(suite.domain);
  const mapKey = group.randomScalar(random);
  const mapPublic = group.multiply(group.generator, mapKey);
  const chipMap = await generalAuthenticate(false, encodeTlv(0x81, group.encode(mapPublic)));
  const chipMapPublic = group.decode(requireObject(chipMap, 0x82));
  if (group.equals(chipMapPublic, mapPublic)) throw new XacminhError('MALFORMED_DATA', 'PACE: the chip echoed our mapping key');
  const mapped = withGenerator(suite.domain, mapGenerator(suite.domain, s, group.multiply(chipMapPublic, mapKey)));

  // 3. Key agreement on the mapped generator.
  const ephemeralKey = mapped.randomScalar(random);
  const ephemeralPublic = group.encode(mapped.multiply(mapped.generator, ephemeralKey));
  const chipEphemeral = await generalAuthenticate(false, encodeTlv(0x83, ephemeralPublic));
  const chipPublicBytes = requireObject(chipEphemeral, 0x84);
  const chipPublic = mapped.decode(chipPublicBytes);
  if (bytesEqual(mapped.encode(chipPublic), ephemeralPublic)) throw new XacminhError('MALFORMED_DATA', 'PACE: the chip echoed our ephemeral key');
  const keys = sessionKeys(mapped.secret(mapped.multiply(chipPublic, ephemeralKey)), suite);

  // 4. Mutual authentication: each side MACs the other's ephemeral public key.
  const ourToken = authenticationToken(suite, keys.kMac, group.publicValueTag, mapped.encode(chipPublic));
  const final = await generalAuthenticate(true, encodeTlv(0x85, ourToken));
  const chipToken = requireObject(final, 0x86);
  const expected = authenticationToken(suite, keys.kMac, group.publicValueTag, ephemeralPublic);
  if (!bytesEqual(chipToken, expected)) throw new XacminhError('ACCESS_DENIED', `${denied} (the chip's authentication token does not verify)`);
  return createSecureChannel(keys);
}
