/** Server-Sent Events fan-out: each client gets what it needs on connect, then every broadcast, and a heartbeat. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from './http-util.ts';

export interface SseMessage {
  event?: string;
  data: unknown;
}

/** A client that stopped reading (a sleeping tablet on the LAN) is dropped rather than buffered without end. */
const MAX_BUFFERED_BYTES = 256 * 1024;

/**
 * Open streams at most: a kiosk and a few operator tabs need a handful; the cap keeps a client that opens
 * stream after stream (each holds a socket and a timer slot) from exhausting the terminal. 503 beyond it.
 */
export const MAX_SSE_CLIENTS = 16;

export class SseHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(heartbeatMs: number) {
    // A comment line keeps proxies and the browser from timing the idle stream out.
    this.heartbeat = setInterval(() => this.writeAll(': heartbeat\n\n'), heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  get full(): boolean {
    return this.clients.size >= MAX_SSE_CLIENTS;
  }

  attach(req: IncomingMessage, res: ServerResponse, initial: SseMessage[]): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    for (const message of initial) res.write(format(message));
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    req.on('close', drop);
    res.on('close', drop);
    res.on('error', drop);
  }

  broadcast(message: SseMessage): void {
    this.writeAll(format(message));
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private writeAll(chunk: string): void {
    for (const res of this.clients) {
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        this.clients.delete(res);
        res.destroy();
        continue;
      }
      res.write(chunk);
    }
  }
}

function format({ event, data }: SseMessage): string {
  // JSON.stringify never emits a raw newline, so one data line carries the whole message.
  return `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}
