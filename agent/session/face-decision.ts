/** From the face step's evidence to the verification's decision and reasons (the rules in one place). */
import type { FaceEvidence } from '../../models/types.ts';
import type { Decision, Reason } from './record.ts';
import { sessionReason } from './record-builder.ts';

export function decide(face: FaceEvidence, faceRequired: boolean): { decision: Decision; reasons: Reason[] } {
  switch (face.decision) {
    case 'match':
      return { decision: 'verified', reasons: [] };
    case 'no-match': {
      const reasons = [sessionReason('face-no-match', `similarity ${face.similarity?.toFixed(3)} < threshold ${face.threshold.toFixed(3)}`)];
      // Tell the operator when the card's own photo is the likely cause, not the customer.
      if (face.reasons.includes('chip-photo-small')) reasons.push(sessionReason('chip-photo-small', `chip photo at ${face.photoResolution?.toFixed(2)} of the recognition chip's resolution`));
      return { decision: 'rejected', reasons };
    }
    case 'not-live':
      return { decision: 'rejected', reasons: [sessionReason('face-not-live', face.reasons.join(', '))] };
    case 'no-face':
      return { decision: 'rejected', reasons: [sessionReason(noFaceCode(face.reasons), face.reasons.join(', '))] };
    case 'not-available':
      return faceRequired
        ? { decision: 'error', reasons: [sessionReason('face-not-available', face.reasons.join(', '))] }
        : { decision: 'verified', reasons: [sessionReason('face-not-checked', face.reasons.join(', '))] };
    case 'error':
      return { decision: 'error', reasons: [sessionReason('face-error', face.reasons.join(', '))] };
  }
}

/** Why no face could be matched, as the operator should hear it. */
function noFaceCode(reasons: readonly string[]): string {
  if (reasons.includes('no-photo')) return 'no-photo';
  if (reasons.includes('eyes-closed')) return 'face-eyes-closed';
  return 'face-no-face';
}

export function notAvailable(why: string): FaceEvidence {
  return { decision: 'not-available', reasons: [why], liveness: null, similarity: null, threshold: 0, quality: null, model: null, timings: {}, framesSeen: 0 };
}
