/**
 * Tests' stand-in for systemd's notification socket: a python3 process binds a unix datagram socket (an
 * implementation other than the agent's) and prints each datagram it receives, in order.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const RECEIVER = `
import socket, sys, json
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    data = s.recv(4096)
    print(json.dumps(data.decode()), flush=True)
`;

export interface NotifyReceiver {
  path: string;
  /** The next `n` datagrams, in order of arrival. */
  take(n: number): Promise<string[]>;
  /** Datagrams up to and including the first that matches. */
  takeUntil(match: RegExp): Promise<string[]>;
  close(): void;
}

export async function startNotifyReceiver(): Promise<NotifyReceiver> {
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-notify-'));
  const path = join(dir, 'notify');
  const child = spawn('python3', ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    queue.push(line);
    wake?.();
  });
  let ended = false;
  child.once('exit', () => {
    ended = true;
    wake?.();
  });
  // A datagram that never comes fails the test instead of hanging it (a bound, not a timed assertion).
  const next = async (waitMs = 30_000): Promise<string> => {
    const deadline = Date.now() + waitMs;
    while (queue.length === 0) {
      if (ended) throw new Error('notify receiver (python3) exited');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no notification within ${waitMs / 1000} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return queue.shift()!;
  };
  const first = await next();
  if (first !== 'bound') throw new Error(`notify receiver did not start: ${first}`);
  return {
    path,
    async take(n) {
      const out: string[] = [];
      for (let i = 0; i < n; i++) out.push(JSON.parse(await next()) as string);
      return out;
    },
    async takeUntil(match) {
      const out: string[] = [];
      do out.push(JSON.parse(await next()) as string);
      while (!match.test(out.at(-1)!));
      return out;
    },
    close() {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

