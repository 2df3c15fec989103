/**
 * The simulated reader: a virtual CCCD laid on it on demand (the demo does it every few seconds; tests
 * do it when they want), lifted off again by lift() or when the session releases it.
 */
import { InProcessTransport } from '../../drivers/sim/in-process-transport.ts';
import type { SimulatedCccd } from '../../drivers/sim/make-card.ts';
import { BaseCardPort, removalSignal, type CardHandle } from './card-port.ts';

export class SimulatedCardPort extends BaseCardPort {
  readonly readerName = 'Simulated reader 00 00';
  private current: { transport: InProcessTransport; fire: () => void } | undefined;

  async start(): Promise<void> {
    this.emit('ready');
  }

  async stop(): Promise<void> {
    this.lift();
  }

  get occupied(): boolean {
    return this.current !== undefined;
  }

  /** Lays a card on the reader; a card already there is lifted first, as a hand would. */
  place(simulated: SimulatedCccd): CardHandle {
    this.lift();
    simulated.card.reset();
    const transport = new InProcessTransport(simulated.card);
    const removal = removalSignal();
    this.current = { transport, fire: removal.fire };
    const handle: CardHandle = {
      transport,
      readerName: this.readerName,
      removed: removal.signal,
      release: async () => {
        if (this.current?.transport === transport) this.lift();
      },
    };
    this.emit('card', handle);
    return handle;
  }

  lift(): void {
    const current = this.current;
    if (!current) return;
    this.current = undefined;
    current.transport.remove();
    current.fire();
  }
}
