/**
 * For the Node-RED tests: an agent (demo keys, simulated reader, no camera) with the site flows on, a
 * recording indicator double, a local webhook receiver (127.0.0.1) and one-customer verifications.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../config/load.ts';
import type { VerificationRecord } from '../session/record.ts';
import type { SimulatedCardPort } from '../session/sim-card-port.ts';
import { Agent, type AgentOptions } from './agent.ts';
import { qrText, type DemoCustomers } from './demo.ts';
import type { IndicatorCommand } from './node-red-protocol.ts';

export const quiet = { info() {}, warn() {}, error() {} };

export interface Hook {
  url: string;
  got: { headers: IncomingHttpHeaders; body: string; status: number }[];
  /** Answer 503 while true. */
  down: boolean;
  close(): Promise<void>;
}

export async function webhookReceiver(): Promise<Hook> {
  const got: Hook['got'] = [];
  const state = { down: false };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const status = state.down ? 503 : 204;
      got.push({ headers: req.headers, body, status });
      res.statusCode = status;
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    got,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };
}

export async function flowsAgent(dataDir: string, customers: DemoCustomers, nodeRed: Record<string, unknown>, extra: Partial<AgentOptions> = {}) {
  const played: IndicatorCommand[] = [];
  // The chip alone decides (no camera here): the genuine card is verified, the clone rejected.
  const config = parseConfig({ face: { enabled: false, required: false }, ui: { enabled: false }, inspection: { enabled: false }, nodeRed: { enabled: true, port: 0, ...nodeRed } });
  const agent = new Agent({ config, dataDir, demo: true, log: quiet, trustAnchors: [customers.trustAnchor], flowIndicators: { play: (command) => void played.push(command) }, ...extra });
  await agent.start();
  return { agent, played };
}

/** One customer: card on the reader, QR scanned, the record once the session is done, card lifted. */
export async function verifyOnce(agent: Agent, customers: DemoCustomers, scenario: number): Promise<VerificationRecord> {
  const card = customers.scenarios[scenario]!.card;
  const done = new Promise<VerificationRecord>((resolve) => agent.session.once('done', resolve));
  (agent.cards as SimulatedCardPort).place(card);
  agent.session.submitAccessKey(qrText(card));
  const record = await done;
  (agent.cards as SimulatedCardPort).lift();
  await waitUntil(() => !agent.session.busy, 10_000, 'the session to be ready again');
  return record;
}

export async function waitUntil(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The editor's admin API token for a technician (Node-RED's password grant, as the editor's login does). */
export async function adminToken(url: string, username: string, password: string): Promise<string | null> {
  const response = await fetch(`${url}auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username, password }) });
  if (!response.ok) return null;
  return ((await response.json()) as { access_token: string }).access_token;
}

/** The terminal's time in `minutes` minutes as HH:MM (Asia/Ho_Chi_Minh), for business hours around now. */
export function clockIn(minutes: number): string {
  const at = new Date(Date.now() + minutes * 60_000);
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}
