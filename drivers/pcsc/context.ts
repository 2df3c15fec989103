/**
 * PC/SC through pcscd: which readers are plugged in, which hold a card, and connections to them.
 *
 * Binding: @pokusew/pcsclite rather than `pcsclite`. Both wrap libpcsclite with the same callback API (the
 * former is a fork of the latter). The fork is what the Node NFC ecosystem builds on (nfc-pcsc depends on
 * it, so its bugs get found on ACR122U-class readers first), it ships TypeScript declarations, and it
 * builds here on Node 20 against Debian's libpcsclite-dev. Everything it does stays behind this file and
 * transport.ts, so a switch would stay local.
 */
import { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import { XacminhError } from '../errors.ts';
import { pcscError } from './errors.ts';
import { loadPcsclite, type CardReader, type PcscLite } from './pcsclite-types.ts';
import { PcscTransport } from './transport.ts';

export interface PcscReaderInfo {
  name: string;
  cardPresent: boolean;
  atr?: Uint8Array;
}

interface ReaderEntry extends PcscReaderInfo {
  reader: CardReader;
  transports: Set<PcscTransport>;
}

export interface WaitOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

type ReaderFilter = string | RegExp | undefined;

export interface PcscContextEvents {
  'reader-added': [name: string];
  'reader-removed': [name: string];
  'card-inserted': [name: string, atr: Uint8Array];
  'card-removed': [name: string];
  error: [error: XacminhError];
}

export class PcscContext extends EventEmitter<PcscContextEvents> {
  private readonly entries = new Map<string, ReaderEntry>();
  private failure: XacminhError | undefined;
  private closed = false;

  private constructor(private readonly pcsc: PcscLite) {
    super();
    pcsc.on('reader', (reader: CardReader) => this.addReader(reader));
    pcsc.on('error', (error: unknown) => this.fail(pcscError(error, 'PC/SC')));
  }

  /** Opens a PC/SC context; PCSC_UNAVAILABLE at once when pcscd is not listening. */
  static async open(): Promise<PcscContext> {
    // libpcsclite spins on the calling thread when pcscd is absent: check its socket first.
    await assertPcscdListening();
    let factory: ReturnType<typeof loadPcsclite>;
    try {
      factory = loadPcsclite();
    } catch (error) {
      throw new XacminhError('PCSC_UNAVAILABLE', 'The PC/SC binding is not built: run `npm ci` with libpcsclite-dev installed', {}, { cause: error });
    }
    return new PcscContext(factory());
  }

  readers(): PcscReaderInfo[] {
    return [...this.entries.values()].map(({ name, cardPresent, atr }) => (atr ? { name, cardPresent, atr } : { name, cardPresent }));
  }

  waitForReader(filter?: ReaderFilter, options: WaitOptions = {}): Promise<string> {
    return this.waitFor(
      () => this.match(filter)[0]?.name,
      options,
      () => new XacminhError('NO_READER', filter ? `No reader matching "${String(filter)}" (readers: ${this.names()})` : 'No card reader is connected', { readers: this.names() }),
    );
  }

  waitForCard(filter?: ReaderFilter, options: WaitOptions = {}): Promise<{ reader: string; atr: Uint8Array }> {
    return this.waitFor(
      () => {
        const entry = this.match(filter).find((e) => e.cardPresent);
        return entry && { reader: entry.name, atr: entry.atr ?? new Uint8Array(0) };
      },
      options,
      () => (this.match(filter).length === 0 ? new XacminhError('NO_READER', `No card reader${filter ? ` matching "${String(filter)}"` : ''} is connected`) : new XacminhError('NO_CARD', 'No card was put on the reader')),
    );
  }

  async connect(name: string, options: { shareMode?: 'shared' | 'exclusive'; timeoutMs?: number } = {}): Promise<PcscTransport> {
    const entry = this.entries.get(name);
    if (!entry) throw new XacminhError('NO_READER', `Reader "${name}" is not connected`);
    if (!entry.cardPresent) throw new XacminhError('NO_CARD', `There is no card on "${name}"`);
    const reader = entry.reader;
    const shareMode = options.shareMode === 'exclusive' ? reader.SCARD_SHARE_EXCLUSIVE : reader.SCARD_SHARE_SHARED;
    const protocol = await new Promise<number>((resolve, reject) => {
      try {
        reader.connect({ share_mode: shareMode }, (err, p) => (err ? reject(pcscError(err, `connecting to ${name}`)) : resolve(p)));
      } catch (error) {
        reject(pcscError(error, `connecting to ${name}`));
      }
    });
    const transport = new PcscTransport(reader, protocol, entry.atr ?? new Uint8Array(0), options.timeoutMs);
    entry.transports.add(transport);
    return transport;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const entry of this.entries.values()) {
      try {
        entry.reader.close();
      } catch {
        // already gone
      }
    }
    this.entries.clear();
    try {
      this.pcsc.close();
    } catch {
      // already closed
    }
  }

  private addReader(reader: CardReader): void {
    const entry: ReaderEntry = { name: reader.name, cardPresent: false, reader, transports: new Set() };
    this.entries.set(reader.name, entry);
    this.emit('reader-added', reader.name);
    reader.on('error', (error: unknown) => this.emitError(pcscError(error, `reader ${reader.name}`)));
    reader.on('end', () => {
      this.entries.delete(reader.name);
      for (const t of entry.transports) t.markRemoved();
      this.emit('reader-removed', reader.name);
    });
    reader.on('status', (status: { state: number; atr?: Buffer }) => {
      const present = (status.state & reader.SCARD_STATE_PRESENT) !== 0 && (status.state & reader.SCARD_STATE_MUTE) === 0;
      if (present && !entry.cardPresent) {
        entry.cardPresent = true;
        entry.atr = status.atr ? new Uint8Array(status.atr) : new Uint8Array(0);
        this.emit('card-inserted', reader.name, entry.atr);
      } else if (!present && entry.cardPresent) {
        entry.cardPresent = false;
        delete entry.atr;
        for (const t of entry.transports) t.markRemoved();
        entry.transports.clear();
        this.emit('card-removed', reader.name);
      }
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

  private fail(error: XacminhError): void {
    this.failure = error;
    this.emitError(error);
  }

  private emitError(error: XacminhError): void {
    // Only re-emit when someone listens: an unhandled 'error' event would crash the agent.
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  /** Resolves when `probe` finds something, re-checking on every reader or card event. */
  private waitFor<T>(probe: () => T | undefined, options: WaitOptions, onTimeout: () => XacminhError): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const events = ['reader-added', 'card-inserted', 'card-removed', 'reader-removed'] as const;
      const check = () => {
        if (this.failure) return done(this.failure);
        const found = probe();
        if (found !== undefined) done(undefined, found);
      };
      const onAbort = () => done(new XacminhError('CANCELLED', 'Operation cancelled'));
      const timer = setTimeout(() => done(onTimeout()), options.timeoutMs ?? 10_000);
      const poll = setInterval(check, 100); // pcsclite reports errors and first status asynchronously
      const done = (error: XacminhError | undefined, value?: T) => {
        clearTimeout(timer);
        clearInterval(poll);
        for (const e of events) this.off(e, check);
        options.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(value as T);
      };
      for (const e of events) this.on(e, check);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.signal?.aborted) return onAbort();
      check();
    });
  }
}

/** pcscd's client socket (libpcsclite honours PCSCLITE_CSOCK_NAME too). */
export function pcscdSocketPath(): string {
  return process.env.PCSCLITE_CSOCK_NAME ?? '/run/pcscd/pcscd.comm';
}

function assertPcscdListening(): Promise<void> {
  const path = pcscdSocketPath();
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const fail = () => {
      socket.destroy();
      reject(new XacminhError('PCSC_UNAVAILABLE', `pcscd is not running (no ${path}): start it with \`systemctl start pcscd\` or \`pcscd\``, { socket: path }));
    };
    socket.setTimeout(2000, fail);
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
  });
}
