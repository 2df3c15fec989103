/**
 * The verification event as it leaves the device: a compact JWS (ES256, device key) over a JSON event that
 * carries no personal data in clear. Name, ID number, residence and the operator's reference travel only
 * inside `personal`, a compact JWE (ECDH-ES + A256GCM) that only the authority's private key opens.
 * The payload is fixed when the verification is recorded, so a re-drive after an outage sends the same bytes.
 */
import type { KeyObject } from 'node:crypto';
import { CompactEncrypt, CompactSign, compactDecrypt, compactVerify, decodeProtectedHeader } from 'jose';
import { XacminhError } from '../../drivers/errors.ts';
import type { Decision, Identity, StepTiming, VerificationRecord } from '../session/record.ts';

export const EVENT_SCHEMA = 'xacminh.verification/1';
export const EVENT_JWS_TYP = 'xacminh-verification+jws';
export const EVENT_TOPIC = 'event/verification';

export interface VerificationEvent {
  schema: typeof EVENT_SCHEMA;
  id: string;
  siteId: string;
  deviceId: string;
  startedAt: string;
  finishedAt: string;
  decision: Decision;
  reasons: string[];
  accessKeySource: string | null;
  chip: { accessProtocol: string; verdict: 'genuine' | 'not-genuine' | 'cannot-tell'; passive: 'passed' | 'failed'; active: 'passed' | 'failed' | 'not-checked'; chip: 'passed' | 'failed' | 'not-checked' } | null;
  face: { decision: string; similarity: number | null; threshold: number; liveness: 'live' | 'spoof' | 'inconclusive' | null } | null;
  steps: StepTiming[];
  /** Compact JWE for the authority, or null when the verification read nothing personal. */
  personal: string | null;
  /**
   * The register after this verification's entry: its seq and head hash (hex). Signed with the rest, so the
   * central side holds an anchor the device cannot take back (`xacminh register verify --anchors`).
   * Absent only from events built outside the register (tests, benches).
   */
  register?: RegisterAnchor;
  /** The verification this one retries (the operator's face retry on the same chip read); absent otherwise. */
  retryOf?: string;
}

export interface RegisterAnchor {
  seq: number;
  headHash: string;
}

/** What the JWE carries: everything that names or links to a person. */
export interface PersonalData {
  identity: Identity | null;
  operatorReference: string | null;
  /** The DG2 photo hash links the event to one person's photo: personal, so encrypted. */
  photoSha256: string | null;
}

export interface EventKeys {
  /** P-256 private key of the device (signs). */
  deviceKey: KeyObject;
  deviceKeyId: string;
  /** P-256 public key of the authority (encrypts `personal`). */
  authorityPublicKey: KeyObject;
  /** SHA-256 of the enrolled device certificate (DER), base64url: the JWS `x5t#S256`, once the terminal is enrolled. */
  certificateThumbprint?: string;
}

export interface BuiltEvent {
  id: string;
  topic: typeof EVENT_TOPIC;
  payload: string;
}

export interface OpenedEvent {
  event: VerificationEvent;
  kid: string | undefined;
  /** Present only when the authority's private key was given. */
  personal?: PersonalData;
}

export async function buildVerificationEvent(record: VerificationRecord, keys: EventKeys, anchor?: RegisterAnchor): Promise<BuiltEvent> {
  const personal: PersonalData = { identity: record.identity, operatorReference: record.operatorReference, photoSha256: record.chip?.photoSha256 ?? null };
  const hasPersonal = personal.identity !== null || personal.operatorReference !== null || personal.photoSha256 !== null;
  const event: VerificationEvent = {
    schema: EVENT_SCHEMA,
    id: record.id,
    siteId: record.siteId,
    deviceId: record.deviceId,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    decision: record.decision,
    // Codes only: the Vietnamese messages and English details may quote what the card said.
    reasons: record.reasons.map((reason) => reason.code),
    accessKeySource: record.accessKeySource,
    chip: record.chip ? { accessProtocol: record.chip.accessProtocol, verdict: record.chip.verdict, passive: record.chip.passive, active: record.chip.active, chip: record.chip.chip } : null,
    face: record.face ? { decision: record.face.decision, similarity: record.face.similarity, threshold: record.face.threshold, liveness: record.face.liveness?.decision ?? null } : null,
    steps: record.steps.map((s) => ({ step: s.step, ms: s.ms, outcome: s.outcome })),
    personal: hasPersonal ? await encryptPersonal(personal, keys.authorityPublicKey) : null,
    ...(anchor ? { register: { seq: anchor.seq, headHash: anchor.headHash } } : {}),
    ...(record.retryOf ? { retryOf: record.retryOf } : {}),
  };
  const payload = await new CompactSign(new TextEncoder().encode(JSON.stringify(event)))
    .setProtectedHeader({ alg: 'ES256', kid: keys.deviceKeyId, typ: EVENT_JWS_TYP, ...(keys.certificateThumbprint ? { 'x5t#S256': keys.certificateThumbprint } : {}) })
    .sign(keys.deviceKey);
  return { id: record.id, topic: EVENT_TOPIC, payload };
}

async function encryptPersonal(personal: PersonalData, authorityPublicKey: KeyObject): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(personal)))
    .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', cty: 'xacminh-personal+json' })
    .encrypt(authorityPublicKey);
}

/**
 * Verifies the device signature and, with the authority key, opens the personal data. Throws MALFORMED_DATA
 * when the payload is not a JWS of ours or the signature does not verify (a tampered or foreign event).
 */
export async function openVerificationEvent(payload: string, keys: { devicePublicKey: KeyObject; authorityPrivateKey?: KeyObject }): Promise<OpenedEvent> {
  let bytes: Uint8Array;
  let kid: string | undefined;
  try {
    const header = decodeProtectedHeader(payload);
    if (header.typ !== EVENT_JWS_TYP) throw new Error(`typ is ${String(header.typ)}, expected ${EVENT_JWS_TYP}`);
    const verified = await compactVerify(payload, keys.devicePublicKey, { algorithms: ['ES256'] });
    bytes = verified.payload;
    kid = verified.protectedHeader.kid;
  } catch (error) {
    throw new XacminhError('MALFORMED_DATA', 'The verification event does not carry a valid device signature: it was altered or comes from another device; do not trust it', { reason: (error as Error).message }, { cause: error });
  }
  const event = JSON.parse(new TextDecoder().decode(bytes)) as VerificationEvent;
  if (event.schema !== EVENT_SCHEMA) throw new XacminhError('MALFORMED_DATA', `Unknown event schema ${String(event.schema)}; this reader understands ${EVENT_SCHEMA}`, { schema: event.schema });
  if (!keys.authorityPrivateKey) return { event, kid };
  if (event.personal === null) return { event, kid, personal: { identity: null, operatorReference: null, photoSha256: null } };
  try {
    const { plaintext } = await compactDecrypt(event.personal, keys.authorityPrivateKey, { keyManagementAlgorithms: ['ECDH-ES'], contentEncryptionAlgorithms: ['A256GCM'] });
    return { event, kid, personal: JSON.parse(new TextDecoder().decode(plaintext)) as PersonalData };
  } catch (error) {
    throw new XacminhError('MALFORMED_DATA', 'The personal data in the event cannot be decrypted with this authority key: check that the device was provisioned with this authority', { id: event.id, reason: (error as Error).message }, { cause: error });
  }
}
