/**
 * Chip Authentication, terminal side (ICAO 9303-11 §6.2, BSI TR-03110 CA version 1). The terminal sends an
 * ephemeral public key on the domain parameters of the chip's static key from DG14; both sides derive
 * new session keys from the shared secret and restart secure messaging with SSC = 0. Only a chip holding
 * the private key (which the SOD vouches for through DG14) can follow, so the proof is the next protected
 * command: its MAC must verify under the new keys.
 *
 * Commands: 3DES — MSE:Set KAT (00 22 41 A6, DO'91' key, DO'84' key id); AES — MSE:Set AT (00 22 41 A4,
 * DO'80' OID, DO'84' key id) then GENERAL AUTHENTICATE (00 86 00 00, 7C { 80 key }) answered 7C {}.
 */
import { SW_OK, type CommandApdu } from '../../apdu.ts';
import { XacminhError, formatSw, isXacminhError } from '../../errors.ts';
import { concat, defaultRandom, type RandomSource } from '../crypto/bytes.ts';
import { deriveKey, KDF_ENC, KDF_MAC, type KeyLength } from '../crypto/kdf.ts';
import type { CardSession } from '../card-session.ts';
import type { SecurityInfo } from '../lds/security-infos.ts';
import { OID, oidToBytes } from '../oids.ts';
import type { SessionKeys, SmCipher } from '../secure-channel.ts';
import { createSecureChannel } from '../sm.ts';
import { encodeTlv, readTlvList } from '../tlv.ts';
import { readCaPublicKey } from './ca-key.ts';

export interface ChipAuthResult {
  ok: boolean;
  protocolOid: string;
  keyId?: number;
  reason?: string;
}

export interface CaSuite {
  agreement: 'DH' | 'ECDH';
  cipher: SmCipher;
  keyLength: KeyLength;
}

const CIPHERS: Record<string, Pick<CaSuite, 'cipher' | 'keyLength'>> = {
  '1': { cipher: '3DES', keyLength: 16 },
  '2': { cipher: 'AES', keyLength: 16 },
  '3': { cipher: 'AES', keyLength: 24 },
  '4': { cipher: 'AES', keyLength: 32 },
};

/** id-CA-{DH,ECDH}-{3DES-CBC-CBC, AES-CBC-CMAC-128/192/256}; undefined for anything else. */
export function describeCaOid(oid: string): CaSuite | undefined {
  const prefix = OID['id-CA-DH'].replace(/\.1$/, ''); // id-CA: id-CA-DH is id-CA.1, id-CA-ECDH is id-CA.2
  if (!oid.startsWith(`${prefix}.`)) return undefined;
  const [agreement, cipher, ...rest] = oid.slice(prefix.length + 1).split('.');
  const c = CIPHERS[cipher ?? ''];
  if (rest.length > 0 || !c || (agreement !== '1' && agreement !== '2')) return undefined;
  return { agreement: agreement === '1' ? 'DH' : 'ECDH', ...c };
}

export interface ChipAuthOffer {
  protocolOid: string;
  suite: CaSuite;
  publicKeyInfo: Uint8Array;
  keyId?: number;
}

/**
 * Picks the key and protocol to use from DG14's SecurityInfos: a CA public key, and the
 * ChipAuthenticationInfo that names the same key (by key id when there are several), preferring AES.
 * Without a ChipAuthenticationInfo 9303-11 says to assume 3DES. Undefined when DG14 offers no CA key.
 */
export function chooseChipAuthentication(infos: readonly SecurityInfo[]): ChipAuthOffer | undefined {
  const keys = infos.flatMap((i) => (i.type === 'ChipAuthenticationPublicKeyInfo' ? [i] : []));
  const protocols = infos.flatMap((i) => {
    const suite = i.type === 'ChipAuthenticationInfo' ? describeCaOid(i.oid) : undefined;
    return suite && i.type === 'ChipAuthenticationInfo' ? [{ info: i, suite }] : [];
  });
  const rank = (s: CaSuite) => (s.cipher === 'AES' ? s.keyLength : 0);
  let best: ChipAuthOffer | undefined;
  for (const key of keys) {
    const agreement = key.oid === OID['id-PK-DH'] ? 'DH' : key.oid === OID['id-PK-ECDH'] ? 'ECDH' : undefined;
    if (!agreement) continue;
    const matching = protocols.filter((p) => p.suite.agreement === agreement && (p.info.keyId === undefined || key.keyId === undefined || p.info.keyId === key.keyId));
    const candidates = matching.length > 0 ? matching : keys.length === 1 && protocols.length === 0 ? [{ info: undefined, suite: { agreement, cipher: '3DES', keyLength: 16 } as CaSuite }] : [];
    for (const c of candidates) {
      const protocolOid = c.info?.oid ?? OID[agreement === 'DH' ? 'id-CA-DH-3DES-CBC-CBC' : 'id-CA-ECDH-3DES-CBC-CBC'];
      const keyId = key.keyId ?? c.info?.keyId;
      const offer: ChipAuthOffer = { protocolOid, suite: c.suite, publicKeyInfo: key.publicKey, ...(keyId !== undefined ? { keyId } : {}) };
      if (!best || rank(offer.suite) > rank(best.suite)) best = offer;
    }
  }
  return best;
}

/** Key reference as the minimal big-endian bytes (DO'84'). */
export function keyIdBytes(keyId: number): Uint8Array {
  const out: number[] = [];
  for (let v = keyId; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return Uint8Array.from(out.length ? out : [0]);
}

/** KSenc / KSmac by the 9303 KDF; the new channel starts its counter at zero. */
export function caSessionKeys(sharedSecret: Uint8Array, suite: CaSuite): SessionKeys {
  return {
    cipher: suite.cipher,
    kEnc: deriveKey(sharedSecret, suite.cipher, suite.keyLength, KDF_ENC),
    kMac: deriveKey(sharedSecret, suite.cipher, suite.keyLength, KDF_MAC),
    ssc: new Uint8Array(suite.cipher === 'AES' ? 16 : 8),
  };
}

/** SELECT EF.COM without an answer body: a protected command every eMRTD application accepts. */
const PROOF_COMMAND: CommandApdu = { cla: 0x00, ins: 0xa4, p1: 0x02, p2: 0x0c, data: Uint8Array.of(0x01, 0x1e) };

export interface ChipAuthOptions {
  random?: RandomSource;
  /** The protected command that proves the new keys (default SELECT EF.COM). */
  proofCommand?: CommandApdu;
}

/**
 * Runs CA with the key DG14 offers. Needs an open secure channel (BAC/PACE) and the eMRTD application
 * selected. On success the new channel is installed in the session. On failure the chip has dropped
 * secure messaging: the caller must run access control again before reading anything else.
 * Throws UNSUPPORTED when DG14 offers no usable CA key, MALFORMED_DATA for a broken key.
 */
export async function performChipAuthentication(session: CardSession, dg14: readonly SecurityInfo[], options: ChipAuthOptions = {}): Promise<ChipAuthResult> {
  const offer = chooseChipAuthentication(dg14);
  if (!offer) throw new XacminhError('UNSUPPORTED', 'DG14 offers no Chip Authentication key with a protocol we implement');
  const chipKey = readCaPublicKey(offer.publicKeyInfo);
  const expected = offer.suite.agreement === 'DH' ? 'DH' : 'EC';
  if (chipKey.kind !== expected) throw new XacminhError('MALFORMED_DATA', `DG14 names ${offer.suite.agreement} but the key is ${chipKey.kind}`);
  const { group } = chipKey;
  const base: Omit<ChipAuthResult, 'ok'> = { protocolOid: offer.protocolOid, ...(offer.keyId !== undefined ? { keyId: offer.keyId } : {}) };
  const fail = (reason: string): ChipAuthResult => ({ ok: false, ...base, reason });

  const ephemeralKey = group.randomScalar(options.random ?? defaultRandom);
  const ephemeralPublic = group.encode(group.multiply(group.generator, ephemeralKey));
  const keyRef = offer.keyId !== undefined ? encodeTlv(0x84, keyIdBytes(offer.keyId)) : new Uint8Array(0);

  if (offer.suite.cipher === '3DES') {
    const kat = await session.send({ cla: 0x00, ins: 0x22, p1: 0x41, p2: 0xa6, data: concat(encodeTlv(0x91, ephemeralPublic), keyRef) });
    if (kat.sw !== SW_OK) return fail(`The chip refused MSE:Set KAT for Chip Authentication (SW ${formatSw(kat.sw)})`);
  } else {
    const at = await session.send({ cla: 0x00, ins: 0x22, p1: 0x41, p2: 0xa4, data: concat(encodeTlv(0x80, oidToBytes(offer.protocolOid)), keyRef) });
    if (at.sw !== SW_OK) return fail(`The chip refused MSE:Set AT for Chip Authentication (SW ${formatSw(at.sw)})`);
    const ga = await session.send({ cla: 0x00, ins: 0x86, p1: 0x00, p2: 0x00, data: encodeTlv(0x7c, encodeTlv(0x80, ephemeralPublic)), ne: 256 });
    if (ga.sw !== SW_OK) return fail(`The chip refused GENERAL AUTHENTICATE for Chip Authentication (SW ${formatSw(ga.sw)})`);
    checkEmptyDynamicAuthData(ga.data);
  }

  // Both sides now switch keys: the chip's answer above was still protected by the old ones.
  const keys = caSessionKeys(group.secret(group.multiply(chipKey.publicKey, ephemeralKey)), offer.suite);
  session.installSecureChannel(createSecureChannel(keys));
  try {
    const proof = await session.send(options.proofCommand ?? PROOF_COMMAND);
    if (proof.sw === SW_OK) return { ok: true, ...base };
    // 6988: the chip could not verify our MAC under the keys it derived, so it derived other keys.
    return fail(`The chip does not share the Chip Authentication keys (SW ${formatSw(proof.sw)} to the first protected command): clone suspected`);
  } catch (error) {
    if (isXacminhError(error, 'SM_INVALID_MAC') || isXacminhError(error, 'SM_MALFORMED')) {
      return fail(`The chip's answer does not verify under the Chip Authentication keys (${error.message}): clone suspected`);
    }
    throw error;
  }
}

/** The GENERAL AUTHENTICATE answer is 7C with no objects inside (some chips answer no data at all). */
function checkEmptyDynamicAuthData(data: Uint8Array): void {
  if (data.length === 0) return;
  const list = readTlvList(data);
  if (list.length !== 1 || list[0]!.tag !== 0x7c) throw new XacminhError('MALFORMED_DATA', 'GENERAL AUTHENTICATE (CA) answer is not a 7C object');
}
