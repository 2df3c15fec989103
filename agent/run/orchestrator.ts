/**
 * Starts the agent's parts in order and stops them in reverse. A part that fails to start is reported and
 * left out; the others run (a terminal without its QR scanner still verifies with a typed ID number).
 * Only parts marked `essential` stop the start.
 */
import { isXacminhError } from '../../drivers/errors.ts';
import type { SessionLogger } from '../session/session.ts';

export interface AgentPart {
  readonly name: string;
  /** The agent cannot do its job without it (the register): a failure here fails the start. */
  readonly essential?: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface PartStatus {
  name: string;
  state: 'running' | 'failed' | 'stopped';
  error?: { code: string; message: string };
}

export class Orchestrator {
  private readonly started: AgentPart[] = [];
  readonly status = new Map<string, PartStatus>();

  constructor(private readonly log: SessionLogger) {}

  async start(parts: AgentPart[]): Promise<void> {
    for (const part of parts) {
      try {
        await part.start();
        this.started.push(part);
        this.status.set(part.name, { name: part.name, state: 'running' });
      } catch (error) {
        const summary = { code: isXacminhError(error) ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
        this.status.set(part.name, { name: part.name, state: 'failed', error: summary });
        // A typed error already says what to do (a port in use, a missing device): its stack would only bury that.
        const detail = isXacminhError(error) ? { code: error.code, evidence: error.evidence } : { err: error };
        this.log.error({ part: part.name, ...detail }, `${part.name} did not start: ${summary.message}`);
        if (part.essential) {
          await this.stop();
          throw error;
        }
      }
    }
  }

  async stop(): Promise<void> {
    for (const part of this.started.splice(0).reverse()) {
      try {
        await part.stop();
        this.status.set(part.name, { name: part.name, state: 'stopped' });
      } catch (error) {
        this.log.warn({ part: part.name, err: error }, `${part.name} did not stop cleanly`);
      }
    }
  }

  failed(): PartStatus[] {
    return [...this.status.values()].filter((s) => s.state === 'failed');
  }
}
