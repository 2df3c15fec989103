/**
 * Misbehaving virtual cards: each one is a way a forged or cloned CCCD differs from a genuine one, so the
 * authenticity checks (and the operator's screen) can be shown to catch it. Used by tests, `read-card
 * --sim --sim-fault NAME` and the demo.
 */
import { encodeDg13 } from '../emrtd/lds/dg13.ts';
import { generatePersona } from './persona.ts';
import { generateTestPki } from './test-pki.ts';
import { DEMO_SEED, makeVirtualCccd, type CardKeyOptions, type SimulatedCccd } from './make-card.ts';
import type { VirtualCardBehaviour } from './virtual-cccd.ts';
import type { TestPki } from './test-pki.ts';

export const CARD_FAULTS = {
  'altered-dg13': 'DG13 (personal data) changed after the document signer signed the SOD: a forged card',
  'unknown-csca': 'signed by a country signing CA the trust store does not hold',
  'expired-ds': 'the document signer certificate has expired',
  'wrong-aa': 'Active Authentication answered with another key than DG15’s: a cloned chip',
  'wrong-ca': 'Chip Authentication answered from another key than DG14’s: a cloned chip',
  'no-aa': 'no DG15: the chip offers no Active Authentication (Chip Authentication still proves it)',
  'no-aa-no-ca': 'the chip offers neither Active nor Chip Authentication: a clone cannot be ruled out',
} as const;

export type CardFault = keyof typeof CARD_FAULTS;

export function isCardFault(name: string): name is CardFault {
  return Object.hasOwn(CARD_FAULTS, name);
}

type MakeOptions = Parameters<typeof makeVirtualCccd>[0] & CardKeyOptions;

/** A virtual CCCD with the given fault (undefined: the genuine card). */
export async function makeCardWithFault(fault: CardFault | undefined, options: MakeOptions = {}): Promise<SimulatedCccd> {
  if (!fault) return makeVirtualCccd(options);
  const behaviour = (b: VirtualCardBehaviour): MakeOptions => ({ ...options, behaviour: { ...options.behaviour, ...b } });
  switch (fault) {
    case 'altered-dg13':
      return makeVirtualCccd({ ...options, alterAfterSigning: (dataGroups) => renameHolder(dataGroups, options) });
    case 'unknown-csca': {
      const [signing, published] = await Promise.all([generateTestPki(), generateTestPki()]);
      return makeVirtualCccd({ ...options, pki: signing, publishedCsca: published.cscaCertificate });
    }
    case 'expired-ds':
      return makeVirtualCccd({ ...options, pki: await expiredDocumentSigner() });
    case 'wrong-aa':
      return makeVirtualCccd(behaviour({ activeAuthentication: 'wrong-key' }));
    case 'wrong-ca':
      return makeVirtualCccd(behaviour({ chipAuthentication: 'wrong-key' }));
    case 'no-aa':
      return makeVirtualCccd({ ...options, withoutActiveAuthentication: true });
    case 'no-aa-no-ca':
      return makeVirtualCccd({ ...options, withoutActiveAuthentication: true, withoutChipAuthentication: true });
  }
}

/** A PKI made six years ago: its DS (valid five years) expired a year ago, its CSCA (ten years) is still valid. */
function expiredDocumentSigner(): Promise<TestPki> {
  return generateTestPki({ now: new Date(Date.now() - 6 * 365 * 24 * 3600 * 1000) });
}

/** Re-writes DG13 with another holder name: the forger's edit, which only the SOD hash can reveal. */
function renameHolder(dataGroups: Map<number, Uint8Array>, options: MakeOptions): void {
  const persona = { ...generatePersona(options.seed ?? DEMO_SEED), ...options.persona };
  dataGroups.set(13, encodeDg13({ ...persona, fullName: 'TRẦN VĂN GIẢ' }));
}
