/**
 * For the self-test's tests: a data dir with a device key (made at test time), a certificate for it from a
 * throwaway CA (openssl), a context whose devices are all absent unless a test gives them. Not used by
 * production code.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GpioLike } from '../drivers/indicators/index.ts';
import { parseConfig } from '../agent/config/load.ts';
import { dataDirPaths, loadDeviceIdentity, type DataDirPaths, type DeviceIdentity } from '../agent/datadir.ts';
import { makeContext, type ContextOptions } from './context.ts';
import type { Absent, DeviceProvider, SelfTestContext } from './types.ts';

export interface TestDataDir {
  dir: string;
  paths: DataDirPaths;
  identity: DeviceIdentity;
  remove(): void;
}

export function testDataDir(): TestDataDir {
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-selftest-'));
  const paths = dataDirPaths(join(dir, 'data'));
  const identity = loadDeviceIdentity(paths, { create: true });
  return { dir, paths, identity, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Issues a certificate for the data dir's device key from a new CA, valid `days`; writes device-cert.pem and ca-chain.pem. */
export function issueDeviceCertificate(data: TestDataDir, deviceId: string, days: number): void {
  const work = mkdtempSync(join(data.dir, 'ca-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe', cwd: work });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=xacminh selftest test CA', '-days', '2');
  ssl('req', '-new', '-key', data.paths.deviceKey, '-out', 'device.csr', '-subj', `/CN=${deviceId}`);
  ssl('x509', '-req', '-in', 'device.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', data.paths.deviceCert, '-days', String(days));
  execFileSync('cp', [join(work, 'ca.crt'), data.paths.caChain]);
}

export function writeSiteConfig(paths: DataDirPaths, config: unknown): void {
  mkdirSync(paths.root, { recursive: true });
  writeFileSync(paths.siteConfig, JSON.stringify(config));
}

const none = (what: string): Absent => ({ absent: { en: `no ${what} in this test`, vi: `không có ${what}` } });

/** Every device absent: the checks of the machine and the identity run alone. */
export const noDevices: DeviceProvider = {
  via: 'cli',
  pcsc: () => none('reader'),
  camera: async () => none('camera'),
  face: async () => none('face engine'),
  indicators: async () => none('indicators'),
  scanner: async () => none('scanner'),
  broker: () => none('broker'),
  close: async () => {},
};

export function testContext(data: TestDataDir, options: Partial<ContextOptions> & { config?: unknown } = {}): SelfTestContext {
  const { config, ...rest } = options;
  return makeContext({ paths: data.paths, config: parseConfig(config ?? { face: { enabled: false } }), devices: noDevices, identity: data.identity, interactive: false, ...rest });
}

/** Answers questions from a script, in order; records what was asked. */
export function scriptedAsk(answers: string[]): { ask: SelfTestContext['ask']; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    ask: async (question) => {
      asked.push(question.en);
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`unexpected question: ${question.en}`);
      return answer;
    },
  };
}

/** The recording GPIO double: every pin opened, every level written, and a button a test can press. */
export class RecordingGpioBoard {
  readonly writes: { pin: number; value: number }[] = [];
  private readonly levels = new Map<number, number>();
  private readonly watchers = new Map<number, (error: Error | null | undefined, value: 0 | 1) => void>();

  /** `readsAs`: every pin reads this level whatever was written (a pin another program drives). */
  constructor(private readonly options: { readsAs?: 0 | 1 } = {}) {}

  readonly factory = (pin: number): GpioLike => ({
    writeSync: (value) => {
      this.writes.push({ pin, value });
      this.levels.set(pin, value);
    },
    readSync: () => this.options.readsAs ?? ((this.levels.get(pin) ?? 0) as 0 | 1),
    watch: (callback) => this.watchers.set(pin, callback),
    unwatchAll: () => this.watchers.delete(pin),
    unexport: () => undefined,
  });

  press(pin: number): void {
    this.watchers.get(pin)?.(null, 1);
  }

  /** The levels written to one pin, in order. */
  levelsOf(pin: number): number[] {
    return this.writes.filter((w) => w.pin === pin).map((w) => w.value);
  }
}
