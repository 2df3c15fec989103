/**
 * One run of a camera command whose stdout is an MJPEG stream. The child gets its own process group so
 * stop kills helpers it spawned too (a shell script's ffmpeg); it is always waited for, so no zombies.
 */
import { spawn } from 'node:child_process';
import { XacminhError } from '../errors.ts';
import { MjpegParser } from './mjpeg-parser.ts';
import type { Session, SessionSink } from './supervised-source.ts';

export interface CommandSpec {
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ProcessSessionOptions {
  maxFrameBytes?: number;
  /** After SIGTERM, wait this long before SIGKILL. */
  killGraceMs?: number;
  name?: string;
}

const STDERR_TAIL = 2048;

export function startProcessSession(spec: CommandSpec, sink: SessionSink, options: ProcessSessionOptions = {}): Session {
  const name = options.name ?? spec.command;
  const parser = new MjpegParser({ maxFrameBytes: options.maxFrameBytes, onError: (e) => sink.badFrame(e) });
  const child = spawn(spec.command, [...spec.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: spec.env ?? process.env,
    cwd: spec.cwd,
  });
  let stderr = '';
  let exited = false;
  let closeRequested = false;
  let spawnError: Error | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('close', (code, signal) => {
      exited = true;
      killGroup(child.pid, 'SIGKILL'); // helpers left behind by the command
      for (const frame of parser.end()) sink.frame(frame.jpeg, frame.width, frame.height);
      if (!closeRequested) {
        if (spawnError) {
          sink.ended(
            new XacminhError('CAMERA_UNAVAILABLE', `${name}: cannot start ${spec.command}: ${spawnError.message}`, {
              source: name,
              reason: 'spawn-failed',
              command: spec.command,
              errno: (spawnError as NodeJS.ErrnoException).code,
            }),
          );
        } else if (code === 0) {
          sink.ended();
        } else {
          sink.ended(
            new XacminhError('CAMERA_UNAVAILABLE', `${name}: ${spec.command} exited (${signal ?? `code ${code}`})`, {
              source: name,
              reason: 'exited',
              exitCode: code,
              signal,
              stderr: stderr.trim().slice(-500),
            }),
          );
        }
      }
      resolve();
    });
  });
  child.on('error', (error) => {
    // ENOENT / EACCES: 'close' still follows, and reports it.
    spawnError = error;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    for (const frame of parser.push(chunk)) sink.frame(frame.jpeg, frame.width, frame.height);
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_TAIL);
  });

  return {
    pid: child.pid,
    async close(): Promise<void> {
      closeRequested = true;
      if (exited || child.pid === undefined) {
        if (!exited && child.pid === undefined) await exitedPromise;
        return;
      }
      killGroup(child.pid, 'SIGTERM');
      const escalate = setTimeout(() => killGroup(child.pid, 'SIGKILL'), options.killGraceMs ?? 2_000);
      await exitedPromise;
      clearTimeout(escalate);
    },
  };
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
