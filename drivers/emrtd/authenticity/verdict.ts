/**
 * One verdict per card from the authenticity checks: genuine / not genuine / cannot tell, with plain
 * reasons. Passive Authentication proves the data is the issuer's; Active or Chip Authentication proves
 * this chip holds the private key the issuer signed (in DG15 or DG14), so it is not a copy. Genuine needs
 * PA and at least one of AA/CA passed, and none failed: a chip that offers a protocol and fails it is a
 * clone suspect even if the other one passed. PA may pass with an advisory reason (a stale CRL, see ADVISORY
 * in passive.ts): the verdict stands and the reason is listed with it.
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

export function checkAuthenticity(document: ChipDocument, trust: TrustStore, options: { now?: Date } = {}): Authenticity {
  const sod = document.files.get('EF.SOD');
  const passive = sod ? verifyPassive(sod, dataGroupsOf(document), trust, options) : { ok: false as const, reasons: [sodNotRead(document)] };
  const active = protocolCheck(document.activeAuthentication, 'Active Authentication failed: clone suspected', 'The card offers no Active Authentication (no DG15)');
  const chip = protocolCheck(document.chipAuthentication, 'Chip Authentication failed: clone suspected', 'The card offers no Chip Authentication (no CA key in DG14)');
  const reasons = passive.reasons.map((r) => r.message);
  for (const check of [active, chip]) if (check.status === 'failed') reasons.push(check.reason!);
  const anyFailed = active.status === 'failed' || chip.status === 'failed';
  if (!passive.ok || anyFailed) return { verdict: 'not-genuine', passive, active, chip, reasons };
  if (active.status === 'passed' || chip.status === 'passed') return { verdict: 'genuine', passive, active, chip, reasons };
  reasons.push('The card offers neither Active nor Chip Authentication: its data is the issuer’s, but a cloned chip cannot be ruled out');
  return { verdict: 'cannot-tell', passive, active, chip, reasons };
}

/**
 * Without EF.SOD nothing on the chip can be traced to the issuer. Every issued CCCD and ePassport carries one
 * (ICAO 9303-10 makes it mandatory) and gives it to any terminal past BAC/PACE, so its absence or refusal is
 * not-genuine, like a SOD that fails to verify, not cannot-tell, which is kept for what a genuine card may lack.
 */
function sodNotRead(document: ChipDocument): { code: string; message: string } {
  const unread = document.unread.find((u) => u.file === 'EF.SOD');
  if (unread && unread.code !== 'FILE_NOT_FOUND') {
    return { code: 'SOD_UNREADABLE', message: `The chip refused to give its EF.SOD (${unread.reason}): its data cannot be proven genuine` };
  }
  return { code: 'SOD_MISSING', message: 'The chip has no EF.SOD: its data cannot be proven genuine' };
}

function protocolCheck(result: { ok: boolean; reason?: string } | undefined, failedReason: string, absentReason: string): ProtocolCheck {
  if (!result) return { status: 'not-checked', reason: absentReason };
  return result.ok ? { status: 'passed' } : { status: 'failed', reason: result.reason ?? failedReason };
}

function dataGroupsOf(document: ChipDocument): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  for (const [name, bytes] of document.files) {
    const m = /^DG(\d+)$/.exec(name);
    if (m) out.set(Number(m[1]), bytes);
  }
  return out;
}
