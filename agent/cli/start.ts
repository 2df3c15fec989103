/**
 * `xacminh start` (npm start): the terminal on embedded defaults. Until the verification agent lands it
 * reads the virtual CCCD through the in-process reader every few seconds and prints what it read.
 */
import { accessKeyFromIdNumber } from '../../drivers/emrtd/access-key.ts';
import { readDocument } from '../../drivers/emrtd/read-document.ts';
import { isXacminhError } from '../../drivers/errors.ts';
import { InProcessTransport } from '../../drivers/sim/in-process-transport.ts';
import { makeVirtualCccd } from '../../drivers/sim/make-card.ts';

export async function startCommand(options: { interval: string; count?: string }): Promise<number> {
  const intervalMs = Math.max(0.2, Number(options.interval) || 5) * 1000;
  const count = options.count ? Number(options.count) : Infinity;
  const stop = new AbortController();
  const onSignal = () => stop.abort('signal');
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.stdout.write('xacminh: embedded defaults — virtual CCCD on a simulated reader. Ctrl-C to stop.\n');
  const simulated = await makeVirtualCccd();
  const transport = new InProcessTransport(simulated.card);
  const key = accessKeyFromIdNumber(simulated.persona.idNumber);
  for (let n = 1; n <= count && !stop.signal.aborted; n++) {
    try {
      simulated.card.reset();
      const doc = await readDocument(transport, key, { signal: stop.signal, extendedLength: true });
      const s = doc.stats;
      process.stdout.write(
        `#${n} ${new Date().toISOString()} chip read (${doc.accessProtocol}): ${doc.dg13?.fullName ?? '?'}, ${doc.dg13?.idNumber ?? '?'}, ` +
          `photo ${doc.dg2?.images[0]?.data.length ?? 0} B — ${s.apdus} APDUs in ${s.durationMs.toFixed(0)} ms; face step: not available yet\n`,
      );
    } catch (error) {
      if (isXacminhError(error, 'CANCELLED')) break;
      process.stdout.write(`#${n} read failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    if (n < count) await sleep(intervalMs, stop.signal);
  }
  process.stdout.write('xacminh: stopped.\n');
  return 0;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
