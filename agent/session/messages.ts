/**
 * What the kiosk tells the customer in each state, in Vietnamese. The texts live in the pages' own table
 * (agent/ui/public/strings.js, plain JS the browser loads as is) so the session and the pages never disagree.
 */
import { CHALLENGE_TEXT, ERROR_TEXT, GUIDANCE_TEXT, STATE_TEXT } from '../ui/public/strings.js';
import type { SessionState } from './events.ts';

export const STATE_MESSAGES: Record<SessionState | 'busy' | 'wrongKey', string> = {
  ...(Object.fromEntries(Object.entries(STATE_TEXT).map(([state, text]) => [state, text.instruction])) as Record<SessionState, string>),
  busy: ERROR_TEXT.BUSY!,
  wrongKey: 'Chip từ chối khóa truy cập — kiểm tra và nhập lại số định danh',
};

/** Face guidance codes and liveness challenges: the same words the kiosk page shows. */
export function guidanceMessage(code: string): string {
  return GUIDANCE_TEXT[code] ?? CHALLENGE_TEXT[code] ?? STATE_MESSAGES.face;
}
