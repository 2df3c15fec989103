/** The operator's typed or scanned text for the chip's access key. */
import { accessKeyFromIdNumber, accessKeyFromMrz, accessKeyFromQr, type AccessKey } from '../../drivers/emrtd/access-key.ts';
import { XacminhError } from '../../drivers/errors.ts';

/** ID number (12 digits), CCCD QR text or MRZ lines: every path leads to one AccessKey. */
export function parseAccessKeyText(text: string): AccessKey {
  const trimmed = text.trim();
  if (/^\d{12}$/.test(trimmed)) return accessKeyFromIdNumber(trimmed);
  if (trimmed.includes('|')) return accessKeyFromQr(trimmed);
  if (trimmed.includes('<')) return accessKeyFromMrz(trimmed);
  throw new XacminhError('INVALID_INPUT', 'Give the 12-digit ID number, the QR code text or the MRZ lines of the card', { field: 'access-key' });
}
