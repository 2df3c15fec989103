/**
 * A new format-2 entry before it is stored: its public JSON, its sealed part and frame encrypted, its blind
 * search terms (a draft, independent of its place in the chain), then placed after the head with its time
 * and hash (FORMAT.md "Entry hash, format 2").
 */
import type { VerificationRecord } from '../session/record.ts';
import { entryHash, sha256 } from './chain.ts';
import { identityTerms, seal } from './seal.ts';

export interface EntryDraft {
  id: string;
  kind: string;
  decision: string;
  publicJson: string;
  sealed: Uint8Array | null;
  frame: Uint8Array | null;
  terms: Buffer[];
}

export interface PreparedEntry extends EntryDraft {
  seq: number;
  recordedAt: string;
  sealedSha256: Uint8Array | null;
  frameSha256: Uint8Array | null;
  hash: Uint8Array;
}

/** A verification: the record in public with identity null; {identity} and the frame sealed; identity terms for search. */
export function verificationDraft(record: VerificationRecord, frameJpeg: Uint8Array | undefined, dataKey: Uint8Array, searchKey: Uint8Array): EntryDraft {
  const publicJson = JSON.stringify({ ...record, identity: null });
  const sealed = record.identity ? seal(dataKey, record.id, 'sealed', Buffer.from(JSON.stringify({ identity: record.identity }), 'utf8')) : null;
  const frame = frameJpeg ? seal(dataKey, record.id, 'frame', frameJpeg) : null;
  const terms = record.identity ? identityTerms(searchKey, record.identity) : [];
  return { id: record.id, kind: 'verification', decision: record.decision, publicJson, sealed, frame, terms };
}

/** Another kind (genesis, inspection, operator, purge): its decision is its kind; a sealed part needs the data key. */
export function entryDraft(kind: string, id: string, publicPart: object, sealedPart: object | undefined, dataKey: Uint8Array | undefined): EntryDraft {
  const sealed = sealedPart === undefined ? null : seal(dataKey!, id, 'sealed', Buffer.from(JSON.stringify(sealedPart), 'utf8'));
  return { id, kind, decision: kind, publicJson: JSON.stringify(publicPart), sealed, frame: null, terms: [] };
}

export function placeDraft(draft: EntryDraft, head: { seq: number; hash: Uint8Array }, recordedAt: string): PreparedEntry {
  const seq = head.seq + 1;
  const sealedSha256 = draft.sealed ? sha256(draft.sealed) : null;
  const frameSha256 = draft.frame ? sha256(draft.frame) : null;
  const hash = entryHash(head.hash, { format: 2, kind: draft.kind, seq, id: draft.id, recordedAt, recordJson: draft.publicJson, sealedSha256, frameSha256 });
  return { ...draft, seq, recordedAt, sealedSha256, frameSha256, hash };
}
