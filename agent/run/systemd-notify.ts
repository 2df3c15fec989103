/**
 * sd_notify for `Type=notify` (see provisioning/service/unit.ts): READY=1 once the agent runs, STATUS= lines,
 * WATCHDOG=1 every WATCHDOG_USEC/2 but only while the health checks pass, STOPPING=1 on shutdown.
 *
 * Node has no unix datagram sockets; the datagrams leave from this process through the `unix-dgram` native
 * module (as zigbee2mqtt does), because the unit says NotifyAccess=main: systemd drops messages from any
 * other process, so a helper child would not do, and `systemd-notify` run per message also races (it exits
 * before systemd reads its cgroup).
 */
import { createRequire } from 'node:module';
import { XacminhError } from '../../drivers/errors.ts';
import { nativeModuleError } from '../../drivers/native-module.ts';
import { runHealthChecks, type HealthCheck, type HealthReport } from './health.ts';

export interface NotifyTransport {
  send(message: string): void;
  close(): void;
}

interface UnixDgramSocket {
  send(buffer: Buffer, offset: number, length: number, path: string, callback?: (error?: Error) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  close(): void;
}
interface UnixDgramModule {
  createSocket(type: 'unix_dgram'): UnixDgramSocket;
}

/** The socket systemd gave us (NOTIFY_SOCKET), or null when not started by systemd with Type=notify. */
export function openNotifySocket(env: NodeJS.ProcessEnv = process.env): NotifyTransport | null {
  const path = env.NOTIFY_SOCKET;
  if (!path) return null;
  if (path.startsWith('@')) {
    // unix-dgram copies the path as a C string, so an abstract name (leading NUL) cannot be given to it.
    // A system service's socket is /run/systemd/notify, a path: only odd containers hand out abstract ones.
    throw new XacminhError('UNSUPPORTED', `NOTIFY_SOCKET is an abstract socket (${path}); the agent can notify only a socket path such as /run/systemd/notify`, { socket: path });
  }
  let dgram: UnixDgramModule;
  try {
    dgram = createRequire(import.meta.url)('unix-dgram') as UnixDgramModule;
  } catch (error) {
    throw nativeModuleError(error, 'unix-dgram') ?? error;
  }
  const socket = dgram.createSocket('unix_dgram');
  let lastError: Error | undefined;
  socket.on('error', (error) => void (lastError = error));
  return {
    send(message) {
      const buffer = Buffer.from(message);
      socket.send(buffer, 0, buffer.length, path, (error) => {
        if (error) lastError = error;
      });
      if (lastError) {
        const error = lastError;
        lastError = undefined;
        throw new XacminhError('UNSUPPORTED', `Cannot notify systemd at ${path}: ${error.message}`, { socket: path });
      }
    },
    close: () => socket.close(),
  };
}

/** setInterval and clearInterval, injectable so a test drives the watchdog without waiting. */
export interface IntervalTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const realTimers: IntervalTimers = {
  setInterval: (callback, ms) => setInterval(callback, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export interface NotifyLogger {
  warn(object: Record<string, unknown>, message: string): void;
  info(object: Record<string, unknown>, message: string): void;
}

export interface SystemdNotifierOptions {
  transport: NotifyTransport;
  checks: readonly HealthCheck[];
  /** From WATCHDOG_USEC; absent: no watchdog configured, no pings. */
  watchdogUsec?: number;
  timers?: IntervalTimers;
  log: NotifyLogger;
}

export class SystemdNotifier {
  private timer: unknown;
  private lastReport: HealthReport | undefined;
  private closed = false;

  constructor(private readonly options: SystemdNotifierOptions) {}

  /** The ping interval: half of WatchdogSec, as sd_watchdog_enabled(3) advises. */
  get watchdogIntervalMs(): number | null {
    const usec = this.options.watchdogUsec;
    return usec && usec > 0 ? Math.max(1, Math.floor(usec / 2000)) : null;
  }

  /** READY=1 with a status line, then the watchdog starts (the first ping only if healthy). */
  ready(status: string): void {
    this.send(`READY=1\nSTATUS=${oneLine(status)}`);
    const interval = this.watchdogIntervalMs;
    if (interval === null) return;
    for (const check of this.options.checks) check.reset?.();
    const timers = this.options.timers ?? realTimers;
    this.timer = timers.setInterval(() => this.tick(), interval);
    this.tick();
  }

  status(text: string): void {
    this.send(`STATUS=${oneLine(text)}`);
  }

  /** One watchdog round: ping when healthy; say so in STATUS= (and the log) when health changes. */
  tick(): HealthReport {
    const report = runHealthChecks(this.options.checks);
    const changed = this.lastReport === undefined || this.lastReport.healthy !== report.healthy || this.lastReport.problems.join() !== report.problems.join();
    if (changed && (this.lastReport !== undefined || !report.healthy)) {
      if (report.healthy) {
        this.options.log.info({ health: report }, 'healthy again: watchdog pings resume');
        this.send('STATUS=running (healthy)');
      } else {
        this.options.log.warn({ health: report }, `unhealthy, the watchdog is not fed: ${report.problems.join('; ')}`);
        this.send(`STATUS=unhealthy: ${oneLine(report.problems.join('; '))}`);
      }
    }
    this.lastReport = report;
    if (report.healthy) this.send('WATCHDOG=1');
    return report;
  }

  /** STOPPING=1 and no more pings (systemd then allows TimeoutStopSec for the shutdown). */
  stopping(status = 'stopping'): void {
    this.stopTimer();
    this.send(`STOPPING=1\nSTATUS=${oneLine(status)}`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTimer();
    for (const check of this.options.checks) check.close?.();
    this.options.transport.close();
  }

  private stopTimer(): void {
    if (this.timer === undefined) return;
    (this.options.timers ?? realTimers).clearInterval(this.timer);
    this.timer = undefined;
  }

  private send(message: string): void {
    if (this.closed) return;
    try {
      this.options.transport.send(message);
    } catch (error) {
      // A lost notification is systemd's to notice (a start timeout, a watchdog restart): never the agent's crash.
      this.options.log.warn({ err: error }, `systemd notification not sent: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** WATCHDOG_USEC when it is meant for this process (WATCHDOG_PID absent or ours). */
export function watchdogUsecFromEnv(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return usec;
}

/**
 * The agent's notifier when systemd started it with NOTIFY_SOCKET, else null. A socket that cannot be opened
 * is logged and the agent runs on: systemd will report the missing READY=1 itself.
 */
export function systemdNotifierFromEnv(options: { checks: () => HealthCheck[]; log: NotifyLogger; env?: NodeJS.ProcessEnv }): SystemdNotifier | null {
  const env = options.env ?? process.env;
  let transport: NotifyTransport | null;
  try {
    transport = openNotifySocket(env);
  } catch (error) {
    options.log.warn({ err: error }, `systemd notification socket unavailable: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
  if (!transport) return null;
  const watchdogUsec = watchdogUsecFromEnv(env);
  return new SystemdNotifier({ transport, checks: options.checks(), log: options.log, ...(watchdogUsec ? { watchdogUsec } : {}) });
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
