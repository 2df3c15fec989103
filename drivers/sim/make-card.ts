/**
 * One call to get a ready virtual CCCD: persona, photo, test PKI, files, chip. The demo and the CLI use a
 * drawn portrait; tests pass a real test image.
 */
import { buildCardFiles, type CardFiles } from './card-files.ts';
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
}

/** The demo card's seed: README and `--sim` use it, so its ID number is stable. */
export const DEMO_SEED = 20260101;

export async function makeVirtualCccd(
  options: { seed?: number; photo?: Uint8Array; pki?: TestPki; behaviour?: VirtualCardBehaviour; persona?: Partial<Persona> } = {},
): Promise<SimulatedCccd> {
  const seed = options.seed ?? DEMO_SEED;
  const persona = { ...generatePersona(seed), ...options.persona };
  const photo = options.photo ?? drawnPortrait(seed);
  const pki = options.pki ?? (await generateTestPki());
  const built = buildCardFiles(persona, photo, pki);
  const documentNumber = persona.idNumber.slice(3);
  const card = new VirtualCccd({
    files: built.files,
    can: persona.idNumber.slice(6),
    mrz: { documentNumber, dateOfBirth: toYymmdd(persona.dateOfBirth), dateOfExpiry: toYymmdd(persona.dateOfExpiry) },
    activeAuthenticationKey: built.keys.activeAuthentication.privateKey,
    ...(options.behaviour ? { behaviour: options.behaviour } : {}),
  });
  return { card, persona, photo, built, pki };
}

/** The demo card's ID number, without building the card (for help texts). */
export function demoIdNumber(): string {
  return generatePersona(DEMO_SEED).idNumber;
}
