/**
 * Cards from a real PC/SC reader (or the virtual card through pcscd + vpcd): each insertion on the chosen
 * reader becomes a CardHandle whose `removed` fires on removal. pcscd missing is a fault with a retry,
 * not a crash: the kiosk shows "offline" until the reader is back.
 */
import { PcscContext } from '../../drivers/pcsc/context.ts';
import { XacminhError, isXacminhError } from '../../drivers/errors.ts';
import { Backoff } from '../../drivers/backoff.ts';
import { BaseCardPort, removalSignal, type CardHandle } from './card-port.ts';

export class PcscCardPort extends BaseCardPort {
  private context: PcscContext | undefined;
  private readonly removals = new Map<string, () => void>();
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly backoff = new Backoff({ initialMs: 1000, maxMs: 30_000 });

  constructor(private readonly readerFilter?: string) {
    super();
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    for (const fire of this.removals.values()) fire();
    this.removals.clear();
    this.context?.close();
    this.context = undefined;
  }

  private async open(): Promise<void> {
    try {
      const context = await PcscContext.open();
      this.context = context;
      context.on('card-inserted', (name) => this.onInserted(name));
      context.on('card-removed', (name) => this.onRemoved(name));
      context.on('reader-removed', (name) => this.onRemoved(name));
      context.on('error', (error) => this.fail(error));
      this.backoff.reset();
      this.emit('ready');
      for (const reader of context.readers()) if (reader.cardPresent) this.onInserted(reader.name);
    } catch (error) {
      this.fail(isXacminhError(error) ? error : new XacminhError('PCSC_UNAVAILABLE', String(error), {}, { cause: error }));
    }
  }

  private fail(error: XacminhError): void {
    this.emit('fault', error);
    this.context?.close();
    this.context = undefined;
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => void this.open(), this.backoff.next());
  }

  private matches(name: string): boolean {
    return !this.readerFilter || name.toLowerCase().includes(this.readerFilter.toLowerCase());
  }

  private onInserted(name: string): void {
    const context = this.context;
    if (!context || !this.matches(name) || this.removals.has(name)) return;
    const removal = removalSignal();
    this.removals.set(name, removal.fire);
    context.connect(name).then(
      (transport) => {
        const handle: CardHandle = {
          transport,
          readerName: name,
          removed: removal.signal,
          release: async () => {
            await transport.disconnect().catch(() => undefined);
          },
        };
        this.emit('card', handle);
      },
      (error: unknown) => {
        this.removals.delete(name);
        this.emit('fault', isXacminhError(error) ? error : new XacminhError('CARD_ERROR', String(error), { reader: name }, { cause: error }));
      },
    );
  }

  private onRemoved(name: string): void {
    this.removals.get(name)?.();
    this.removals.delete(name);
  }
}
