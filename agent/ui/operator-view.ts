/**
 * What the operator's stream (/operator/events, see server.ts) carries of a result: what the clerk needs to
 * tell who was verified and why, and to copy the identity into the shop's contract. Only the operator stream
 * carries it; the kiosk's /events keeps to public-view.ts. Of the identity only name, ID number, date of birth
 * and residence; chip: the verdict and its checks; face: the scores, not the frame.
 */
import type { Decision, VerificationRecord } from '../session/record.ts';

export interface OperatorRecord {
  id: string;
  decision: Decision;
  finishedAt: string;
  reasons: { code: string; messageVi: string }[];
  identity: { fullName: string; idNumber: string; dateOfBirth: string; placeOfResidence: string } | null;
  chip: { verdict: 'genuine' | 'not-genuine' | 'cannot-tell'; passive: string; active: string; chip: string } | null;
  face: {
    decision: string;
    similarity: number | null;
    threshold: number;
    liveness: { decision: string; passiveScore: number; challengePassed: boolean } | null;
    qualityScore: number | null;
  } | null;
  operatorReference: string | null;
}

export function operatorRecord(record: VerificationRecord): OperatorRecord {
  const { identity, chip, face } = record;
  return {
    id: record.id,
    decision: record.decision,
    finishedAt: record.finishedAt,
    reasons: record.reasons.map((r) => ({ code: r.code, messageVi: r.messageVi })),
    identity: identity ? { fullName: identity.fullName, idNumber: identity.idNumber, dateOfBirth: identity.dateOfBirth, placeOfResidence: identity.placeOfResidence } : null,
    chip: chip ? { verdict: chip.verdict, passive: chip.passive, active: chip.active, chip: chip.chip } : null,
    face: face
      ? {
          decision: face.decision,
          similarity: face.similarity,
          threshold: face.threshold,
          liveness: face.liveness ? { decision: face.liveness.decision, passiveScore: face.liveness.passiveScore, challengePassed: face.liveness.challengePassed } : null,
          qualityScore: face.quality?.score ?? null,
        }
      : null,
    operatorReference: record.operatorReference,
  };
}
