/**
 * What leaves the agent over /events. On loopback the stream has no authentication (beyond it the operator
 * token guards it, see server.ts), so it carries as little as possible: of the identity only the holder's name,
 * and only for a verified customer, whose name the kiosk shows. ID number, dates, addresses, chip and face
 * details stay in the register.
 */
import type { SessionUpdate } from '../session/events.ts';
import type { Decision, VerificationRecord } from '../session/record.ts';

export interface PublicRecord {
  id: string;
  decision: Decision;
  finishedAt: string;
  reasons: { code: string; messageVi: string }[];
  /** Only when the decision is 'verified'. */
  holderName: string | null;
}

/** A SessionUpdate whose record is reduced to a PublicRecord. */
export type PublicUpdate = Omit<SessionUpdate, 'record' | 'photos'> & { record?: PublicRecord };

export function publicRecord(record: VerificationRecord): PublicRecord {
  return {
    id: record.id,
    decision: record.decision,
    finishedAt: record.finishedAt,
    reasons: record.reasons.map((r) => ({ code: r.code, messageVi: r.messageVi })),
    holderName: record.decision === 'verified' ? (record.identity?.fullName ?? null) : null,
  };
}

export function publicUpdate(update: SessionUpdate): PublicUpdate {
  const { record, photos: _photos, ...rest } = update; // the pictures go to the operator only (operator-routes.ts)
  return record ? { ...rest, record: publicRecord(record) } : rest;
}

/** The last results, newest first, for the operator's list; one entry per verification id. */
export class ResultHistory<T extends { id: string } = PublicRecord> {
  private readonly items: T[] = [];
  constructor(private readonly limit = 20) {}

  /** Returns true when the record is one not seen before. */
  add(record: T | undefined): boolean {
    if (!record || this.items.some((r) => r.id === record.id)) return false;
    this.items.unshift(record);
    this.items.length = Math.min(this.items.length, this.limit);
    return true;
  }

  list(): T[] {
    return [...this.items];
  }
}
