/**
 * Is the agent healthy enough for systemd's watchdog to be fed? Each check answers null (fine) or a short
 * English problem; the watchdog (systemd-notify.ts) pings only while every check answers null, so a hung
 * event loop or a register that cannot be written ends in a restart instead of a terminal that looks alive.
 */
import Database from 'better-sqlite3';

export interface HealthCheck {
  readonly name: string;
  /** null: healthy; otherwise what is wrong, without personal data (it goes to STATUS= and the log). */
  check(): string | null;
  /** Forget what was seen so far (called at READY=1: a slow start is not a stall of the running agent). */
  reset?(): void;
  close?(): void;
}

export interface HealthReport {
  healthy: boolean;
  problems: string[];
}

/** Runs every check; a check that throws is a problem, never a crash of the watchdog. */
export function runHealthChecks(checks: readonly HealthCheck[]): HealthReport {
  const problems: string[] = [];
  for (const check of checks) {
    let problem: string | null;
    try {
      problem = check.check();
    } catch (error) {
      problem = `check failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (problem !== null) problems.push(`${check.name}: ${problem}`);
  }
  return { healthy: problems.length === 0, problems };
}

/** The longest event-loop delay since the last read, in ms, and then forgets it. */
export interface LagSource {
  takeMaxMs(): number;
  close(): void;
}

/**
 * Measured by a timer's drift: an interval timer that fires late by N ms means the loop was held N ms. It
 * sees a stall between two checks too, not only one that delays the check itself. (Node 20's
 * perf_hooks.monitorEventLoopDelay missed a 150 ms synchronous stall in a test here, so it is not used.)
 */
export function eventLoopLagSource(resolutionMs = 100, now: () => number = () => performance.now()): LagSource {
  let last = now();
  let max = 0;
  const timer = setInterval(() => {
    const at = now();
    max = Math.max(max, at - last - resolutionMs);
    last = at;
  }, resolutionMs).unref();
  return {
    takeMaxMs() {
      // A stall still going on when read (the timer has not fired yet) counts too.
      const taken = Math.max(max, now() - last - resolutionMs, 0);
      max = 0;
      return taken;
    },
    close: () => clearInterval(timer),
  };
}

/**
 * Unhealthy when the event loop stalled longer than `maxLagMs` since the previous check. The bound is
 * generous (a face analysis on a Pi may hold the loop a second or two); the watchdog only fires after two
 * missed pings in a row (WatchdogSec is twice the ping interval), so one stall alone never restarts the agent.
 */
export function eventLoopCheck(options: { maxLagMs?: number; source?: LagSource } = {}): HealthCheck {
  const maxLagMs = options.maxLagMs ?? 5000;
  const source = options.source ?? eventLoopLagSource();
  return {
    name: 'event loop',
    check() {
      const lag = source.takeMaxMs();
      return lag > maxLagMs ? `stalled ${Math.round(lag)} ms (limit ${maxLagMs} ms)` : null;
    },
    reset: () => void source.takeMaxMs(),
    close: () => source.close(),
  };
}

/**
 * A real write to the register's file through a connection of its own: `PRAGMA user_version` rewritten with
 * its own value commits one page (the register's data is untouched, no schema change), so a full disk, a
 * file system remounted read-only or a write lock someone else holds shows up here. busy_timeout is 0: the
 * check never blocks the event loop; the agent's own writes are synchronous, so a busy database means
 * another process is holding the register.
 */
export function registerWriteCheck(registerPath: string): HealthCheck {
  let db: Database.Database | undefined;
  return {
    name: 'register',
    check() {
      try {
        db ??= new Database(registerPath, { fileMustExist: true, timeout: 0 });
        const rewrite = db.transaction(() => {
          const version = db!.pragma('user_version', { simple: true }) as number;
          db!.pragma(`user_version = ${version}`);
        });
        rewrite.immediate();
        return null;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        // A broken connection may never recover (the file was replaced): the next check opens a new one.
        closeQuietly(db);
        db = undefined;
        return `not writable (${typeof code === 'string' ? code : error instanceof Error ? error.message : String(error)})`;
      }
    },
    close() {
      closeQuietly(db);
      db = undefined;
    },
  };
}

function closeQuietly(db: Database.Database | undefined): void {
  try {
    db?.close();
  } catch {
    // Closing is best effort: the check reports the original failure.
  }
}
