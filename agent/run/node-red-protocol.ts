/**
 * The messages between the agent and its Node-RED child over Node's IPC channel (child_process.fork), in
 * both directions. Each side parses what it receives with these schemas: the child runs code a technician
 * wrote, so the agent takes nothing from it on trust.
 */
import { z } from 'zod';

/** Light/sound/relay patterns a flow may ask for; the agent plays them, it owns the GPIO. */
export const FLOW_PATTERNS = ['relay-pulse', 'alarm', 'green-blink', 'red-blink', 'beep'] as const;
export type FlowPattern = (typeof FLOW_PATTERNS)[number];

export const indicatorCommandSchema = z.strictObject({
  pattern: z.enum(FLOW_PATTERNS),
  /** How long the pattern lasts; the relay's pulse length for relay-pulse. */
  durationMs: z.number().int().min(50).max(10_000).default(1000),
});
export type IndicatorCommand = z.infer<typeof indicatorCommandSchema>;

export const kioskNoticeSchema = z.strictObject({
  /** null: take the notice down. */
  notice: z.enum(['counter-closed']).nullable(),
  messageVi: z.string().max(200).optional(),
});
export type KioskNotice = z.infer<typeof kioskNoticeSchema>;

/** The site settings a flow sees; `writable` lists the ones it may change (privacy is not among them). */
export const SITE_WRITABLE = ['webhookUrl', 'openingTime', 'closingTime'] as const;
export type SiteWritable = (typeof SITE_WRITABLE)[number];

export interface FlowSiteSettings {
  siteId: string;
  deviceId: string;
  timeZone: string;
  privacy: 'none' | 'masked-id' | 'masked-id-and-name';
  webhookUrl: string | null;
  openingTime: string;
  closingTime: string;
}

/** What a flow receives for one verification: never photos; personal data only as the site allows. */
export interface FlowVerification {
  id: string;
  siteId: string;
  deviceId: string;
  startedAt: string;
  finishedAt: string;
  decision: 'verified' | 'rejected' | 'error';
  reasons: { code: string; messageVi: string }[];
  chip: { verdict: string; passive: string; active: string; chip: string; accessProtocol: string } | null;
  /** The chip answered its authentication with another key than its own: a copy of someone's data. */
  cloneSuspected: boolean;
  face: { decision: string; similarity: number | null; threshold: number; liveness: string | null } | null;
  timings: { step: string; ms: number; outcome: string }[];
  operatorReference: string | null;
  person?: { idNumberMasked: string; fullName?: string };
}

export interface FlowStatus {
  state: 'running' | 'degraded';
  parts: { name: string; state: string; message?: string }[];
  alarms: { code: string; message: string; messageVi: string }[];
  outboxBacklog: number;
  /** The card reader as the last fault/ready said, and the MQTT link to the central system. */
  reader: 'ok' | 'lost';
  broker: 'connected' | 'offline';
  /** The latest device faults (reader, camera), newest last. */
  faults: DeviceFault[];
  /** The newest self-test report in the data dir (`xacminh self-test` or the MQTT command); null before the first. */
  selfTest: { status: 'pass' | 'marginal' | 'fail'; finishedAt: string } | null;
  at: string;
}

export interface DeviceFault {
  device: 'reader' | 'camera';
  code: string;
  message: string;
  at: string;
}

/** How the child sets Node-RED up (node-red-settings.ts turns it into Node-RED's settings). */
export interface RuntimeOptions {
  userDir: string;
  /** 0: any free port; the child reports the one it got. */
  port: number;
  httpNodeEnabled: boolean;
  credentialSecret: string;
  /** The flows/ package (the xacminh nodes), linked into userDir/node_modules. */
  packageDir: string;
}

/** Agent → child. */
export type ToChild =
  | { type: 'init'; token: string; runtime: RuntimeOptions; site: FlowSiteSettings; status: FlowStatus; webhookSecret: string }
  | { type: 'verification'; verification: FlowVerification }
  | { type: 'status'; status: FlowStatus }
  | { type: 'site'; site: FlowSiteSettings }
  | { type: 'ping'; seq: number }
  | { type: 'reply'; id: number; ok: true; value?: unknown }
  | { type: 'reply'; id: number; ok: false; error: string; field?: string };

const id = z.number().int();

/** Child → agent. Requests carry an id the reply echoes, and the per-start token. */
export const fromChildSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready'), token: z.string(), url: z.string() }),
  z.strictObject({ type: z.literal('pong'), token: z.string(), seq: z.number().int() }),
  z.strictObject({ type: z.literal('failed'), token: z.string(), message: z.string().max(2000) }),
  z.strictObject({ type: z.literal('authenticate'), id, token: z.string(), username: z.string().max(64), password: z.string().max(256) }),
  z.strictObject({ type: z.literal('user'), id, token: z.string(), username: z.string().max(64) }),
  z.strictObject({ type: z.literal('indicate'), id, token: z.string(), command: z.unknown() }),
  z.strictObject({ type: z.literal('kiosk'), id, token: z.string(), notice: z.unknown() }),
  z.strictObject({ type: z.literal('site-set'), id, token: z.string(), changes: z.record(z.string(), z.unknown()) }),
]);
export type FromChild = z.infer<typeof fromChildSchema>;
