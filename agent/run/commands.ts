/**
 * What the central system may ask a terminal over MQTT (cmd/<name>): ping, self-test, reload-config and
 * export-register. Replies never carry personal data: the broker must not see it.
 */
import { basename } from 'node:path';
import { z } from 'zod';
import { XacminhError } from '../../drivers/errors.ts';
import { CommandRegistry } from '../events/commands.ts';
import { loadConfigFile } from '../config/load.ts';
import type { AgentConfig } from '../config/schema.ts';
import { verifyRegisterOffThread, type VerifyOffThreadOptions } from '../register/verify-off-thread.ts';
import type { Agent } from './agent.ts';
import { AgentDevices, type LiveAgent } from '../../hardware-tests/agent-devices.ts';
import { makeContext, type ContextOptions } from '../../hardware-tests/context.ts';
import { SELFTEST_TOPIC } from '../../hardware-tests/publish.ts';
import { runSelfTest } from '../../hardware-tests/self-test.ts';

const VERSION = '0.1.0';
const EXPORT_LIMIT = 1000;

/** Fields a running agent can take at once; the rest need a restart (they rebuild devices or connections). */
const LIVE_FIELDS = ['timeouts', 'face.required'] as const;

const exportArgs = z
  .object({ from: z.iso.datetime().optional(), to: z.iso.datetime().optional(), limit: z.number().int().min(1).max(EXPORT_LIMIT).default(EXPORT_LIMIT) })
  .strict()
  .default({ limit: EXPORT_LIMIT });

/**
 * `heavyWindowMs`: how often self-test may run (default 60 s); `verify`: its worker's timeout and start; `clock`: now (tests);
 * `selfTest`: the self-test's host probes (tests: NTP state, statfs).
 */
export function agentCommands(
  agent: Agent,
  configPath: string | undefined,
  options: { heavyWindowMs?: number; verify?: Omit<VerifyOffThreadOptions, 'signal'>; clock?: () => Date; selfTest?: ContextOptions['overrides'] } = {},
): CommandRegistry {
  const startedAt = Date.now();
  const reader = watchReader(agent);
  return new CommandRegistry(options)
    .register('ping', () => ({
      siteId: agent.config.siteId,
      deviceId: agent.config.deviceId,
      version: VERSION,
      uptimeS: Math.round((Date.now() - startedAt) / 1000),
      state: agent.session?.current().state ?? 'starting',
      outbox: { waiting: agent.register.outbox.count(), held: agent.register.outbox.held() },
    }))
    .register(
      'self-test',
      // The whole chain is checked in a worker first (its TIMEOUT or CANCELLED is the command's answer), then the
      // same suite as `xacminh self-test` runs against the agent's live parts, never opening a device twice.
      async () => {
        const chain = await verifyRegisterOffThread(agent.register.path, agent.register.verificationKeys, { ...options.verify, signal: agent.stopSignal });
        const now = options.clock ?? (() => new Date());
        const run = await runSelfTest(
          makeContext({
            paths: agent.paths,
            config: agent.config,
            devices: new AgentDevices(liveAgent(agent, reader)),
            identity: agent.identity,
            interactive: false,
            now,
            trust: agent.trust,
            verifyRegister: async () => chain,
            ...(options.selfTest ? { overrides: options.selfTest } : {}),
          }),
          agent.identity,
        );
        // Published like an event: through the outbox, so it leaves when the broker takes it (QoS 1, PUBACK).
        let queued = true;
        try {
          agent.register.outbox.committed(agent.register.outbox.enqueue([{ id: run.report.id, topic: SELFTEST_TOPIC, payload: run.jws }], run.report.finishedAt));
          agent.publisher?.notify();
        } catch {
          queued = false; // the disk is full or read-only: disk.write says so; the reply still carries the result
        }
        // An unpinned master list, a CRL no CSCA signed or a CRL stale by now (not at load) weakens every chip verdict: not ok.
        const trustProblems = agent.trust?.problemsAt(now()).map((problem) => ({ file: basename(problem.file), message: problem.message })) ?? [];
        return {
          ok: run.report.status !== 'fail' && agent.orchestrator.failed().length === 0,
          status: run.report.status,
          parts: [...agent.orchestrator.status.values()],
          register: { entries: chain.entries, signedThrough: chain.signedThrough, ok: chain.ok, problems: chain.problems.slice(0, 10) },
          face: agent.face ? 'loaded' : 'not available',
          trust: { anchors: agent.trust?.size ?? 0, problems: trustProblems },
          outbox: { waiting: agent.register.outbox.count(), held: agent.register.outbox.held(), capacity: agent.register.outbox.capacity },
          checks: run.report.checks,
          report: { id: run.report.id, file: run.file ? basename(run.file) : null, ...(run.storeError ? { storeError: run.storeError } : {}), topic: SELFTEST_TOPIC, queued },
        };
      },
      { heavy: true },
    )
    .register('reload-config', async () => {
      if (!configPath) throw new XacminhError('CONFIG_INVALID', 'This agent runs on embedded defaults (no site config file): nothing to reload', {});
      const { config } = await loadConfigFile(configPath);
      const restartNeeded = changedFields(agent.config, config).filter((field) => !LIVE_FIELDS.some((live) => field === live || field.startsWith(`${live}.`)));
      agent.reconfigure({ ...agent.config, timeouts: config.timeouts, face: { ...agent.config.face, required: config.face.required } });
      return { applied: [...LIVE_FIELDS], restartNeeded };
    })
    // Bounded by its limit (at most EXPORT_LIMIT rows, no chain check), so it stays on the main thread.
    .register('export-register', ({ from, to, limit }) => {
      const entries = agent.register.list({ ...(from ? { from } : {}), ...(to ? { to } : {}), limit });
      const first = entries[0]?.seq ?? 0;
      const last = entries.at(-1)?.seq ?? 0;
      const hashes = entries.length ? [...agent.register.entries(first, last)].map((e) => Buffer.from(e.hash).toString('hex')) : [];
      return {
        headSeq: agent.register.headSeq,
        previousHash: first ? Buffer.from(agent.register.previousHash(first)).toString('hex') : null,
        entries: entries.map((e, i) => ({ ...e, hash: hashes[i] })),
        checkpoints: agent.register
          .checkpoints()
          .filter((c) => c.seq >= first && c.seq <= last)
          .map((c) => ({ seq: c.seq, headHash: Buffer.from(c.headHash).toString('hex'), signedAt: c.signedAt, keyId: c.keyId, signature: Buffer.from(c.signature).toString('base64url') })),
        truncated: entries.length === limit,
      };
    }, { args: exportArgs, usage: `{from?, to?: ISO times, limit?: 1..${EXPORT_LIMIT}}` });
}

/**
 * The card port's last word: its start never throws (pcscd missing is a fault with retries), so the part's
 * state alone cannot tell. The agent builds its commands before the reader part starts, so nothing is missed.
 */
function watchReader(agent: Agent): () => XacminhError | null {
  let fault: XacminhError | null = null;
  // Only what says the reader side is down; a card lifted mid-connect (CARD_REMOVED, CARD_ERROR) is the card's.
  agent.cards?.on('fault', (error) => {
    if (['PCSC_UNAVAILABLE', 'NO_READER', 'NATIVE_MODULE', 'READER_BUSY'].includes(error.code)) fault = error;
  });
  agent.cards?.on('ready', () => (fault = null));
  agent.cards?.on('card', () => (fault = null));
  return () => fault;
}

/** What the self-test reads of the running agent. */
function liveAgent(agent: Agent, reader: () => XacminhError | null): LiveAgent {
  const face = agent.face as (typeof agent.face & { engine?: LiveAgent['faceEngine'] }) | null;
  return {
    config: agent.config,
    partStatus: (name) => agent.orchestrator.status.get(name),
    readerFault: reader,
    camera: agent.camera,
    faceEngine: face?.engine ?? null,
    busy: () => agent.session?.busy ?? false,
    publisherConnected: () => agent.publisher?.isConnected ?? false,
    brokerUrl: agent.config.mqtt.kind === 'broker' ? agent.config.mqtt.url.replace(/\/\/[^@/]*@/, '//') : agent.brokerUrl,
  };
}

/** Dotted paths of the leaves that differ between two configs. */
export function changedFields(before: AgentConfig, after: AgentConfig): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) walk((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
    } else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path);
  };
  walk(before, after, '');
  return out;
}
