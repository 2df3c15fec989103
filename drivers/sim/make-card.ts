/**
 * One call to get a ready virtual CCCD: persona, photo, test PKI, files, chip. The demo and the CLI use a
 * drawn portrait; tests pass a real test image.
 */
import type { AaSignOptions } from '../emrtd/authenticity/active-chip.ts';
import type { CaKeyPair } from '../emrtd/authenticity/ca-key.ts';
import { buildCardFiles, generateCardKeys, type CardFileOptions, type CardFiles, type CardKeys } from './card-files.ts';
import { generatePersona, toYymmdd, type Persona } from './persona.ts';
import { drawnPortrait } from './portrait.ts';
import { generateTestPki, type TestPki } from './test-pki.ts';
import { VirtualCccd, type VirtualCardBehaviour } from './virtual-cccd.ts';

export interface SimulatedCccd {
  card: VirtualCccd;
  persona: Persona;
  photo: Uint8Array;
  built: CardFiles;
  pki: TestPki;
  /** The CSCA the simulated issuing country publishes: what a terminal's trust store holds for this card. */
  publishedCsca: Uint8Array;
}

/** The demo card's seed: README and `--sim` use it, so its ID number is stable. */
export const DEMO_SEED = 20260101;

/** Key and protocol variations for authenticity tests; the default is the CCCD profile (RSA AA, ECDH AES-128 CA). */
export interface CardKeyOptions {
  keys?: CardKeys;
  /** A CA key pair that replaces keys.chipAuthentication in DG14 and on the chip (e.g. DH). */
  chipAuthenticationKey?: CaKeyPair;
  chipAuthenticationProtocol?: string;
  chipAuthenticationKeyId?: number;
  activeAuthenticationSign?: AaSignOptions;
  activeAuthenticationSignatureAlgorithm?: string;
  withoutActiveAuthentication?: boolean;
  withoutChipAuthentication?: boolean;
  alterAfterSigning?: CardFileOptions['alterAfterSigning'];
  /** Default: the card's own CSCA; another one makes a card signed by a CSCA nobody trusts. */
  publishedCsca?: Uint8Array;
}

export async function makeVirtualCccd(
  options: { seed?: number; photo?: Uint8Array; pki?: TestPki; behaviour?: VirtualCardBehaviour; persona?: Partial<Persona> } & CardKeyOptions = {},
): Promise<SimulatedCccd> {
  const seed = options.seed ?? DEMO_SEED;
  const persona = { ...generatePersona(seed), ...options.persona };
  const photo = options.photo ?? drawnPortrait(seed);
  const pki = options.pki ?? (await generateTestPki());
  const fileOptions: CardFileOptions = {
    ...(options.chipAuthenticationKey ? { chipAuthenticationSpki: options.chipAuthenticationKey.spki } : {}),
    ...(options.chipAuthenticationProtocol ? { chipAuthenticationProtocol: options.chipAuthenticationProtocol } : {}),
    ...(options.chipAuthenticationKeyId !== undefined ? { chipAuthenticationKeyId: options.chipAuthenticationKeyId } : {}),
    ...(options.activeAuthenticationSignatureAlgorithm ? { activeAuthenticationSignatureAlgorithm: options.activeAuthenticationSignatureAlgorithm } : {}),
    ...(options.withoutActiveAuthentication ? { withoutActiveAuthentication: true } : {}),
    ...(options.withoutChipAuthentication ? { withoutChipAuthentication: true } : {}),
    ...(options.alterAfterSigning ? { alterAfterSigning: options.alterAfterSigning } : {}),
  };
  const built = buildCardFiles(persona, photo, pki, options.keys ?? generateCardKeys(), fileOptions);
  const documentNumber = persona.idNumber.slice(3);
  const card = new VirtualCccd({
    files: built.files,
    can: persona.idNumber.slice(6),
    mrz: { documentNumber, dateOfBirth: toYymmdd(persona.dateOfBirth), dateOfExpiry: toYymmdd(persona.dateOfExpiry) },
    ...(options.withoutActiveAuthentication ? {} : { activeAuthenticationKey: built.keys.activeAuthentication.privateKey }),
    ...(options.activeAuthenticationSign ? { activeAuthenticationSign: options.activeAuthenticationSign } : {}),
    ...(options.withoutChipAuthentication
      ? {}
      : {
          chipAuthentication: {
            key: options.chipAuthenticationKey ?? built.keys.chipAuthentication.privateKey,
            ...(options.chipAuthenticationProtocol ? { protocolOid: options.chipAuthenticationProtocol } : {}),
            ...(options.chipAuthenticationKeyId !== undefined ? { keyId: options.chipAuthenticationKeyId } : {}),
          },
        }),
    ...(options.behaviour ? { behaviour: options.behaviour } : {}),
  });
  return { card, persona, photo, built, pki, publishedCsca: options.publishedCsca ?? pki.cscaCertificate };
}

/** The demo card's ID number, without building the card (for help texts). */
export function demoIdNumber(): string {
  return generatePersona(DEMO_SEED).idNumber;
}
