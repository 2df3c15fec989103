/** A frame source fed by any command that writes an MJPEG stream on stdout (also how tests fake a camera). */
import { startProcessSession, type CommandSpec } from './process-session.ts';
import { SupervisedSource, type Session, type SessionSink, type SupervisorOptions } from './supervised-source.ts';

export interface CommandSourceOptions extends SupervisorOptions {
  maxFrameBytes?: number;
  killGraceMs?: number;
}

export class CommandSource extends SupervisedSource {
  constructor(
    readonly spec: CommandSpec,
    private readonly options: CommandSourceOptions = {},
  ) {
    super({ name: spec.command, ...options });
  }

  /** The running camera process, if any. */
  get pid(): number | undefined {
    return this.currentSession?.pid;
  }

  protected open(sink: SessionSink): Session {
    return startProcessSession(this.spec, sink, {
      maxFrameBytes: this.options.maxFrameBytes,
      killGraceMs: this.options.killGraceMs,
      name: this.name,
    });
  }
}
