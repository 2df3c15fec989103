// Types for strings.js, which is plain JS because the browser loads it as is.
import type { SessionState } from '../../session/events.ts';

export const STATE_TEXT: Record<SessionState, { title: string; instruction: string }>;
export const GUIDANCE_TEXT: Record<string, string>;
export const CHALLENGE_TEXT: Record<string, string>;
export const RESULT_TEXT: Record<'verified' | 'rejected' | 'error', string>;
export const ERROR_TEXT: Record<string, string>;
export const UI_TEXT: Record<string, string>;
