/**
 * The Node-RED process: started by node-red-runtime.ts with child_process.fork, it waits for the agent's
 * init message, runs Node-RED embedded on 127.0.0.1 and bridges the xacminh nodes to the agent over IPC.
 * Nothing here decides, records or publishes a verification: it only hears about them.
 */
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { FlowSiteSettings, FlowStatus, ToChild } from './node-red-protocol.ts';
import { nodeRedSettings } from './node-red-settings.ts';

interface NodeRed {
  init(server: unknown, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  httpAdmin: (req: unknown, res: unknown, next: () => void) => void;
  httpNode: (req: unknown, res: unknown, next: () => void) => void;
  events: EventEmitter;
}

type Init = Extract<ToChild, { type: 'init' }>;
type Reply = Extract<ToChild, { type: 'reply' }>;

const send = (message: object) => {
  if (process.connected) process.send?.(message);
};

/** What the xacminh nodes see as RED.settings.xacminh (see flows/nodes/*.js). */
class ChildBridge extends EventEmitter {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private siteNow: FlowSiteSettings;
  private statusNow: FlowStatus;

  constructor(private readonly init: Init) {
    super();
    this.siteNow = init.site;
    this.statusNow = init.status;
  }

  readonly connected = true;
  site(): FlowSiteSettings {
    return this.siteNow;
  }
  status(): FlowStatus {
    return this.statusNow;
  }
  webhookSecret(): string {
    return this.init.webhookSecret;
  }
  now(): Date {
    return new Date();
  }
  indicate(command: unknown): Promise<unknown> {
    return this.request('indicate', { command });
  }
  kiosk(notice: unknown): Promise<unknown> {
    return this.request('kiosk', { notice });
  }
  setSite(changes: Record<string, unknown>): Promise<unknown> {
    return this.request('site-set', { changes });
  }
  request(type: string, body: object): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      send({ type, id, token: this.init.token, ...body });
    });
  }

  receive(message: ToChild): void {
    switch (message.type) {
      case 'verification':
        this.emit('verification', message.verification);
        break;
      case 'status':
        this.statusNow = message.status;
        this.emit('status', message.status);
        break;
      case 'site':
        this.siteNow = message.site;
        this.emit('site', message.site);
        break;
      case 'reply':
        this.settle(message);
        break;
      case 'ping':
        send({ type: 'pong', token: this.init.token, seq: message.seq });
        break;
      case 'init':
        break;
    }
  }

  private settle(reply: Reply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (reply.ok) return waiting.resolve(reply.value);
    waiting.reject(Object.assign(new Error(reply.error), reply.field ? { field: reply.field } : {}));
  }
}

async function run(init: Init): Promise<void> {
  const bridge = new ChildBridge(init);
  process.on('message', (message: ToChild) => bridge.receive(message));
  const auth = {
    authenticate: async (username: string, password: string) => (await bridge.request('authenticate', { username, password })) as string | null,
    isTechnician: async (username: string) => (await bridge.request('user', { username })) === true,
  };
  const RED = createRequire(import.meta.url)('node-red') as NodeRed;
  const server = createServer((req, res) => {
    const url = (req as { url?: string }).url ?? '/';
    const notFound = () => {
      res.statusCode = 404;
      res.end();
    };
    if (init.runtime.httpNodeEnabled && url.startsWith('/endpoints/')) {
      (req as { url?: string }).url = url.slice('/endpoints'.length);
      RED.httpNode(req, res, notFound);
    } else {
      RED.httpAdmin(req, res, notFound);
    }
  });
  RED.init(server, nodeRedSettings(init.runtime, auth, bridge));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(init.runtime.port, '127.0.0.1', () => resolve());
  });
  // Ready only once the flows run: a verification sent earlier would find no node listening.
  const flowsStarted = new Promise<void>((resolve) => RED.events.once('flows:started', () => resolve()));
  await RED.start();
  await flowsStarted;
  const { port } = server.address() as AddressInfo;
  send({ type: 'ready', token: init.token, url: `http://127.0.0.1:${port}/` });
  // Stopped by the agent (SIGTERM), or the agent went away: stop Node-RED so the file context store (the
  // daily summary's counts) is flushed; the agent SIGKILLs a runtime that does not end within 3 s.
  const shutdown = () => {
    void RED.stop().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2500).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('disconnect', shutdown);
}

process.once('message', (message: ToChild) => {
  if (message.type !== 'init') return;
  run(message).catch((error: unknown) => {
    send({ type: 'failed', token: message.token, message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  });
});
