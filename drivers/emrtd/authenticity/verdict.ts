/**
 * One verdict per card from the authenticity checks: genuine / not genuine / cannot tell, with plain
 * reasons. Genuine needs Passive Authentication (the data is the issuer's) and Active Authentication (the
 * chip holds the issuer-signed key). Chip Authentication is not implemented yet: a card without AA is
 * "cannot tell".
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

const CA_NOT_BUILT: ProtocolCheck = { status: 'not-checked', reason: 'Chip Authentication is not implemented yet in this version' };

export function checkAuthenticity(document: ChipDocument, trust: TrustStore, options: { now?: Date } = {}): Authenticity {
  const sod = document.files.get('EF.SOD');
  const passive = sod
    ? verifyPassive(sod, dataGroupsOf(document), trust, options)
    : { ok: false as const, reasons: [{ code: 'SOD_MISSING', message: 'The card has no EF.SOD: its data cannot be checked' }] };
  const reasons = passive.reasons.map((r) => r.message);
  const aa = document.activeAuthentication;
  const active: ProtocolCheck = aa
    ? aa.ok
      ? { status: 'passed' }
      : { status: 'failed', reason: aa.reason ?? 'Active Authentication failed: clone suspected' }
    : { status: 'not-checked', reason: 'The card offers no Active Authentication (no DG15)' };
  if (active.status === 'failed') reasons.push(active.reason!);
  if (!passive.ok || active.status === 'failed') return { verdict: 'not-genuine', passive, active, chip: CA_NOT_BUILT, reasons };
  // PA proves the data is the issuer's; AA proves this chip holds the issuer-signed key, so it is no copy.
  if (active.status === 'passed') return { verdict: 'genuine', passive, active, chip: CA_NOT_BUILT, reasons };
  reasons.push(`${active.reason!}, and ${CA_NOT_BUILT.reason!.toLowerCase()}: a cloned chip cannot be ruled out`);
  return { verdict: 'cannot-tell', passive, active, chip: CA_NOT_BUILT, reasons };
}

function dataGroupsOf(document: ChipDocument): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  for (const [name, bytes] of document.files) {
    const m = /^DG(\d+)$/.exec(name);
    if (m) out.set(Number(m[1]), bytes);
  }
  return out;
}
