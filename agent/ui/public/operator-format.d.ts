// Types for operator-format.js, which is plain JS because the browser loads it as is.
import type { OperatorRecord } from '../operator-view.ts';

export const OPERATOR_TEXT: Record<string, string>;
export const CHIP_VERDICT_TEXT: Record<string, string>;
export const FACE_DECISION_TEXT: Record<string, string>;
export const LIVENESS_TEXT: Record<string, string>;
export function maskIdNumber(idNumber: string): string;
export function dateText(date: string): string;
export function identityText(identity: NonNullable<OperatorRecord['identity']>): string;
export function chipText(chip: OperatorRecord['chip']): string;
export function faceLines(face: OperatorRecord['face']): string[];
export const OPERATOR_ERROR_TEXT: Record<'noPhoto' | 'noRegister' | 'retryUnavailable' | 'referenceEmpty', string>;
export const OPERATOR_ACTION_TEXT: Record<string, string>;
export const DAY_TEXT: Record<string, string>;
export function terminalTime(iso: string, timeZone: string, withDate?: boolean): string;
export const DAY_DECISION_TEXT: Record<'verified' | 'rejected' | 'error', string>;
export function operatorStatus(update: { state: string; messageVi: string; progress?: number; record?: { id: string; decision: string; reasons: { messageVi: string }[] } }, records: OperatorRecord[]): string;
