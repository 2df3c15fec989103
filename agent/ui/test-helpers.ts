/** Helpers for the UI tests: a server around a FakeSession, an SSE reader, and the headless browser. */
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { FakeSession } from './fake-session.ts';
import { startUiServer, type UiServer, type UiServerOptions } from './server.ts';

export async function withServer(
  options: Partial<UiServerOptions>,
  run: (server: UiServer, fake: FakeSession) => Promise<void>,
): Promise<void> {
  const fake = new FakeSession();
  const server = await startUiServer({ actions: fake, ...options });
  try {
    await run(server, fake);
  } finally {
    await server.close();
  }
}

export interface SseEvent {
  event: string;
  data: unknown;
}

/** Reads /events as a browser would, keeping every event and comment line in order. */
export async function openEvents(url: string, init: { query?: string; headers?: Record<string, string> } = {}) {
  const abort = new AbortController();
  const response = await fetch(`${url}/events${init.query ?? ''}`, { signal: abort.signal, ...(init.headers ? { headers: init.headers } : {}) });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let ended = false;
  const pump = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) events.push({ event, data: JSON.parse(data.join('\n')) });
        }
      }
    } catch {
      // aborted by close()
    } finally {
      ended = true;
    }
  })();

  return {
    response,
    events,
    comments,
    get ended() {
      return ended;
    },
    /** Waits for the n-th (0-based) event matching `kind`. */
    async nth(kind: string, n: number, ms = 3000): Promise<SseEvent> {
      await until(() => events.filter((e) => e.event === kind).length > n, ms, `SSE event ${kind} #${n}`);
      return events.filter((e) => e.event === kind)[n]!;
    },
    async close() {
      abort.abort();
      await pump;
    },
  };
}

export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless Debian Chromium through playwright-core; a clear instruction when it is not installed. */
export async function launchChromium() {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: run \`apt-get install chromium\` (npm test's bootstrap, provisioning/bootstrap.sh, installs it)`);
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
}

/** This machine's own non-loopback address: connecting to it gives a non-loopback source address, no other host involved. */
export function lanAddress(): string | undefined {
  const all = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
  // IPv4 only: the tests bind 0.0.0.0, which an IPv6 address does not reach (the caller skips without one).
  return all.find((a) => !a.internal && a.family === 'IPv4')?.address;
}
