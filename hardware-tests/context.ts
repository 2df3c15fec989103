/** Builds the context the checks run in, for the CLI and for the running agent. */
import type { TrustStore } from '../drivers/emrtd/authenticity/trust-store.ts';
import type { AgentConfig } from '../agent/config/schema.ts';
import { readRetiredDeviceKeys, type DataDirPaths, type DeviceIdentity } from '../agent/datadir.ts';
import { loadAgentTrust } from '../agent/run/trust.ts';
import { verifyRegisterOffThread } from '../agent/register/verify-off-thread.ts';
import { DEFAULT_LIMITS, type Ask, type DeviceProvider, type SelfTestContext, type SuiteLimits } from './types.ts';

const quiet = { info() {}, warn() {}, error() {} };

/** Answers nothing: a non-interactive run never asks, and a check that would is skipped before. */
export const noAsk: Ask = async () => '';

export interface ContextOptions {
  paths: DataDirPaths;
  config: AgentConfig;
  devices: DeviceProvider;
  identity: DeviceIdentity;
  interactive: boolean;
  ask?: Ask;
  say?: SelfTestContext['say'];
  limits?: Partial<SuiteLimits>;
  now?: () => Date;
  /** The trust store to judge (the agent's loaded one); the data dir's trust/ folder otherwise. */
  trust?: TrustStore;
  /** Stops the register worker with the agent. */
  stopSignal?: AbortSignal;
  /** The register's chain, already checked by the caller (the agent checks it first: its errors are the command's). */
  verifyRegister?: SelfTestContext['verifyRegister'];
  overrides?: Partial<Pick<SelfTestContext, 'nodeVersion' | 'statfs' | 'ntpSynchronized' | 'writeProbePath'>>;
}

export function makeContext(o: ContextOptions): SelfTestContext {
  let trust: Promise<TrustStore> | undefined = o.trust ? Promise.resolve(o.trust) : undefined;
  return {
    paths: o.paths,
    config: o.config,
    devices: o.devices,
    limits: { ...DEFAULT_LIMITS, ...o.limits },
    now: o.now ?? (() => new Date()),
    interactive: o.interactive,
    ask: o.ask ?? noAsk,
    say: o.say ?? (() => undefined),
    trust: () => (trust ??= loadAgentTrust(o.paths.trust, o.config.trust, [], quiet)),
    // The whole chain is checked in a worker: on a large register it takes seconds of CPU and disk.
    verifyRegister: o.verifyRegister ?? ((signal) => verifyRegisterOffThread(o.paths.register, deviceKeys(o.paths, o.identity), { signal: o.stopSignal ? AbortSignal.any([signal, o.stopSignal]) : signal })),
    shared: {},
    ...o.overrides,
  };
}

/** The current device key and those certificate renewals retired: register checkpoints name the one that signed them. */
function deviceKeys(paths: DataDirPaths, identity: DeviceIdentity): Map<string, DeviceIdentity['publicKey']> {
  return new Map([...readRetiredDeviceKeys(paths), [identity.keyId, identity.publicKey]]);
}
