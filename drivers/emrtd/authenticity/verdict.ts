/**
 * One verdict per card from the authenticity checks: genuine / not genuine / cannot tell, with plain
 * reasons. Active and Chip Authentication are not implemented yet, so a card that passes Passive
 * Authentication is "cannot tell": its data is the issuer's, but a clone cannot be ruled out.
 */
import type { ChipDocument } from '../read-document.ts';
import { verifyPassive, type PassiveResult } from './passive.ts';
import type { TrustStore } from './trust-store.ts';

export type Verdict = 'genuine' | 'not-genuine' | 'cannot-tell';

export interface ProtocolCheck {
  status: 'passed' | 'failed' | 'not-checked';
  reason?: string;
}

export interface Authenticity {
  verdict: Verdict;
  passive: PassiveResult | { ok: false; reasons: { code: string; message: string }[] };
  active: ProtocolCheck;
  chip: ProtocolCheck;
  reasons: string[];
}

const NOT_IMPLEMENTED: ProtocolCheck = { status: 'not-checked', reason: 'not implemented yet in this version' };

export function checkAuthenticity(document: ChipDocument, trust: TrustStore, options: { now?: Date } = {}): Authenticity {
  const sod = document.files.get('EF.SOD');
  const passive = sod
    ? verifyPassive(sod, dataGroupsOf(document), trust, options)
    : { ok: false as const, reasons: [{ code: 'SOD_MISSING', message: 'The card has no EF.SOD: its data cannot be checked' }] };
  const reasons = passive.reasons.map((r) => r.message);
  if (!passive.ok) return { verdict: 'not-genuine', passive, active: NOT_IMPLEMENTED, chip: NOT_IMPLEMENTED, reasons };
  reasons.push('Active and Chip Authentication are not checked yet: a cloned chip cannot be ruled out');
  return { verdict: 'cannot-tell', passive, active: NOT_IMPLEMENTED, chip: NOT_IMPLEMENTED, reasons };
}

function dataGroupsOf(document: ChipDocument): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  for (const [name, bytes] of document.files) {
    const m = /^DG(\d+)$/.exec(name);
    if (m) out.set(Number(m[1]), bytes);
  }
  return out;
}
