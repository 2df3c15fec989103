/**
 * Supervises the Node-RED child (node-red-child.ts): prepares its userDir in the data dir (per-device
 * credentialSecret, the xacminh nodes, the default flows on first start), forks it with a heap limit, pings
 * it over IPC and kills it when it stops answering (a flow in an endless loop), restarting with backoff.
 * Sends never wait on the child: a stuck runtime costs a verification nothing.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { writeFileAtomicSync } from '../../drivers/atomic-file.ts';
import type { SessionLogger } from '../session/session.ts';
import { fromChildSchema, type FlowSiteSettings, type FlowStatus, type FlowVerification, type FromChild, type ToChild } from './node-red-protocol.ts';

/** What the agent does for the child; each may throw a typed error, which goes back to the flow. */
export interface RuntimeHandlers {
  authenticate(username: string, password: string): Promise<string | null>;
  isTechnician(username: string): Promise<boolean>;
  indicate(command: unknown): Promise<void> | void;
  kiosk(notice: unknown): Promise<void> | void;
  setSite(changes: Record<string, unknown>): Promise<FlowSiteSettings>;
  site(): FlowSiteSettings;
  status(): FlowStatus;
}

export interface NodeRedRuntimeOptions {
  dataDir: string;
  port: number;
  maxOldSpaceMb: number;
  httpNodeEnabled: boolean;
  handlers: RuntimeHandlers;
  log: SessionLogger;
  /** Ping period, and how many unanswered pings mean the runtime is stuck. */
  pingMs?: number;
  missedPings?: number;
  /** Restart delay: doubles after each restart that did not stay up, up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** How long a start may take before the child is killed and started again. */
  startTimeoutMs?: number;
  /** Verifications kept while the runtime is down, sent when it is back (the oldest go first when full). */
  queueLimit?: number;
}

export type RuntimeState = 'stopped' | 'starting' | 'running' | 'restarting';

/** The flows/ package (the xacminh nodes and the default flows). */
export const FLOWS_PACKAGE_DIR = fileURLToPath(new URL('../../flows/', import.meta.url));
const PACKAGE_NAME = 'node-red-contrib-xacminh';
/** A runtime that stayed up this long is healthy again: the next restart starts from the shortest delay. */
const STABLE_MS = 60_000;
const MAX_IN_FLIGHT = 200;

export function nodeRedPaths(dataDir: string) {
  const userDir = join(resolve(dataDir), 'node-red');
  return {
    userDir,
    flowFile: join(userDir, 'flows.json'),
    credentialSecret: join(userDir, 'credential-secret'),
    webhookSecret: join(userDir, 'webhook-secret'),
    packageLink: join(userDir, 'node_modules', PACKAGE_NAME),
  };
}

/** What the runtime's environment keeps of the agent's: a flow reads the environment (env.get in a function node). */
const ENV_KEPT = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'NODE_EXTRA_CA_CERTS', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY'] as const;

/** The agent's environment minus everything a flow has no business reading (systemd's sockets, credentials, tokens). */
export function childEnv(env: NodeJS.ProcessEnv, userDir: string): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = { HOME: userDir, NODE_ENV: 'production' };
  for (const key of ENV_KEPT) if (env[key] !== undefined) kept[key] = env[key];
  return kept;
}

/** Emits 'ready' (url), 'exit' ({ code, signal }), 'stuck', 'restart' (n). */
export class NodeRedRuntime extends EventEmitter {
  state: RuntimeState = 'stopped';
  url: string | undefined;
  restarts = 0;
  /** Verifications not handed to the runtime (the queue overflowed, or too many sends were in flight). */
  dropped = 0;
  private child: ChildProcess | undefined;
  private token = '';
  private failures = 0;
  private startedAt = 0;
  private lastPong = 0;
  private seq = 0;
  private inFlight = 0;
  private pingTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly queue: FlowVerification[] = [];
  private stopping = false;

  constructor(private readonly options: NodeRedRuntimeOptions) {
    super();
  }

  /** The runtime's process id while one runs. */
  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  get paths() {
    return nodeRedPaths(this.options.dataDir);
  }

  /** Prepares the userDir and forks the child; does not wait for Node-RED (see whenReady). */
  start(): void {
    this.stopping = false;
    this.prepare();
    this.spawn();
  }

  /** Resolves with the editor's URL once the runtime is up; rejects after `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<string> {
    if (this.state === 'running' && this.url) return Promise.resolve(this.url);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('ready', onReady);
        reject(new Error(`Node-RED did not start within ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = (url: string) => {
        clearTimeout(timer);
        resolve(url);
      };
      this.once('ready', onReady);
    });
  }

  deliver(verification: FlowVerification): void {
    if (this.state !== 'running') {
      this.queue.push(verification);
      if (this.queue.length > (this.options.queueLimit ?? 100)) {
        this.queue.shift();
        this.dropped++;
      }
      return;
    }
    this.send({ type: 'verification', verification }, true);
  }

  pushStatus(status: FlowStatus): void {
    if (this.state === 'running') this.send({ type: 'status', status }, false);
  }

  pushSite(site: FlowSiteSettings): void {
    if (this.state === 'running') this.send({ type: 'site', site }, false);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.pingTimer);
    clearTimeout(this.restartTimer);
    const child = this.child;
    this.state = 'stopped';
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  private prepare(): void {
    const paths = this.paths;
    mkdirSync(join(paths.userDir, 'node_modules'), { recursive: true, mode: 0o700 });
    for (const file of [paths.credentialSecret, paths.webhookSecret]) {
      // Per device, made once: a new credentialSecret would make the stored flow credentials unreadable.
      if (!existsSync(file)) writeFileAtomicSync(file, `${randomBytes(32).toString('hex')}\n`, 0o600, { keepMode: false });
    }
    // Linked, as npm would install it: the same package a stock Node-RED userDir takes.
    const target = FLOWS_PACKAGE_DIR.replace(/\/$/, '');
    const link = paths.packageLink;
    let current: string | undefined;
    try {
      current = lstatSync(link).isSymbolicLink() ? readlinkSync(link) : 'not a link';
    } catch {
      current = undefined;
    }
    if (current !== target) {
      // Anything else there (an npm-installed copy) gives way to the agent's own version of the nodes.
      if (current !== undefined) rmSync(link, { recursive: true, force: true });
      symlinkSync(target, link, 'dir');
    }
    if (!existsSync(paths.flowFile)) writeFileAtomicSync(paths.flowFile, readFileSync(join(target, 'default-flows.json')), 0o600);
  }

  private spawn(): void {
    const { log } = this.options;
    const paths = this.paths;
    this.state = this.restarts > 0 ? 'restarting' : 'starting';
    this.token = randomUUID();
    const fromSource = import.meta.url.endsWith('.ts');
    const entry = fileURLToPath(new URL(`./node-red-child.${fromSource ? 'ts' : 'js'}`, import.meta.url));
    const execArgv = [`--max-old-space-size=${this.options.maxOldSpaceMb}`, ...(fromSource ? ['--import', import.meta.resolve('tsx')] : [])];
    const child = fork(entry, [], { execArgv, cwd: paths.userDir, env: childEnv(process.env, paths.userDir), stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
    this.child = child;
    // Below the agent: a flow spinning in a loop takes the CPU the verification is not using, not more.
    try {
      if (child.pid) setPriority(child.pid, 10);
    } catch {
      // Not allowed on this system: the runtime keeps the agent's priority.
    }
    this.startedAt = Date.now();
    this.lastPong = Date.now();
    this.inFlight = 0;
    forwardLines(child.stdout, (line) => log.info({ part: 'node-red' }, `node-red: ${line}`));
    forwardLines(child.stderr, (line) => log.warn({ part: 'node-red' }, `node-red: ${line}`));
    child.on('message', (raw) => this.onMessage(child, raw));
    child.on('error', (error) => log.warn({ part: 'node-red', err: error }, `node-red: ${error.message}`));
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    const handlers = this.options.handlers;
    const init: ToChild = {
      type: 'init',
      token: this.token,
      runtime: { userDir: paths.userDir, port: this.options.port, httpNodeEnabled: this.options.httpNodeEnabled, credentialSecret: readFileSync(paths.credentialSecret, 'utf8').trim(), packageDir: FLOWS_PACKAGE_DIR },
      site: handlers.site(),
      status: handlers.status(),
      webhookSecret: readFileSync(paths.webhookSecret, 'utf8').trim(),
    };
    child.send(init);
    const pingMs = this.options.pingMs ?? 2000;
    const missed = this.options.missedPings ?? 3;
    clearInterval(this.pingTimer);
    const startTimeoutMs = this.options.startTimeoutMs ?? 120_000;
    this.pingTimer = setInterval(() => {
      if (child !== this.child) return;
      // Loading Node-RED blocks its loop for seconds on a Pi: until it is ready, only a start that never ends counts.
      const limit = this.state === 'running' ? pingMs * missed : startTimeoutMs;
      if (Date.now() - this.lastPong > limit) {
        log.warn({ part: 'node-red', silentMs: Date.now() - this.lastPong }, 'node-red: the runtime stopped answering (a flow blocks it): restarting it');
        this.emit('stuck');
        child.kill('SIGKILL');
        return;
      }
      this.send({ type: 'ping', seq: ++this.seq }, false);
    }, pingMs);
    this.pingTimer.unref();
  }

  private onMessage(child: ChildProcess, raw: unknown): void {
    if (child !== this.child) return;
    const parsed = fromChildSchema.safeParse(raw);
    if (!parsed.success || parsed.data.token !== this.token) {
      this.options.log.warn({ part: 'node-red' }, 'node-red: a message from the runtime was refused (malformed or wrong token)');
      return;
    }
    const message = parsed.data;
    this.lastPong = Date.now();
    switch (message.type) {
      case 'ready':
        this.state = 'running';
        this.url = message.url;
        for (const verification of this.queue.splice(0)) this.send({ type: 'verification', verification }, true);
        this.emit('ready', message.url);
        return;
      case 'pong':
        return;
      case 'failed':
        this.options.log.error({ part: 'node-red' }, `node-red did not start: ${message.message}`);
        return;
      default:
        void this.answer(message);
    }
  }

  private async answer(message: Exclude<FromChild, { type: 'ready' | 'pong' | 'failed' }>): Promise<void> {
    const handlers = this.options.handlers;
    try {
      let value: unknown;
      if (message.type === 'authenticate') value = await handlers.authenticate(message.username, message.password);
      else if (message.type === 'user') value = await handlers.isTechnician(message.username);
      else if (message.type === 'indicate') await handlers.indicate(message.command);
      else if (message.type === 'kiosk') await handlers.kiosk(message.notice);
      else value = await handlers.setSite(message.changes);
      this.send({ type: 'reply', id: message.id, ok: true, value }, false);
    } catch (error) {
      const field = (error as { evidence?: { field?: unknown } }).evidence?.field;
      this.send({ type: 'reply', id: message.id, ok: false, error: error instanceof Error ? error.message : String(error), ...(typeof field === 'string' ? { field } : {}) }, false);
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    clearInterval(this.pingTimer);
    this.emit('exit', { code, signal });
    if (this.stopping) return;
    const ranMs = Date.now() - this.startedAt;
    this.failures = ranMs > STABLE_MS ? 0 : this.failures + 1;
    const delay = Math.min(this.options.maxBackoffMs ?? 60_000, (this.options.backoffMs ?? 1000) * 2 ** Math.max(0, this.failures - 1));
    this.state = 'restarting';
    this.options.log.warn({ part: 'node-red', code, signal, delayMs: delay }, `node-red: the runtime stopped (${signal ?? `exit ${code}`}); restarting in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      this.restarts++;
      this.emit('restart', this.restarts);
      this.spawn();
    }, delay);
  }

  /** Never waits: a child that does not read its channel only costs the sends dropped past MAX_IN_FLIGHT. */
  private send(message: ToChild, counted: boolean): void {
    const child = this.child;
    if (!child?.connected) {
      if (counted) this.dropped++;
      return;
    }
    if (this.inFlight >= MAX_IN_FLIGHT) {
      if (counted) this.dropped++;
      return;
    }
    this.inFlight++;
    try {
      child.send(message, (error) => {
        this.inFlight--;
        if (error && counted) this.dropped++;
      });
    } catch {
      this.inFlight--;
      if (counted) this.dropped++;
    }
  }
}

function forwardLines(stream: NodeJS.ReadableStream | null, write: (line: string) => void): void {
  if (!stream) return;
  createInterface({ input: stream }).on('line', (line) => {
    if (line.trim()) write(line.slice(0, 2000));
  });
}
