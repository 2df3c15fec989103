/**
 * VerificationRecord: what happened in one verification, why, and how long each step took — the one thing
 * the register, the events and the pages all read.
 */
import type { AccessKeySource } from '../../drivers/emrtd/access-key.ts';
import type { FaceEvidence } from '../../models/types.ts';

export const RECORD_SCHEMA_VERSION = 1;

export type Decision = 'verified' | 'rejected' | 'error';

export type StepName = 'access-key' | 'read-chip' | 'authenticity' | 'face' | 'decision' | 'record' | 'event' | 'indicators';

export interface StepTiming {
  step: StepName;
  ms: number;
  outcome: 'ok' | 'failed' | 'skipped';
}

export interface Reason {
  /** Stable code: ACCESS_DENIED, CARD_REMOVED, not-genuine, face-no-match, face-not-live, face-not-available … */
  code: string;
  /** For the operator and the customer, in Vietnamese. */
  messageVi: string;
  /** English detail for technicians and the log. */
  detail?: string;
}

/** Personal data read from the chip (DG1/DG13). Encrypted in events; kept in the register on the device. */
export interface Identity {
  idNumber: string;
  fullName: string;
  dateOfBirth: string;
  sex: string;
  nationality: string;
  placeOfOrigin: string;
  placeOfResidence: string;
  dateOfIssue: string;
  dateOfExpiry: string;
  documentNumber: string;
}

export interface ChipSummary {
  accessProtocol: string;
  verdict: 'genuine' | 'not-genuine' | 'cannot-tell';
  passive: 'passed' | 'failed';
  active: 'passed' | 'failed' | 'not-checked';
  chip: 'passed' | 'failed' | 'not-checked';
  /** SHA-256 (hex) of the DG2 photo, so the register can prove which photo was compared without storing it twice. */
  photoSha256: string | null;
}

export type FaceSummary = Omit<FaceEvidence, 'bestFrameJpeg'>;

export interface VerificationRecord {
  schemaVersion: typeof RECORD_SCHEMA_VERSION;
  /** ULID: unique and time-ordered; the event id and the register key. */
  id: string;
  siteId: string;
  deviceId: string;
  startedAt: string;
  finishedAt: string;
  decision: Decision;
  reasons: Reason[];
  accessKeySource: AccessKeySource | null;
  identity: Identity | null;
  chip: ChipSummary | null;
  face: FaceSummary | null;
  /**
   * Step timings up to the decision. The 'record' step's own time is known only once the record is
   * written, so it is in the session's 'done' record and log, not in the stored copy or the event.
   */
  steps: StepTiming[];
  /** Typed by the operator (pawn contract number, room number); optional. */
  operatorReference: string | null;
  /**
   * A face retry (OperatorActions.retryFace): the id of the verification whose face step is done again; its
   * identity and chip summary are that verification's. Absent on every other record (and on records from
   * before retries existed), so older readers and records stay valid.
   */
  retryOf?: string | null;
}
