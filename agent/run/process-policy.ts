/**
 * The agent's one policy for errors nothing caught:
 * - an unhandled promise rejection is logged (error) and the agent keeps serving: that promise's work is
 *   lost, but the register, the outbox and the session keep their own state and go on;
 * - an uncaught exception is logged and the process exits with UNCAUGHT_EXIT_CODE: the stack it unwound may
 *   have left anything half-done, so the supervisor (systemd, Restart=always) restarts from known state.
 */
export const UNCAUGHT_EXIT_CODE = 70; // EX_SOFTWARE (sysexits.h): an internal software error

export interface PolicyLogger {
  error(object: Record<string, unknown>, message: string): void;
}

/** Installs the policy; returns a function that removes it (tests, and a start command that returns). */
export function installProcessPolicy(log: PolicyLogger, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  const onRejection = (reason: unknown) => {
    safely(() => log.error({ err: reason }, `unhandled promise rejection (the agent keeps running; that task's work is lost): ${describe(reason)}`));
  };
  const onException = (error: unknown) => {
    safely(() => log.error({ err: error }, `uncaught exception: the agent exits with code ${UNCAUGHT_EXIT_CODE} for its supervisor to restart it: ${describe(error)}`));
    exit(UNCAUGHT_EXIT_CODE);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

function safely(action: () => void): void {
  try {
    action();
  } catch {
    // Logging must not become the next uncaught error.
  }
}
