/** Pure pieces of a VerificationRecord: identity and chip summary from what the chip gave, reasons in Vietnamese, the record itself. */
import { createHash } from 'node:crypto';
import type { Authenticity } from '../../drivers/emrtd/authenticity/verdict.ts';
import type { ChipDocument } from '../../drivers/emrtd/read-document.ts';
import { isXacminhError } from '../../drivers/errors.ts';
import { AUTHENTICITY_MESSAGES, OPERATOR_MESSAGES, SESSION_MESSAGES } from '../labels.ts';
import type { FaceEvidence } from '../../models/types.ts';
import { RECORD_SCHEMA_VERSION, type ChipSummary, type Decision, type Identity, type Reason, type StepTiming, type VerificationRecord } from './record.ts';

export function identityOf(doc: ChipDocument): Identity | null {
  const dg13 = doc.dg13;
  const mrz = doc.dg1?.mrz;
  if (!dg13 && !mrz) return null;
  const mrzName = mrz ? `${mrz.primaryIdentifier} ${mrz.secondaryIdentifier}`.trim() : '';
  return {
    idNumber: dg13?.idNumber ?? mrz?.optionalData1.slice(0, 12) ?? '',
    fullName: dg13?.fullName ?? mrzName,
    dateOfBirth: dg13?.dateOfBirth ?? mrz?.dateOfBirth ?? '',
    sex: dg13?.sex ?? mrz?.sex ?? '',
    nationality: dg13?.nationality ?? mrz?.nationality ?? '',
    placeOfOrigin: dg13?.placeOfOrigin ?? '',
    placeOfResidence: dg13?.placeOfResidence ?? '',
    dateOfIssue: dg13?.dateOfIssue ?? '',
    dateOfExpiry: dg13?.dateOfExpiry ?? mrz?.dateOfExpiry ?? '',
    documentNumber: mrz?.documentNumber ?? '',
  };
}

export function chipPhotoOf(doc: ChipDocument): Uint8Array | null {
  return doc.dg2?.images[0]?.data ?? null;
}

export function chipSummaryOf(doc: ChipDocument, authenticity: Authenticity): ChipSummary {
  const photo = chipPhotoOf(doc);
  return {
    accessProtocol: doc.accessProtocol,
    verdict: authenticity.verdict,
    passive: authenticity.passive.ok ? 'passed' : 'failed',
    active: authenticity.active.status,
    chip: authenticity.chip.status,
    photoSha256: photo ? createHash('sha256').update(photo).digest('hex') : null,
  };
}

/** Why a chip is not proven genuine, one Reason per cause (codes as in AUTHENTICITY_MESSAGES). */
export function authenticityReasons(a: Authenticity): Reason[] {
  const causes: [code: string, detail: string | undefined][] = a.passive.reasons.map((r) => [r.code, r.message]);
  if (a.active.status === 'failed') causes.push(['AA_FAILED', a.active.reason]);
  if (a.chip.status === 'failed') causes.push(['CA_FAILED', a.chip.reason]);
  if (a.verdict === 'cannot-tell' && a.passive.ok) causes.push(['NO_AA_NO_CA', a.reasons.at(-1)]);
  const seen = new Set<string>();
  return causes.flatMap(([code, detail]) => {
    if (seen.has(code)) return [];
    seen.add(code);
    return [{ code, messageVi: AUTHENTICITY_MESSAGES[code] ?? SESSION_MESSAGES['chip-not-genuine']!, ...(detail ? { detail } : {}) }];
  });
}

export function sessionReason(code: string, detail?: string): Reason {
  return { code, messageVi: SESSION_MESSAGES[code] ?? code, ...(detail ? { detail } : {}) };
}

export function errorReason(error: unknown): Reason {
  if (isXacminhError(error)) return { code: error.code, messageVi: OPERATOR_MESSAGES[error.code] ?? 'Có lỗi khi xác minh.', detail: error.message };
  return { code: 'INTERNAL', messageVi: 'Có lỗi không mong muốn khi xác minh.', detail: error instanceof Error ? error.message : String(error) };
}

/** What a verification found, step by step; the record is built from it. */
export interface Outcome {
  decision: Decision;
  reasons: Reason[];
  identity: Identity | null;
  /** Set once authenticity is checked: the record has a chip summary only then. */
  chip: ChipSummary | null;
  /** The chip's DG2 photo (for the face step and a face retry; never in the record). */
  photo: Uint8Array | null;
  face: FaceEvidence | undefined;
  keySource: VerificationRecord['accessKeySource'];
}

export function buildRecord(
  meta: { id: string; startedAt: string; siteId: string; deviceId: string; reference: string | null },
  out: Outcome,
  steps: StepTiming[],
): VerificationRecord {
  const { bestFrameJpeg: _frame, ...faceSummary } = out.face ?? { bestFrameJpeg: undefined };
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    id: meta.id,
    siteId: meta.siteId,
    deviceId: meta.deviceId,
    startedAt: meta.startedAt,
    finishedAt: new Date().toISOString(),
    decision: out.decision,
    reasons: out.reasons,
    accessKeySource: out.keySource,
    identity: out.identity,
    chip: out.chip,
    face: out.face ? (faceSummary as VerificationRecord['face']) : null,
    steps,
    operatorReference: meta.reference,
  };
}
