// The access-key rule both the operator page and the server apply, so the page catches a typo before the
// round trip and the server refuses the same thing if the page is bypassed.

export const MAX_ACCESS_KEY_LENGTH = 512;

/**
 * Returns { text } ready to send (an ID number typed with spaces has them removed), or { error } with a key
 * of ERROR_TEXT. QR text contains '|', MRZ contains '<'; the session parses them in full.
 */
export function prepareAccessKey(raw) {
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (text === '') return { error: 'empty' };
  if (text.length > MAX_ACCESS_KEY_LENGTH) return { error: 'too-long' };
  if (/^[\d\s.-]+$/.test(text)) {
    const digits = text.replace(/[\s.-]/g, '');
    return digits.length === 12 ? { text: digits } : { error: 'id-length' };
  }
  if (text.includes('|') || text.includes('<')) return { text };
  return { error: 'unknown-format' };
}

export const MAX_REFERENCE_LENGTH = 64;

export function prepareReference(raw) {
  const text = typeof raw === 'string' ? raw.trim() : '';
  // eslint-disable-next-line no-control-regex
  if (text.length > MAX_REFERENCE_LENGTH || /[\u0000-\u001f\u007f]/.test(text)) return { error: 'reference-too-long' };
  return { text };
}
