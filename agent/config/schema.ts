/**
 * The site configuration: one zod schema is the source, the TypeScript type is derived from it, and the
 * config is passed in, never imported as a global. Every field has a default so an empty file (or none)
 * runs the embedded demo; a site file only says what differs.
 */
import { CHALLENGE_KINDS } from '../../models/liveness/liveness.ts';
import type { ChallengeKind } from '../../models/types.ts';
import { z } from 'zod';
import { parseBrokerUrl } from './broker-url.ts';
import { isLoopbackHost } from './loopback.ts';
import { siteProfileSchema } from './site-profile.ts';

/** The site config format this code writes; migrate.ts brings older files up to it. A file without `version` is 1. */
export const CONFIG_VERSION = 2;

const idPattern = /^[A-Za-z0-9_-]{1,64}$/;
const topicId = z.string().regex(idPattern, 'letters, digits, "-" or "_" only (it becomes part of MQTT topics)');

/** A refinement's issue carries its Vietnamese text in params.messageVi (load.ts prints it first). */
function problem(ctx: z.RefinementCtx, path: string[], message: string, messageVi: string): void {
  ctx.addIssue({ code: 'custom', path, message, params: { messageVi } });
}

// Anyone on the shop's LAN could otherwise drive the operator actions and read the result stream.
function requireTokenBeyondLoopback(ui: { enabled: boolean; host: string; operatorToken?: string | undefined }, ctx: z.RefinementCtx): void {
  if (!ui.enabled || ui.operatorToken !== undefined || isLoopbackHost(ui.host)) return;
  problem(ctx, ['operatorToken'], `ui.host ${ui.host} is reachable beyond this machine: set ui.operatorToken (at least 16 characters) or keep ui.host 127.0.0.1`, `ui.host ${ui.host} mở trang ra ngoài máy này nên phải đặt ui.operatorToken (ít nhất 16 ký tự), hoặc để ui.host là 127.0.0.1`);
}

// Sent as "Authorization: Bearer <token>", which ends at the first space: a token with one could never be presented.
const operatorToken = z.string().refine((token) => /^[\x21-\x7e]{16,}$/.test(token), {
  message: 'at least 16 printable ASCII characters, no spaces (letters, digits, punctuation)',
  params: { messageVi: 'cần ít nhất 16 ký tự ASCII in được, không có dấu cách (chữ, số, dấu câu)' },
});

// Plain MQTT over the network carries the broker password and the commands readable and alterable by anyone on the path.
// The host judged is the one the publisher connects to: both come from parseBrokerUrl (see broker-url.ts).
function requireTlsBeyondLoopback(mqtt: { url: string; allowInsecureTransport?: boolean | undefined; certFile?: string | undefined; keyFile?: string | undefined }, ctx: z.RefinementCtx): void {
  const parsed = parseBrokerUrl(mqtt.url);
  // The URL is not echoed: it may hold a password.
  if (!parsed.ok) return problem(ctx, ['url'], `this URL ${parsed.message}`, `URL này ${parsed.messageVi}`);
  const { protocol: scheme, host } = parsed.target;
  // mqtt.js refuses a client certificate on a plain connection (it throws at connect, and again on every reconnect).
  if ((mqtt.certFile || mqtt.keyFile) && ['mqtt', 'tcp', 'ws'].includes(scheme)) {
    return problem(ctx, ['url'], `a client certificate (certFile/keyFile) needs a TLS URL: use mqtts://, tls:// or wss:// instead of ${scheme}://`, `chứng thư máy khách (certFile/keyFile) cần URL TLS: dùng mqtts://, tls:// hoặc wss:// thay cho ${scheme}://`);
  }
  if (!['mqtt', 'tcp', 'ws'].includes(scheme) || mqtt.allowInsecureTransport === true) return;
  if (isLoopbackHost(host)) return;
  problem(ctx, ['url'], `${scheme}:// to ${host} sends credentials and commands in clear: use mqtts://, tls:// or wss://, or set mqtt.allowInsecureTransport: true (dangerous)`, `${scheme}:// tới ${host} gửi mật khẩu và lệnh không mã hóa: dùng mqtts://, tls:// hoặc wss://, hoặc đặt mqtt.allowInsecureTransport: true (nguy hiểm)`);
}

export const readerSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('simulated'), everySeconds: z.number().min(1).max(3600).default(6) }),
  z.strictObject({ kind: z.literal('pcsc'), name: z.string().min(1).optional() }),
]);

export const cameraSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('simulated') }),
  z.strictObject({ kind: z.literal('v4l2'), device: z.string().default('/dev/video0'), width: z.number().int().positive().default(1280), height: z.number().int().positive().default(720) }),
  z.strictObject({ kind: z.literal('rpicam'), width: z.number().int().positive().default(1280), height: z.number().int().positive().default(720) }),
  z.strictObject({ kind: z.literal('http'), url: z.url() }),
  z.strictObject({ kind: z.literal('folder'), dir: z.string().min(1), fps: z.number().positive().default(15) }),
]);

const mqttSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('embedded'), port: z.number().int().min(0).max(65535).default(0) }),
  z.strictObject({
    kind: z.literal('broker'),
    url: z.string().regex(/^(mqtts?|wss?|tcp|tls):\/\//, 'an MQTT URL such as mqtts://broker.example:8883'),
    protocolVersion: z.union([z.literal(4), z.literal(5)]).default(5),
    username: z.string().optional(),
    /** Relative paths are inside the data dir. */
    passwordFile: z.string().optional(),
    caFile: z.string().optional(),
    certFile: z.string().optional(),
    keyFile: z.string().optional(),
    /** Dangerous: lets mqtt://, tcp:// or ws:// reach a broker off this machine, credentials and commands in clear. */
    allowInsecureTransport: z.boolean().optional(),
  }).superRefine(requireTlsBeyondLoopback),
]);

export const pinsSchema = z
  .strictObject({
    green: z.number().int().min(0),
    red: z.number().int().min(0),
    busy: z.number().int().min(0),
    buzzer: z.number().int().min(0),
    relay: z.number().int().min(0),
    button: z.number().int().min(0),
  })
  .partial();

export const sha256Fingerprint = z.string().regex(/^(?:[0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$/, 'a SHA-256 fingerprint: 64 hex digits, colons allowed');

// A misspelt zone would otherwise show up only as a blank time column on the operator page.
const timeZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('vi-VN', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'an IANA time zone name such as Asia/Ho_Chi_Minh', params: { messageVi: 'cần tên múi giờ IANA, ví dụ Asia/Ho_Chi_Minh' } },
);

export const scannerSchema = z.strictObject({ path: z.string().min(1), baudRate: z.number().int().positive().default(9600), framing: z.enum(['line', 'timeout']).default('line') });

const clockTime = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'a time of day HH:MM (24 h), e.g. 08:00');

export const nodeRedSchema = z.strictObject({
  /** Off unless the site turns it on (the demo does): a terminal without site rules runs no second process. */
  enabled: z.boolean().default(false),
  /** The editor listens on 127.0.0.1 only (a technician comes in through an SSH tunnel); 0 picks a free port. */
  port: z.number().int().min(0).max(65535).default(1880),
  /** Heap limit of the Node-RED process: a flow that eats memory kills its own process, not the agent. */
  maxOldSpaceMb: z.number().int().min(64).max(4096).default(192),
  /** HTTP-in nodes are served (under /endpoints on the editor's port) only when the site enables them. */
  httpNodeEnabled: z.boolean().default(false),
  /** What personal data a flow receives: none, the ID number masked, or that and the full name. Never photos. */
  privacy: z.enum(['none', 'masked-id', 'masked-id-and-name']).default('none'),
  /** The shop's software: each verification and the daily summary are POSTed here, signed (HMAC-SHA256). */
  webhookUrl: z.url({ protocol: /^https?$/ }).nullable().default(null),
  /** Business hours in the terminal's time zone; outside them the kiosk says the counter is closed. */
  openingTime: clockTime.default('08:00'),
  closingTime: clockTime.default('21:00'),
});

export const configSchema = z
  .strictObject({
    version: z.literal(CONFIG_VERSION).default(CONFIG_VERSION),
    /** Who runs the terminal (provisioning writes it). Optional so the embedded demo runs with no file at all. */
    site: siteProfileSchema.optional(),
    siteId: topicId.default('demo-site'),
    deviceId: topicId.default('demo-terminal'),
    reader: readerSchema.default({ kind: 'simulated', everySeconds: 6 }),
    camera: cameraSchema.default({ kind: 'simulated' }),
    mqtt: mqttSchema.default({ kind: 'embedded', port: 0 }),
    /** The terminal's time zone (IANA): the pages show times in it, whatever the browser's zone. */
    timeZone: timeZone.default('Asia/Ho_Chi_Minh'),
    /** Outbox bound: past it new events are held in the register and an alarm is raised; nothing is dropped. */
    outboxCapacity: z.number().int().min(10).max(10_000_000).default(100_000),
    ui: z
      .strictObject({
        enabled: z.boolean().default(true),
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** Required by the operator actions when the pages are served beyond localhost. */
        operatorToken: operatorToken.optional(),
        /** Spoken Vietnamese prompts on the kiosk (espeak-ng, made once into the data dir's cache/audio). */
        audio: z.boolean().default(false),
      })
      .superRefine(requireTokenBeyondLoopback)
      .prefault({}),
    /**
     * The police inspection page (agent/inspection): HTTPS, inspector accounts only. On the LAN by default,
     * as the police inspect from their own laptop; 127.0.0.1 keeps it to the terminal's own browser.
     */
    inspection: z
      .strictObject({
        enabled: z.boolean().default(true),
        host: z.string().default('0.0.0.0'),
        port: z.number().int().min(0).max(65535).default(8443),
      })
      .prefault({}),
    scanner: scannerSchema.nullable().default(null),
    indicators: z.strictObject({ pins: pinsSchema.default({}), activeLow: z.boolean().default(false), relayPulseMs: z.number().int().min(0).max(60_000).default(0) }).prefault({}),
    face: z
      .strictObject({
        /** false: no camera on this terminal; models are not loaded and the face step reports "not available". */
        enabled: z.boolean().default(true),
        /**
         * When false a verification may pass on the chip alone; the record says the face was not checked.
         * With a site profile, site.faceRequired decides and this follows it (see faceFromProfile).
         */
        required: z.boolean().optional(),
        activeLiveness: z.boolean().default(true),
        /**
         * The challenges drawn at random for active liveness (default the turns and the nod: liveness.ts
         * DEFAULT_CHALLENGES). "blink" can be added; it rests on the mesh's eye opening alone, which still screens
         * and cut-outs sometimes fool (bench/RESULTS.md, liveness-attacks).
         */
        challenges: z
          .array(z.enum(CHALLENGE_KINDS as [ChallengeKind, ...ChallengeKind[]]))
          .min(1)
          .refine((kinds) => new Set(kinds).size === kinds.length, 'each challenge once')
          .optional(),
        /**
         * How far a head must turn / nod for the challenge (default 20° / 15°). Larger stops more folded prints and
         * replays (bench/RESULTS.md, liveness-attacks: 30° / 25° stopped all generated ones) but asks more of every
         * customer: measure that first with `xacminh face-match --clips DIR --turn-degrees N --nod-degrees N`.
         */
        turnDegrees: z.number().min(15).max(60).optional(),
        nodDegrees: z.number().min(10).max(45).optional(),
        /**
         * Track the customer's face while the chip is read (detect, quality, liveness baseline, best frames
         * embedded), so only the chip photo is left after the read. false: the face step starts after the read.
         */
        overlap: z.boolean().default(true),
      })
      .prefault({}),
    timeouts: z
      .strictObject({
        accessKeyMs: z.number().int().min(1000).default(60_000),
        readChipMs: z.number().int().min(1000).default(20_000),
        faceMs: z.number().int().min(1000).default(10_000),
        resultMs: z.number().int().min(500).default(5_000),
      })
      .prefault({}),
    /** Site flows (Node-RED) in a child process; see agent/run/node-red-runtime.ts and flows/README.md. */
    nodeRed: nodeRedSchema.prefault({}),
    trust: z
      .strictObject({
        /** SHA-256 (DER) of ICAO master list signers, or of CSCAs they chain to: only such lists are imported. */
        masterListSigners: z.array(sha256Fingerprint).default([]),
      })
      .prefault({}),
    register: z
      .strictObject({
        /**
         * Days personal data and frames are kept in the register (FORMAT.md "Purge"); absent = keep, unless
         * site.retentionDays says. Purged at start and every 24 h; hashes, decisions and times stay.
         */
        retentionDays: z.number().int().min(1).max(36_500).optional(),
      })
      .prefault({}),
  })
  .superRefine(faceAgreesWithProfile)
  .superRefine(retentionAgreesWithProfile)
  .transform(faceFromProfile);

/**
 * The profile is the one source for "face required": it is what the business and its police unit agreed to,
 * and it comes signed in the site bundle, while face.required is a technical switch. So face.required may be
 * left out (it follows the profile) or repeat it; a disagreement is an error rather than a silent winner.
 */
function faceAgreesWithProfile(config: { site?: { faceRequired: boolean } | undefined; face: { required?: boolean | undefined } }, ctx: z.RefinementCtx): void {
  if (!config.site || config.face.required === undefined || config.face.required === config.site.faceRequired) return;
  problem(
    ctx,
    ['face', 'required'],
    `face.required (${String(config.face.required)}) disagrees with site.faceRequired (${String(config.site.faceRequired)}): the site profile decides; remove face.required or make it the same`,
    `face.required (${String(config.face.required)}) khác site.faceRequired (${String(config.site.faceRequired)}): hồ sơ cơ sở quyết định; xóa face.required hoặc đặt giống nhau`,
  );
}

function faceFromProfile<T extends { site?: { faceRequired: boolean } | undefined; face: { required?: boolean | undefined } }>(config: T): T & { face: T['face'] & { required: boolean } } {
  return { ...config, face: { ...config.face, required: config.site?.faceRequired ?? config.face.required ?? true } };
}

/** The site profile's retention is what the business agreed with its police unit: register.retentionDays may repeat it, not contradict it. */
function retentionAgreesWithProfile(config: { site?: { retentionDays: number } | undefined; register: { retentionDays?: number | undefined } }, ctx: z.RefinementCtx): void {
  const site = config.site?.retentionDays;
  const own = config.register.retentionDays;
  if (site === undefined || own === undefined || site === own) return;
  problem(
    ctx,
    ['register', 'retentionDays'],
    `register.retentionDays (${own}) disagrees with site.retentionDays (${site}): the site profile decides; remove register.retentionDays or make it the same`,
    `register.retentionDays (${own}) khác site.retentionDays (${site}): hồ sơ cơ sở quyết định; xóa register.retentionDays hoặc đặt giống nhau`,
  );
}

/** Days the register keeps personal data, or undefined to keep it (no rule configured). */
export function retentionDaysOf(config: { site?: { retentionDays: number } | undefined; register: { retentionDays?: number | undefined } }): number | undefined {
  return config.register.retentionDays ?? config.site?.retentionDays;
}

export type AgentConfig = z.infer<typeof configSchema>;
export type ReaderConfig = AgentConfig['reader'];
export type CameraConfig = AgentConfig['camera'];
export type MqttConfig = AgentConfig['mqtt'];
