/**
 * The self-test's contract: checks with stable ids, each producing one result, run against a context that
 * hides where the devices come from (the CLI opens them itself; the running agent lends its live parts).
 */
import type { ApduTransport } from '../drivers/apdu.ts';
import type { AccessKey } from '../drivers/emrtd/access-key.ts';
import type { TrustStore } from '../drivers/emrtd/authenticity/trust-store.ts';
import type { Frame } from '../drivers/camera/types.ts';
import type { Output } from '../drivers/indicators/index.ts';
import type { AgentConfig } from '../agent/config/schema.ts';
import type { DataDirPaths } from '../agent/datadir.ts';

export type CheckStatus = 'pass' | 'fail' | 'marginal' | 'skip';

export interface CheckResult {
  /** Stable: dashboards and the central system key on it. */
  id: string;
  status: CheckStatus;
  /** What was measured (numbers, counts, yes/no); never personal data. */
  measured: Record<string, unknown>;
  limits: Record<string, unknown>;
  durationMs: number;
  /** What the technician does about it (or why it was skipped), English and Vietnamese; null on a plain pass. */
  hint: string | null;
  hintVi: string | null;
}

/** What a check's run() returns; the runner adds the id and the duration. */
export interface Outcome {
  status: CheckStatus;
  measured?: Record<string, unknown>;
  limits?: Record<string, unknown>;
  hint?: string;
  hintVi?: string;
}

export interface Check {
  id: string;
  title: string;
  titleVi: string;
  /** Per-check limit; the runner's default otherwise. */
  timeoutMs?: number;
  run(ctx: SelfTestContext, signal: AbortSignal): Promise<Outcome>;
}

/** Asks the person at the terminal; resolves with their answer (trimmed). */
export type Ask = (question: { vi: string; en: string }, signal: AbortSignal) => Promise<string>;

export interface PcscView {
  /** What pcscd lists (with the ATR of a card on it). Throws PCSC_UNAVAILABLE when pcscd does not answer. */
  readers(): Promise<{ name: string; cardPresent: boolean; atr?: Uint8Array }[]>;
  /** A connection to a card on the reader whose name contains `filter`; null when none arrives within waitMs. */
  card(filter: string | undefined, waitMs: number, signal: AbortSignal): Promise<{ transport: ApduTransport; readerName: string; release(): Promise<void> } | null>;
}

export interface CameraLease {
  frames: AsyncIterable<Frame>;
  /** The rate the site config asks for (frames per second). */
  configuredFps: number;
  /** Why the source stopped delivering, when it said (an ffmpeg that exited, a device gone). */
  lastFault?: () => Error | undefined;
  release(): Promise<void>;
}

/** The frame rate a camera config asks for; an HTTP camera sets its own, 10 is expected of it. */
export function configuredFps(camera: AgentConfig['camera']): number {
  return camera.kind === 'folder' ? camera.fps : camera.kind === 'http' ? 10 : 15;
}

export interface FaceFinder {
  /** Faces found in one frame (count and the best detection score). */
  find(frame: Frame): Promise<{ count: number; bestScore: number }>;
}

export interface IndicatorTester {
  /** The outputs wired in the site config. */
  outputs: readonly Output[];
  hasButton: boolean;
  /** Drives one output and reads the level back from the pin (null when the board cannot read back). */
  set(output: Output, on: boolean): boolean | null;
  /** Resolves true on a button press within timeoutMs. */
  waitPress(timeoutMs: number, signal: AbortSignal): Promise<boolean>;
}

export interface ScannerLease {
  /** The next scan within timeoutMs: its kind only (the text itself is personal data), null on none. */
  next(timeoutMs: number, signal: AbortSignal): Promise<{ kind: 'access-key' | 'unrecognised'; key?: AccessKey } | null>;
}

export interface BrokerProbe {
  /**
   * Connects (if not yet) and publishes a probe on the device's `selftest/probe` with QoS 1; resolves after
   * PUBACK with the times taken. The agent's live connection has no times to give: it says it is connected.
   */
  probe(signal: AbortSignal): Promise<{ url: string; connectMs?: number; pubackMs?: number; connected?: true }>;
}

/**
 * Where each device comes from. A method returns null (with why, in `absent`) when this terminal has no
 * such device, which makes its checks `skip`; it throws a typed error when the device should be there and is not.
 */
export interface DeviceProvider {
  readonly via: 'cli' | 'agent';
  pcsc(): PcscView | Absent;
  camera(): Promise<CameraLease | Absent>;
  face(): Promise<FaceFinder | Absent>;
  indicators(): Promise<IndicatorTester | Absent>;
  scanner(): Promise<ScannerLease | Absent>;
  broker(): BrokerProbe | Absent;
  /** Closes whatever the provider opened for the checks. */
  close(): Promise<void>;
}

/** Why a device is not there: the check is skipped with this reason. */
export interface Absent {
  absent: { en: string; vi: string };
}

export function isAbsent(value: unknown): value is Absent {
  return typeof value === 'object' && value !== null && 'absent' in value;
}

export interface SuiteLimits {
  /** Free space on the data dir's filesystem: below marginal → marginal, below fail → fail (bytes). */
  diskMarginalBytes: number;
  diskFailBytes: number;
  /** Clock skew in ms: above marginal → marginal, above fail → fail. */
  skewMarginalMs: number;
  skewFailMs: number;
  certMarginalDays: number;
  /** How long a person has to act (lay a card, press the button, scan). */
  personWaitMs: number;
  /** How long the camera is watched for its rate. */
  cameraWindowMs: number;
}

export const DEFAULT_LIMITS: SuiteLimits = {
  diskMarginalBytes: 1024 ** 3,
  diskFailBytes: 200 * 1024 ** 2,
  skewMarginalMs: 2000,
  skewFailMs: 30_000,
  certMarginalDays: 7,
  personWaitMs: 30_000,
  cameraWindowMs: 2000,
};

export interface SelfTestContext {
  paths: DataDirPaths;
  config: AgentConfig;
  devices: DeviceProvider;
  limits: SuiteLimits;
  /** The clock the checks judge by (tests inject a skewed one). */
  now(): Date;
  interactive: boolean;
  ask: Ask;
  /** Tells the person something that needs no answer (press the button, scan a code). */
  say(message: { vi: string; en: string }): void;
  /** Loads the data dir's trust store (the agent lends its loaded one). */
  trust(): Promise<TrustStore>;
  /** Injectable probes; the real ones by default. */
  nodeVersion?: string;
  statfs?: (path: string) => Promise<{ bavail: bigint | number; bsize: bigint | number; blocks: bigint | number }>;
  ntpSynchronized?: () => Promise<boolean | null>;
  /** Where the register write probe goes (default: beside the register). */
  writeProbePath?: string;
  /** Verifies the register's chain off the event loop (absent: the check is skipped). */
  verifyRegister?: (signal: AbortSignal) => Promise<{ ok: boolean; entries: number; signedThrough: number; problems: unknown[] }>;
  /** Shared between checks of one run: frames the camera check saw, an access key a scan gave. */
  shared: { frames?: Frame[]; scannedKey?: AccessKey; readerDown?: boolean };
}
