/**
 * A simulated reader as slow as a real one: every APDU to the virtual card waits readMs / (APDUs in a full
 * read), so a whole read takes about readMs (a real contactless reader: 1–2 s, bench/chip-read's pcscd rows).
 * The wait is a timer, as a reader's round trip is I/O: the CPU stays free for the face step meanwhile.
 */
import type { ApduTransport } from '../drivers/apdu.ts';
import { accessKeyFromQr } from '../drivers/emrtd/access-key.ts';
import { readDocument } from '../drivers/emrtd/read-document.ts';
import { InProcessTransport } from '../drivers/sim/in-process-transport.ts';
import type { SimulatedCccd } from '../drivers/sim/make-card.ts';
import { qrText } from '../agent/run/demo.ts';
import { sleep } from './support.ts';

/** APDUs in one full read of this card (counted on a read of its own). */
export async function apdusPerRead(card: SimulatedCccd): Promise<number> {
  card.card.reset();
  const transport = new InProcessTransport(card.card);
  let count = 0;
  const counting: ApduTransport = {
    supportsExtendedLength: transport.supportsExtendedLength,
    transmit: (apdu, options) => {
      count++;
      return transport.transmit(apdu, options);
    },
  };
  await readDocument(counting, accessKeyFromQr(qrText(card)));
  transport.remove();
  return count;
}

/** Makes the transport of a card just laid down wait `perApduMs` before each APDU (before the read starts). */
export function slowDown(transport: ApduTransport, perApduMs: number): void {
  if (perApduMs <= 0) return;
  const transmit = transport.transmit.bind(transport);
  transport.transmit = async (apdu, options) => {
    await sleep(perApduMs);
    return transmit(apdu, options);
  };
}
