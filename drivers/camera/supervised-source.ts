/**
 * The supervisor every live source shares (child processes and HTTP streams alike): runs one session at a
 * time, watches that frames keep coming, and on death or stall reports a typed fault and starts a new
 * session after a capped, jittered exponential backoff. Frames go through a bounded mailbox.
 */
import { XacminhError } from '../errors.ts';
import { Backoff, type BackoffOptions } from '../backoff.ts';
import { FrameSourceBase } from './frame-source-base.ts';
import { monotonicNow } from './types.ts';

/** What a session reports to the supervisor. Calls from a session the supervisor has abandoned are ignored. */
export interface SessionSink {
  frame(jpeg: Uint8Array, width: number, height: number): void;
  /** A frame was lost (corrupt, too large); the session goes on. */
  badFrame(error: XacminhError): void;
  /** The session is over: no error = the stream ended normally (a finite source is done). */
  ended(error?: XacminhError): void;
}

export interface Session {
  /** The child process, for sessions that run one. */
  readonly pid?: number;
  /** Ends the session and resolves once its resources are released (the child reaped, the socket closed). */
  close(): Promise<void>;
}

export interface SupervisorOptions {
  /** Frames kept for a lagging consumer (1 = only the newest). */
  bufferFrames?: number;
  /** No frame for this long → CAMERA_STALLED and a restart. */
  stallTimeoutMs?: number;
  /** Allowance for the first frame of a session (camera warm-up). */
  startupTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** After this many consecutive failed restarts the source gives up and the iterator throws. */
  maxRestarts?: number;
  /** A session that ran this long with frames counts as healthy: the backoff starts over. */
  healthyAfterMs?: number;
  /** When a session ends without error, end the stream (a file) instead of restarting (a camera). */
  finite?: boolean;
  /** Name used in errors and evidence. */
  name?: string;
}

export interface SupervisedStats {
  received: number;
  dropped: number;
  restarts: number;
  badFrames: number;
}

export abstract class SupervisedSource extends FrameSourceBase {
  private readonly backoff: Backoff;
  private readonly opts: Required<Omit<SupervisorOptions, 'backoff'>>;
  private readonly counters: SupervisedStats = { received: 0, dropped: 0, restarts: 0, badFrames: 0 };
  private readonly closing = new Set<Promise<void>>();
  private session: Session | undefined;
  private generation = 0;
  private running = false;
  private sessionStartedAt = 0;
  private lastFrameAt = 0;
  private sessionFrames = 0;
  private failuresInRow = 0;
  private sequence = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;

  protected constructor(options: SupervisorOptions = {}) {
    super(options.bufferFrames ?? 1);
    this.opts = {
      bufferFrames: options.bufferFrames ?? 1,
      stallTimeoutMs: options.stallTimeoutMs ?? 5_000,
      startupTimeoutMs: options.startupTimeoutMs ?? Math.max(10_000, options.stallTimeoutMs ?? 0),
      maxRestarts: options.maxRestarts ?? Infinity,
      healthyAfterMs: options.healthyAfterMs ?? 30_000,
      finite: options.finite ?? false,
      name: options.name ?? 'camera',
    };
    this.backoff = new Backoff(options.backoff);
  }

  /** Starts one session of the underlying camera. */
  protected abstract open(sink: SessionSink): Session;

  get stats(): Readonly<SupervisedStats> {
    return { ...this.counters, dropped: this.mailbox.dropped };
  }

  /** Frames waiting for the consumer right now (never above bufferFrames). */
  get buffered(): number {
    return this.mailbox.size;
  }

  protected get currentSession(): Session | undefined {
    return this.session;
  }

  get name(): string {
    return this.opts.name;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.failuresInRow = 0;
    this.backoff.reset();
    this.mailbox.reopen();
    this.launch();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.restartTimer);
    clearInterval(this.watchdog);
    this.abandonSession();
    await Promise.all([...this.closing]);
    this.mailbox.close();
  }

  private launch(): void {
    const generation = ++this.generation;
    const live = () => this.running && generation === this.generation;
    this.sessionStartedAt = monotonicNow();
    this.lastFrameAt = 0;
    this.sessionFrames = 0;
    const sink: SessionSink = {
      frame: (jpeg, width, height) => {
        if (!live()) return;
        this.lastFrameAt = monotonicNow();
        this.sessionFrames++;
        this.counters.received++;
        this.mailbox.push({ jpeg, width, height, timestamp: this.lastFrameAt, sequence: ++this.sequence });
      },
      badFrame: (error) => {
        if (!live()) return;
        this.counters.badFrames++;
        this.emit('badFrame', error);
      },
      ended: (error) => {
        if (!live()) return;
        this.session = undefined;
        this.generation++;
        clearInterval(this.watchdog);
        if (!error && this.opts.finite) {
          this.running = false;
          this.mailbox.close();
          return;
        }
        this.failed(
          error ??
            new XacminhError('CAMERA_UNAVAILABLE', `${this.opts.name}: the stream ended`, {
              source: this.opts.name,
              reason: 'ended',
            }),
        );
      },
    };
    try {
      this.session = this.open(sink);
    } catch (error) {
      this.session = undefined;
      this.failed(
        error instanceof XacminhError
          ? error
          : new XacminhError('CAMERA_UNAVAILABLE', `${this.opts.name}: cannot start`, { source: this.opts.name }, { cause: error }),
      );
      return;
    }
    const tick = Math.max(20, Math.min(500, this.opts.stallTimeoutMs / 4));
    clearInterval(this.watchdog);
    this.watchdog = setInterval(() => this.checkStall(generation), tick);
  }

  private checkStall(generation: number): void {
    if (!this.running || generation !== this.generation) return;
    const now = monotonicNow();
    const idle = this.lastFrameAt ? now - this.lastFrameAt : now - this.sessionStartedAt;
    const limit = this.lastFrameAt ? this.opts.stallTimeoutMs : this.opts.startupTimeoutMs;
    if (idle < limit) return;
    clearInterval(this.watchdog);
    this.abandonSession();
    this.failed(
      new XacminhError('CAMERA_STALLED', `${this.opts.name}: no frame for ${Math.round(idle)} ms`, {
        source: this.opts.name,
        reason: 'stalled',
        idleMs: Math.round(idle),
        framesThisSession: this.sessionFrames,
      }),
    );
  }

  private abandonSession(): void {
    this.generation++;
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    const done = session
      .close()
      .catch(() => {})
      .finally(() => this.closing.delete(done));
    this.closing.add(done);
  }

  private failed(error: XacminhError): void {
    this.emit('fault', error);
    if (!this.running) return;
    const healthy = this.sessionFrames > 0 && monotonicNow() - this.sessionStartedAt >= this.opts.healthyAfterMs;
    if (healthy) {
      this.backoff.reset();
      this.failuresInRow = 0;
    }
    if (this.failuresInRow >= this.opts.maxRestarts) {
      this.running = false;
      this.mailbox.fail(error);
      return;
    }
    this.failuresInRow++;
    const delayMs = this.backoff.next();
    this.emit('restart', { attempt: this.failuresInRow, delayMs, cause: error });
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (!this.running) return;
      this.counters.restarts++;
      this.launch();
    }, delayMs);
  }
}
