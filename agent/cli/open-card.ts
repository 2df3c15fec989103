/**
 * Where the card comes from: a real PC/SC reader, or the virtual CCCD either in process or attached to
 * pcscd through vpcd (so the whole PC/SC path runs without hardware).
 */
import type { ApduTransport } from '../../drivers/apdu.ts';
import { PcscContext } from '../../drivers/pcsc/context.ts';
import { InProcessTransport } from '../../drivers/sim/in-process-transport.ts';
import { makeCardWithFault, type CardFault } from '../../drivers/sim/card-faults.ts';
import type { SimulatedCccd } from '../../drivers/sim/make-card.ts';
import { VpcdBridge } from '../../drivers/sim/vpcd.ts';
import { ensurePcscdWithVpcd } from '../../drivers/sim/pcscd-harness.ts';

export type CardSourceKind = 'reader' | 'sim' | 'sim-pcscd';

export interface OpenedCard {
  transport: ApduTransport;
  description: string;
  simulated?: SimulatedCccd;
  close(): Promise<void>;
}

export async function openCard(kind: CardSourceKind, options: { reader?: string; waitMs?: number; fault?: CardFault }): Promise<OpenedCard> {
  if (kind === 'sim') {
    const simulated = await makeCardWithFault(options.fault);
    return { transport: new InProcessTransport(simulated.card), description: 'virtual CCCD (in process)', simulated, close: async () => {} };
  }
  if (kind === 'sim-pcscd') {
    const simulated = await makeCardWithFault(options.fault);
    const harness = await ensurePcscdWithVpcd();
    const bridge = new VpcdBridge(simulated.card, { port: harness.port });
    await bridge.insert();
    const opened = await openReader(harness.readerName, options.waitMs ?? 5000);
    return {
      ...opened,
      description: `virtual CCCD through pcscd (${harness.readerName})`,
      simulated,
      close: async () => {
        await opened.close();
        await bridge.remove();
        await harness.stop();
      },
    };
  }
  return openReader(options.reader, options.waitMs ?? 15000);
}

async function openReader(reader: string | undefined, waitMs: number): Promise<OpenedCard> {
  const context = await PcscContext.open();
  try {
    const readerName = await context.waitForReader(reader, { timeoutMs: Math.min(waitMs, 5000) });
    const { reader: withCard } = await context.waitForCard(readerName, { timeoutMs: waitMs });
    const transport = await context.connect(withCard);
    return {
      transport,
      description: `reader "${withCard}"`,
      close: async () => {
        await transport.disconnect().catch(() => undefined);
        context.close();
      },
    };
  } catch (error) {
    context.close();
    throw error;
  }
}
