// Types for strings.js, which is plain JS because the browser loads it as is.
import type { SessionState } from '../../session/events.ts';

export const STATE_TEXT: Record<SessionState, { title: string; instruction: string }>;
export const GUIDANCE_TEXT: Record<string, string>;
export const CHALLENGE_TEXT: Record<string, string>;
export const RESULT_TEXT: Record<'verified' | 'rejected' | 'error', string>;
export const ERROR_TEXT: Record<string, string>;
export const UI_TEXT: Record<string, string>;
export const DEFAULT_TIME_ZONE: string;
export interface CustomerOutcomeText {
  text: string;
  next: string;
}
export const CUSTOMER_OUTCOME: Record<'verified' | 'card' | 'face' | 'face-again' | 'read-again' | 'access-key' | 'cancelled' | 'fault', CustomerOutcomeText>;
export const CUSTOMER_OUTCOME_OF: Record<string, keyof typeof CUSTOMER_OUTCOME>;
export function customerOutcome(record: { decision: string; reasons: { code: string }[] }): CustomerOutcomeText;
export const KIOSK_HINT: Partial<Record<SessionState, string>>;
export const PREVIEW_TEXT: Record<'waiting', string>;
export const AUDIO_TEXT: Record<string, string>;
export const NOTICE_TEXT: Record<'counter-closed', string>;
