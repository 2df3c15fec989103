/**
 * Opens the chip with an AccessKey: PACE when EF.CardAccess offers it (the CCCD does: ECDH-GM, AES-128,
 * brainpoolP256r1), BAC otherwise. Returns with the eMRTD application selected under secure messaging.
 */
import { XacminhError, isXacminhError } from '../errors.ts';
import { describeKeyInput, type AccessKey } from './access-key.ts';
import { performBac } from './bac.ts';
import type { CardSession } from './card-session.ts';
import { expectOk } from './card-session.ts';
import { describePaceOid } from './oids.ts';
import { performPace, type PacePassword } from './pace/pace.ts';

export const EMRTD_AID = Uint8Array.of(0xa0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01);

export interface PaceOffer {
  protocolOid: string;
  parameterId: number;
}

export type AccessProtocol = 'PACE' | 'BAC';

export async function selectApplication(session: CardSession): Promise<void> {
  expectOk(await session.send({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x0c, data: EMRTD_AID }), 'Selecting the eMRTD application');
}

/** Picks the first PACE offer we implement (ICAO: the terminal chooses among the chip's PACEInfos). */
export function choosePaceOffer(offers: readonly PaceOffer[]): PaceOffer | undefined {
  return offers.find((offer) => describePaceOid(offer.protocolOid)?.mapping === 'GM');
}

export async function establishAccess(session: CardSession, key: AccessKey, paceOffers: readonly PaceOffer[]): Promise<AccessProtocol> {
  session.installSecureChannel(undefined);
  const offer = choosePaceOffer(paceOffers);
  if (offer) {
    const password: PacePassword = key.kind === 'CAN' ? { type: 'CAN', can: key.can } : { type: 'MRZ', mrz: key.mrz };
    try {
      session.installSecureChannel(await performPace(session.sendPlain, password, offer));
    } catch (error) {
      throw explainDenied(error, key);
    }
    await selectApplication(session);
    return 'PACE';
  }
  if (key.kind === 'CAN') {
    throw new XacminhError(
      'UNSUPPORTED',
      'This card does not offer PACE, so the ID number / CAN cannot open it: enter the document number, date of birth and expiry (or scan the MRZ) instead',
      { offers: paceOffers.map((o) => o.protocolOid) },
    );
  }
  await selectApplication(session);
  try {
    session.installSecureChannel(await performBac(session.sendPlain, key.mrz));
  } catch (error) {
    throw explainDenied(error, key);
  }
  return 'BAC';
}

function explainDenied(error: unknown, key: AccessKey): unknown {
  if (!isXacminhError(error, 'ACCESS_DENIED')) return error;
  return new XacminhError('ACCESS_DENIED', `The chip refused the access key: re-check ${describeKeyInput(key)}`, { ...error.evidence, input: key.source }, { cause: error });
}
