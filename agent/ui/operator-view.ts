/**
 * What the operator's stream (/operator/events, see server.ts) carries of a result: what the clerk needs to
 * tell who was verified and why, and to copy the identity into the shop's contract. Only the operator stream
 * carries it; the kiosk's /events keeps to public-view.ts. Of the identity only name, ID number, date of birth
 * and residence; chip: the verdict and its checks; face: the scores. The chip photo and the best live frame are
 * not in it: `photos` gives the operator-only paths they are served at (operator-routes.ts), null when none.
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
  photos: { chip: string | null; frame: string | null };
  /** The face step did not give a usable result: the page offers to retry it. */
  faceFailed: boolean;
  /** The verification this one retried the face step of (the session's retry), else null. */
  retryOf: string | null;
}

/** Face decisions a second try may change (the customer moved, closed their eyes, or was not in view). */
const RETRYABLE_FACE = new Set(['no-match', 'not-live', 'no-face', 'error']);

export function operatorRecord(record: VerificationRecord, photos: OperatorRecord['photos'] = { chip: null, frame: null }): OperatorRecord {
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
    photos,
    faceFailed: face !== null && RETRYABLE_FACE.has(face.decision),
    retryOf: (record as { retryOf?: string }).retryOf ?? null,
  };
}
