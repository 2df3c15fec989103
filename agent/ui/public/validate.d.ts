// Types for validate.js, which is plain JS because the browser loads it as is.
export type Prepared = { text: string; error?: undefined } | { error: string; text?: undefined };
export const MAX_ACCESS_KEY_LENGTH: number;
export const MAX_REFERENCE_LENGTH: number;
export function prepareAccessKey(raw: unknown): Prepared;
export function prepareReference(raw: unknown): Prepared;
