/**
 * What the page lists for one entry: seq, time, kind, decision, name, ID number, reasons, the frame, and
 * whether its personal data was purged. Built from the export line and what the per-entry keys opened;
 * nothing here decides a verdict (verify.ts does), so a broken entry is still shown, marked.
 */
import { vietnamTime } from './labels.ts';

export interface EntryView {
  seq: number;
  id: string;
  kind: string;
  recordedAt: string;
  decision: string;
  fullName: string | null;
  idNumber: string | null;
  reasons: string[];
  /** Other facts of a non-verification entry (an inspection's action, a purge's range…), as short text. */
  note: string | null;
  /** Personal data: 'present' (shown), 'purged' (deleted by retention, the hash kept), 'sealed' (no key in the file), 'none'. */
  personal: 'present' | 'purged' | 'sealed' | 'none';
  /** The JPEG, when exported with frames and it checked out. */
  frame: Uint8Array | null;
  /** This entry's own hash does not match (the verdict says more). */
  altered: boolean;
}

type Line = Record<string, unknown>;

const decoder = new TextDecoder();

function parseJson(text: unknown): Record<string, unknown> | null {
  try {
    const value = JSON.parse(String(text)) as unknown;
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function reasonsOf(record: Record<string, unknown> | null): string[] {
  const reasons = record?.reasons;
  return Array.isArray(reasons) ? reasons.map((r) => str((r as { messageVi?: unknown })?.messageVi) ?? str((r as { code?: unknown })?.code) ?? '?') : [];
}

/** A short line for the kinds other than verification (FORMAT.md "Entry kinds"). */
function noteOf(kind: string, pub: Record<string, unknown> | null): string | null {
  if (!pub) return null;
  if (kind === 'inspection') return [str(pub.inspector), str(pub.action)].filter(Boolean).join(' — ') || null;
  if (kind === 'operator') return `${str(pub.action) ?? '?'} → mục ${String(pub.verificationSeq ?? '?')}`;
  if (kind === 'purge') return `xóa dữ liệu cá nhân trước ${vietnamTime(str(pub.before) ?? '?')} (${String(pub.purged ?? '?')} mục, lưu ${String(pub.retentionDays ?? '?')} ngày)`;
  if (kind === 'genesis') return `sổ mới ${str(pub.registerId) ?? ''} (${str(pub.reason) ?? ''})`.trim();
  return null;
}

export function entryView(e: Line, opened: { seq: number; sealedClear: Uint8Array | null; frameClear: Uint8Array | null; altered: boolean }): EntryView {
  const format2 = e.format === 2;
  const kind = format2 ? String(e.kind) : 'verification';
  const pub = parseJson(format2 ? e.publicJson : e.recordJson);
  const sealed = opened.sealedClear ? parseJson(decoder.decode(opened.sealedClear)) : null;
  // Format 1 keeps the identity in the record itself; format 2 in the sealed part.
  const identity = ((format2 ? sealed?.identity : pub?.identity) ?? null) as Record<string, unknown> | null;
  let personal: EntryView['personal'] = 'none';
  if (format2 && e.sealedSha256 !== null && e.sealedSha256 !== undefined) personal = e.sealed === undefined ? 'purged' : sealed ? 'present' : 'sealed';
  else if (!format2 && identity) personal = 'present';
  return {
    seq: opened.seq,
    id: String(e.id),
    kind,
    recordedAt: String(e.recordedAt),
    decision: str(pub?.decision) ?? kind,
    fullName: str(identity?.fullName),
    idNumber: str(identity?.idNumber),
    reasons: kind === 'verification' ? reasonsOf(pub) : [],
    note: kind === 'verification' ? null : noteOf(kind, pub),
    personal,
    frame: opened.frameClear,
    altered: opened.altered,
  };
}
