/**
 * What the page is sent about an entry: the verification as recorded (decision, reasons, chip verdict, face
 * scores) with the personal data restored from the sealed part. A purged entry says so instead of guessing;
 * a register opened without its data key says the personal data is locked.
 */
import type { Identity, VerificationRecord } from '../session/record.ts';
import type { RegisterEntry } from './port.ts';

export interface EntryView {
  seq: number;
  id: string;
  kind: string;
  recordedAt: string;
  decision: string;
  hash: string;
  personalData: 'present' | 'purged' | 'locked' | 'none';
  hasFrame: boolean;
  identity: Identity | null;
  /** The verification without its identity (for other kinds, their public part as stored). */
  record: Omit<VerificationRecord, 'identity'> | null;
  details: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function entryView(entry: RegisterEntry): EntryView {
  const pub = isObject(entry.public) ? entry.public : {};
  const sealedIdentity = isObject(entry.sealed) && isObject(entry.sealed.identity) ? (entry.sealed.identity as unknown as Identity) : null;
  // Format 1 entries carry the identity in clear in the record itself.
  const identity = sealedIdentity ?? (entry.format === 1 && isObject(pub.identity) ? (pub.identity as unknown as Identity) : null);
  const isVerification = entry.kind === 'verification';
  const { identity: _clear, ...withoutIdentity } = pub;
  const record = isVerification ? (withoutIdentity as unknown as Omit<VerificationRecord, 'identity'>) : null;
  const personalData = entry.format === 1 ? (identity ? 'present' : 'none') : entry.sealedState;
  return {
    seq: entry.seq,
    id: entry.id,
    kind: entry.kind,
    recordedAt: entry.recordedAt,
    decision: entry.decision,
    hash: entry.hash,
    personalData,
    hasFrame: entry.frameJpeg !== null,
    identity,
    record,
    details: isVerification ? null : pub,
  };
}

/** One line of the printed register, in the columns of the paper guest/pawn book. */
export interface PrintRow {
  seq: number;
  recordedAt: string;
  fullName: string | null;
  idNumber: string | null;
  dateOfBirth: string | null;
  address: string | null;
  decision: string;
  personalData: EntryView['personalData'];
}

export function printRow(entry: RegisterEntry): PrintRow {
  const view = entryView(entry);
  return {
    seq: view.seq,
    recordedAt: view.recordedAt,
    fullName: view.identity?.fullName ?? null,
    idNumber: view.identity?.idNumber ?? null,
    dateOfBirth: view.identity?.dateOfBirth ?? null,
    address: view.identity?.placeOfResidence ?? null,
    decision: view.decision,
    personalData: view.personalData,
  };
}
