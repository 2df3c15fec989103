/** The chip read step: the whole document within the read time limit, progress 0…1 as files arrive. */
import type { AccessKey } from '../../drivers/emrtd/access-key.ts';
import { readDocument, type ChipDocument } from '../../drivers/emrtd/read-document.ts';
import { isXacminhError, XacminhError } from '../../drivers/errors.ts';
import type { CardHandle } from './card-port.ts';

export async function readChip(handle: CardHandle, key: AccessKey, signal: AbortSignal, timeoutMs: number, onProgress: (progress: number) => void): Promise<ChipDocument> {
  onProgress(0);
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
  try {
    return await readDocument(handle.transport, key, { signal: deadline, onProgress: (p) => onProgress(p.filesTotal ? p.filesDone / p.filesTotal : 0) });
  } catch (error) {
    // The deadline, not the card or the operator, ended it.
    if (isXacminhError(error, 'CANCELLED') && !signal.aborted) throw new XacminhError('TIMEOUT', `The chip read took longer than ${timeoutMs} ms`, { step: 'read-chip' });
    throw error;
  }
}
