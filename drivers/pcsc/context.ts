/**
 * PC/SC through pcscd: which readers are plugged in, which hold a card, and connections to them.
 *
 * Binding: @pokusew/pcsclite (0.6.0, github.com/pokusew/node-pcsclite) rather than `pcsclite` (1.0.1,
 * github.com/santigimeno/node-pcsclite). Both are nan addons over libpcsclite with the same callback API,
 * the former a fork of the latter by the author of nfc-pcsc, which depends on it. We use the fork because
 * its npm package carries a repository link and TypeScript declarations (the `pcsclite` package metadata
 * has neither), it is the one the Node NFC reader ecosystem exercises, and it builds here on Node 20
 * against Debian's libpcsclite-dev. Everything binding-specific stays in this folder, so a switch is local.
 *
 * Two binding behaviours shape this file: its context constructor retries SCardEstablishContext in a
 * loop while pcscd is absent (blocking the event loop), so open() probes pcscd's socket first; and a
 * reader closed before its status thread has started leaks a libuv handle (the process never exits), so
 * open() waits for the first reader list and statuses, and close() defers a reader until it has spoken.
 */
import { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import { XacminhError } from '../errors.ts';
import { PCSCD_NOT_RUNNING, pcscError } from './errors.ts';
import { loadPcsclite, type CardReader, type PcscLite } from './pcsclite-types.ts';
import { nativeModuleError } from '../native-module.ts';
import { PcscTransport } from './transport.ts';

export interface PcscReaderInfo {
  name: string;
  cardPresent: boolean;
  atr?: Uint8Array;
}

/** pino-compatible: (fields, message). */
export interface PcscLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface WaitOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ConnectOptions {
  shareMode?: 'shared' | 'exclusive';
  /** Per-APDU timeout of the returned transport, and the limit for the connection itself. */
  timeoutMs?: number;
}

export interface OpenOptions {
  logger?: PcscLogger;
  /** How long open() waits for the first reader list and statuses (default 2 s). */
  readyTimeoutMs?: number;
}

type ReaderFilter = string | RegExp | undefined;

interface ReaderEntry extends PcscReaderInfo {
  reader: CardReader;
  statusSeen: boolean;
  transport?: PcscTransport;
}

export interface PcscContextEvents {
  'reader-added': [name: string];
  'reader-removed': [name: string];
  'card-inserted': [name: string, atr: Uint8Array];
  'card-removed': [name: string];
  error: [error: XacminhError];
}

const DEFAULT_WAIT_MS = 10_000;

export class PcscContext extends EventEmitter<PcscContextEvents> {
  private readonly entries = new Map<string, ReaderEntry>();
  private failure: XacminhError | undefined;
  private closed = false;
  private listed = false;
  private bindingClosed = false;
  /** Pending waitFor checks, re-run on every state change. */
  private readonly waiters = new Set<() => void>();
  private readonly logger: PcscLogger | undefined;

  private constructor(
    private readonly pcsc: PcscLite,
    options: OpenOptions,
  ) {
    super();
    this.logger = options.logger;
    // The library calls start() on the next tick; wrapping it is how we learn the first reader list arrived.
    const start = pcsc.start;
    if (typeof start === 'function') {
      pcsc.start = (callback) =>
        start.call(pcsc, (err, readers) => {
          try {
            callback(err, readers);
          } finally {
            const first = !this.listed;
            this.listed = true;
            // close() came before the monitor thread started: closing then would have left it running.
            if (first && this.closed) setImmediate(() => this.closeBinding());
          }
        });
    } else {
      this.listed = true;
    }
    pcsc.on('reader', (reader: CardReader) => this.guard('reader', () => this.addReader(reader)));
    pcsc.on('error', (error: unknown) => this.guard('error', () => this.fail(pcscError(error, 'PC/SC'))));
  }

  /**
   * Opens a PC/SC context once pcscd answers, and resolves when the readers and their card states are
   * known. PCSC_UNAVAILABLE at once when pcscd is not listening. Async because probing the socket is.
   */
  static async open(options: OpenOptions = {}): Promise<PcscContext> {
    await assertPcscdListening();
    let factory: () => PcscLite;
    try {
      factory = loadPcsclite();
    } catch (error) {
      throw pcscBindingError(error);
    }
    let binding: PcscLite;
    try {
      binding = factory();
    } catch (error) {
      throw pcscError(error, 'opening PC/SC');
    }
    const context = new PcscContext(binding, options);
    await context.ready(options.readyTimeoutMs ?? 2000);
    return context;
  }

  /** For tests: a context over a given binding object (a fake, or an already created pcsclite). */
  static fromBinding(binding: PcscLite, options: OpenOptions = {}): PcscContext {
    return new PcscContext(binding, options);
  }

  readers(): PcscReaderInfo[] {
    return [...this.entries.values()].map(({ name, cardPresent, atr }) => (atr ? { name, cardPresent, atr } : { name, cardPresent }));
  }

  waitForReader(filter?: ReaderFilter, options: WaitOptions = {}): Promise<string> {
    return this.waitFor(
      () => this.match(filter)[0]?.name,
      options,
      () =>
        new XacminhError('NO_READER', filter ? `No reader matching "${String(filter)}" (readers: ${this.names()})` : 'No card reader is connected', {
          filter: filter === undefined ? undefined : String(filter),
          readers: this.names(),
        }),
    );
  }

  waitForCard(filter?: ReaderFilter, options: WaitOptions = {}): Promise<{ reader: string; atr: Uint8Array }> {
    return this.waitFor(
      () => {
        const entry = this.match(filter).find((e) => e.cardPresent);
        return entry && { reader: entry.name, atr: entry.atr ?? new Uint8Array(0) };
      },
      options,
      () => {
        const evidence = { filter: filter === undefined ? undefined : String(filter), readers: this.names() };
        return this.match(filter).length === 0
          ? new XacminhError('NO_READER', `No card reader${filter ? ` matching "${String(filter)}"` : ''} is connected`, evidence)
          : new XacminhError('NO_CARD', 'No card was put on the reader', evidence);
      },
    );
  }

  async connect(name: string, options: ConnectOptions = {}): Promise<PcscTransport> {
    this.assertUsable();
    const entry = this.entries.get(name);
    if (!entry) throw new XacminhError('NO_READER', `Reader "${name}" is not connected`, { reader: name, readers: this.names() });
    if (!entry.cardPresent) throw new XacminhError('NO_CARD', `There is no card on "${name}"`, { reader: name });
    if (entry.transport?.connected) {
      // The binding keeps one card handle per reader object: a second one in this process would share it.
      throw new XacminhError('READER_BUSY', `"${name}" is already connected in this process: disconnect first`, { reader: name });
    }
    const reader = entry.reader;
    if (reader.connected) await this.dropStaleHandle(reader);
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    const protocol = await new Promise<number>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new XacminhError('TIMEOUT', `Connecting to the card on "${name}" took over ${timeoutMs} ms`, { reader: name }));
      }, timeoutMs);
      try {
        reader.connect({ share_mode: options.shareMode === 'exclusive' ? reader.SCARD_SHARE_EXCLUSIVE : reader.SCARD_SHARE_SHARED, protocol: reader.SCARD_PROTOCOL_T0 | reader.SCARD_PROTOCOL_T1 }, (err, p) => {
          clearTimeout(timer);
          if (settled) {
            // Too late: nobody holds this connection, release it.
            if (!err) this.guard('late connect', () => reader.disconnect(reader.SCARD_LEAVE_CARD, () => undefined));
            return;
          }
          settled = true;
          if (err) reject(pcscError(err, `connecting to ${name}`));
          else if (typeof p !== 'number') reject(new XacminhError('CARD_ERROR', `Connecting to ${name} gave no protocol`, { reader: name }));
          else resolve(p);
        });
      } catch (error) {
        clearTimeout(timer);
        settled = true;
        reject(pcscError(error, `connecting to ${name}`));
      }
    });
    const transport: PcscTransport = new PcscTransport(reader, protocol, entry.atr ?? new Uint8Array(0), {
      timeoutMs,
      onDisconnect: () => {
        if (entry.transport === transport) delete entry.transport;
      },
    });
    entry.transport = transport;
    this.logger?.debug({ reader: name, protocol, shareMode: options.shareMode ?? 'shared' }, 'pcsc: connected');
    return transport;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const entry of entries) {
      entry.transport?.markRemoved();
      if (entry.reader.connected) this.guard('disconnect on close', () => entry.reader.disconnect(entry.reader.SCARD_LEAVE_CARD, () => undefined));
    }
    // Never from inside a binding callback (close() may be called from a card-inserted listener): a
    // reader's close() takes the lock its status callback holds, and would deadlock.
    setImmediate(() => {
      for (const entry of entries) this.closeReader(entry);
      if (this.listed) this.closeBinding();
    });
    this.notify();
  }

  private closeBinding(): void {
    if (this.bindingClosed) return;
    this.bindingClosed = true;
    this.guard('close', () => this.pcsc.close());
  }

  /** Resolves when the first reader list arrived and every listed reader reported its state (bounded). */
  private async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.failure) {
        this.close();
        throw this.failure;
      }
      if (this.listed && [...this.entries.values()].every((e) => e.statusSeen)) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.logger?.warn({ timeoutMs }, 'pcsc: readers did not all report their state in time');
  }

  private addReader(reader: CardReader): void {
    const name = reader.name;
    const entry: ReaderEntry = { name, cardPresent: false, reader, statusSeen: false };
    if (this.closed) {
      // Listed after close(): release it as soon as its thread runs, and say nothing.
      reader.on('error', () => undefined);
      reader.on('status', () => (entry.statusSeen = true));
      return this.closeReader(entry);
    }
    this.entries.set(name, entry);
    reader.on('error', (error: unknown) => this.guard('reader error', () => this.emitError(pcscError(error, `reader ${name}`))));
    reader.on('end', () => this.guard('reader end', () => this.removeReader(entry)));
    reader.on('status', (status: { state: number; atr?: Buffer }) => this.guard('status', () => this.onStatus(entry, status)));
    this.logger?.debug({ reader: name }, 'pcsc: reader added');
    this.safeEmit('reader-added', name);
    this.notify();
  }

  private onStatus(entry: ReaderEntry, status: { state: number; atr?: Buffer }): void {
    entry.statusSeen = true;
    if (this.closed) return;
    const { reader } = entry;
    const present = (status.state & reader.SCARD_STATE_PRESENT) !== 0 && (status.state & reader.SCARD_STATE_MUTE) === 0;
    if (present) {
      const atr = status.atr ? new Uint8Array(status.atr) : new Uint8Array(0);
      const wasPresent = entry.cardPresent;
      entry.cardPresent = true;
      entry.atr = atr;
      if (!wasPresent) {
        this.logger?.debug({ reader: entry.name, atr: Buffer.from(atr).toString('hex') }, 'pcsc: card inserted');
        this.safeEmit('card-inserted', entry.name, atr);
      }
    } else if (entry.cardPresent) {
      entry.cardPresent = false;
      delete entry.atr;
      entry.transport?.markRemoved();
      this.logger?.debug({ reader: entry.name }, 'pcsc: card removed');
      this.safeEmit('card-removed', entry.name);
    }
    this.notify();
  }

  private removeReader(entry: ReaderEntry): void {
    if (this.entries.get(entry.name) !== entry) return;
    this.entries.delete(entry.name);
    entry.transport?.markRemoved();
    if (this.closed) return;
    if (entry.cardPresent) this.safeEmit('card-removed', entry.name);
    this.logger?.debug({ reader: entry.name }, 'pcsc: reader removed');
    this.safeEmit('reader-removed', entry.name);
    this.notify();
  }

  /** After a removal the binding still thinks it is connected and would hand back the dead handle. */
  private async dropStaleHandle(reader: CardReader): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      try {
        reader.disconnect(reader.SCARD_LEAVE_CARD, () => {
          clearTimeout(timer);
          resolve();
        });
      } catch {
        clearTimeout(timer);
        resolve();
      }
    });
    // pcscd may refuse to disconnect a handle whose card is gone; the handle is dead either way.
    reader.connected = false;
  }

  private closeReader(entry: ReaderEntry): void {
    const close = () => this.guard('reader close', () => entry.reader.close());
    if (entry.statusSeen) return close();
    const closeSoon = () => setImmediate(close); // not inside the status callback: see close()
    // Closing before the status thread has started leaks its handle: wait for its first word.
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      closeSoon();
    };
    const timer = setTimeout(once, 2000);
    timer.unref();
    entry.reader.once('status', once);
    entry.reader.once('end', () => {
      done = true;
      clearTimeout(timer);
    });
  }

  private match(filter: ReaderFilter): ReaderEntry[] {
    const all = [...this.entries.values()];
    if (filter === undefined) return all;
    return all.filter((e) => (typeof filter === 'string' ? e.name === filter || e.name.includes(filter) : filter.test(e.name)));
  }

  private names(): string {
    return [...this.entries.keys()].join(', ') || 'none';
  }

  private assertUsable(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new XacminhError('CANCELLED', 'The PC/SC context is closed');
  }

  private fail(error: XacminhError): void {
    if (this.closed) return; // closing cancels the binding's wait, which it reports as an error
    this.failure = error;
    for (const entry of this.entries.values()) entry.transport?.markRemoved();
    this.logger?.warn({ code: error.code, message: error.message }, 'pcsc: context failed');
    this.emitError(error);
    this.notify();
  }

  private notify(): void {
    for (const check of [...this.waiters]) check();
  }

  private emitError(error: XacminhError): void {
    if (this.closed) return;
    // Only re-emit when someone listens: an unhandled 'error' event would crash the agent.
    if (this.listenerCount('error') > 0) this.safeEmit('error', error);
    else this.logger?.warn({ code: error.code, message: error.message }, 'pcsc: error');
  }

  private safeEmit<K extends keyof PcscContextEvents>(event: K, ...args: PcscContextEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: PcscContextEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      // A listener threw inside a native callback: report it rather than crash the process.
      this.logger?.warn({ event, error: String(error) }, 'pcsc: an event listener threw');
    }
  }

  /** Runs code called from the binding's native callbacks, where a throw would be uncaught. */
  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.logger?.warn({ what, error: String(error) }, 'pcsc: binding callback failed');
    }
  }

  /** Resolves when `probe` finds something, re-checked on every reader or card change. */
  private waitFor<T>(probe: () => T | undefined, options: WaitOptions, onTimeout: () => XacminhError): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        if (this.failure) return done(this.failure);
        if (this.closed) return done(new XacminhError('CANCELLED', 'The PC/SC context was closed'));
        let found: T | undefined;
        try {
          found = probe();
        } catch (error) {
          return done(pcscError(error, 'waiting for a reader'));
        }
        if (found !== undefined) done(undefined, found);
      };
      const onAbort = () => done(new XacminhError('CANCELLED', 'Operation cancelled'));
      const timer = setTimeout(() => done(onTimeout()), options.timeoutMs ?? DEFAULT_WAIT_MS);
      const done = (error: XacminhError | undefined, value?: T) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        options.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(value as T);
      };
      this.waiters.add(check);
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      check();
    });
  }
}

/** pcscd's client socket (libpcsclite honours PCSCLITE_CSOCK_NAME too). */
export function pcscdSocketPath(): string {
  return process.env.PCSCLITE_CSOCK_NAME ?? '/run/pcscd/pcscd.comm';
}

/** Whether something accepts connections on pcscd's socket (a leftover socket file does not count). */
export function pcscdReachable(timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(pcscdSocketPath());
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => finish(true));
  });
}

async function assertPcscdListening(): Promise<void> {
  if (!(await pcscdReachable())) {
    throw new XacminhError('PCSC_UNAVAILABLE', `${PCSCD_NOT_RUNNING} (nothing listens on ${pcscdSocketPath()})`, { socket: pcscdSocketPath() });
  }
}

/** The reader binding did not load: built for another Node.js (NATIVE_MODULE, says how to rebuild) or never built. */
export function pcscBindingError(error: unknown): XacminhError {
  return (
    nativeModuleError(error, '@pokusew/pcsclite') ??
    new XacminhError('PCSC_UNAVAILABLE', 'The PC/SC binding is not built: run `npm ci` with libpcsclite-dev installed', {}, { cause: error })
  );
}
