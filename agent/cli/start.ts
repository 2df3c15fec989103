/**
 * `xacminh start` (npm start). With no arguments (or --demo) it runs the embedded demo: simulated reader, card
 * and camera, an in-process broker and a subscriber standing in for the central system, so a newcomer sees a
 * whole verification flow. With a site config it runs the terminal as configured (see start-mode.ts).
 */
import { isXacminhError } from '../../drivers/errors.ts';
import type { SimulatedCamera } from '../../drivers/sim/sim-camera.ts';
import { configErrorLines } from '../config/load.ts';
import type { AgentConfig } from '../config/schema.ts';
import { markConfigured } from '../datadir.ts';
import { OPERATOR_MESSAGES } from '../labels.ts';
import type { VerificationRecord } from '../session/record.ts';
import type { SimulatedCardPort } from '../session/sim-card-port.ts';
import { Agent } from '../run/agent.ts';
import { DemoCustomers } from '../run/demo.ts';
import { DemoSubscriber } from '../run/demo-subscriber.ts';
import { installProcessPolicy } from '../run/process-policy.ts';
import { createAgentLogger, stderrIsJournal } from '../run/log.ts';
import { eventLoopCheck, registerWriteCheck } from '../run/health.ts';
import { systemdNotifierFromEnv } from '../run/systemd-notify.ts';
import { resolveStartMode, type StartMode } from './start-mode.ts';
import { DEMO_INSPECTOR, demoInspectorPassword, inspectionStartLines } from '../inspection/start-lines.ts';
import { announceNodeRed } from '../run/node-red-announce.ts';

export interface StartOptions {
  /** Absent: $XACMINH_DATA_DIR, else ./.data (where the demo may run). */
  dataDir?: string;
  config?: string;
  demo?: boolean;
  interval?: string;
  count?: string;
  verbose?: boolean;
  /** Set the register aside (kept, renamed) and start a new one: logged at warn and announced on register/genesis. */
  newRegister?: boolean;
}

export async function startCommand(options: StartOptions): Promise<number> {
  const print = (line: string) => process.stdout.write(`${line}\n`);
  // Under systemd, stderr lines carry a journald priority too: "  ! part not running" is a warning, the rest errors.
  const journal = stderrIsJournal();
  const printError = (line: string) => process.stderr.write(`${journal ? (line.startsWith('  !') ? '<4>' : '<3>') : ''}${line}\n`);
  const log = createAgentLogger({ level: options.verbose ? 'info' : 'warn' });
  let mode: StartMode;
  try {
    mode = await resolveStartMode(options);
  } catch (error) {
    for (const line of configErrorLines(error)) printError(line);
    return 2;
  }
  const { paths, demo } = mode;
  let config: AgentConfig = mode.config;
  if (demo && config.camera.kind === 'simulated') {
    // A still picture cannot blink or turn its head: the demo says so instead of pretending.
    config = { ...config, face: { ...config.face, activeLiveness: false } };
  }
  // The demo shows the site flows too (relay on verified, alarm on a clone): Node-RED in its own process.
  if (demo) config = { ...config, nodeRed: { ...config.nodeRed, enabled: true } };
  const stop = new AbortController();
  const onSignal = () => stop.abort('signal');
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const customers = demo ? await DemoCustomers.create() : undefined;
  const agent = new Agent({
    config,
    dataDir: paths.root,
    demo,
    log,
    ...(mode.configPath ? { configPath: mode.configPath } : {}),
    ...(customers ? { trustAnchors: [customers.trustAnchor] } : {}),
    ...(options.newRegister ? { newRegister: true } : {}),
  });
  let subscriber: DemoSubscriber | undefined;
  const limit = options.count ? Number(options.count) : Infinity;
  let finished = 0;
  const removeProcessPolicy = installProcessPolicy(log);
  // Under systemd (Type=notify): READY=1 once started, and a watchdog fed only while the agent is healthy.
  const systemd = systemdNotifierFromEnv({
    log,
    checks: () => [
      { name: 'register part', check: () => (agent.orchestrator.status.get('register')?.state === 'running' ? null : 'not running') },
      registerWriteCheck(paths.register),
      eventLoopCheck(),
    ],
  });
  try {
    print(`xacminh: starting${demo ? ' the embedded demo (simulated reader, card and camera)' : ''} — data dir ${paths.root}`);
    await agent.start();
    if (!demo) markConfigured(paths);
    if (options.newRegister && agent.registerOpened) {
      const aside = agent.registerOpened.asideAt;
      printError(`  ! SỔ ĐĂNG KÝ MỚI đã được lập (--new-register), mã sổ ${agent.registerOpened.registerId}${aside ? `; sổ cũ được giữ ở ${aside}` : ''}; đã báo về trung tâm.`);
      printError(`  ! A NEW register was started (--new-register)${aside ? `; the previous one is kept at ${aside}` : ''}; announced to the central side.`);
    }
    for (const failed of agent.orchestrator.failed()) printError(`  ! ${failed.name} is not running: ${failed.error?.message ?? ''}`);
    for (const problem of agent.trust.problems) printError(`  ! trust store: ${problem.message}`);
    print(`  broker ${agent.brokerUrl || (config.mqtt.kind === 'broker' ? config.mqtt.url : '')} · kiosk ${agent.uiUrl || 'off'} · site ${config.siteId} / device ${config.deviceId}`);
    if (config.inspection.enabled) {
      const demoInspector = demo && agent.inspection ? { username: DEMO_INSPECTOR, password: await demoInspectorPassword(paths.root) } : undefined;
      for (const line of inspectionStartLines(agent.inspection, demoInspector)) print(line);
    }
    if (agent.nodeRed) announceNodeRed(agent.nodeRed, print, { demo });
    print(`  face step: ${agent.face ? `on${config.face.activeLiveness ? '' : ' — active liveness challenge OFF (simulated camera shows a still picture)'}` : 'not available'}`);
    if (demo && agent.brokerUrl) {
      subscriber = new DemoSubscriber({
        url: agent.brokerUrl,
        devicePublicKey: agent.identity.publicKey,
        ...(agent.authority.demoPrivateKey ? { authorityPrivateKey: agent.authority.demoPrivateKey } : {}),
        onEvent: (event) => print(`      ${event.line}`),
        onProblem: (message) => print(`      ! ${message}`),
      });
      await subscriber.start();
    }
    agent.session.on('done', (record) => {
      print(summarise(record));
      if (++finished >= limit) stop.abort('count reached');
    });
    if (customers) {
      const everyMs = (options.interval ? Number(options.interval) : config.reader.kind === 'simulated' ? config.reader.everySeconds : 6) * 1000;
      customers.start({ cards: agent.cards as SimulatedCardPort, camera: agent.camera as SimulatedCamera | null, session: agent.session }, everyMs, (n, scenario) =>
        print(`#${n} ${new Date().toISOString().slice(11, 19)} ${scenario.title}: card on the reader, QR scanned`),
      );
    }
    systemd?.ready(`running: site ${config.siteId} / device ${config.deviceId}${agent.orchestrator.failed().length ? ` (not running: ${agent.orchestrator.failed().map((p) => p.name).join(', ')})` : ''}`);
    print('  Ctrl-C to stop.');
    await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    customers?.stop();
    // Give events already recorded a moment to leave; whatever is left waits in the outbox for the next start.
    await waitForDeliveries(agent, stop.signal.reason === 'count reached' ? 5000 : 2000);
  } catch (error) {
    // The operator's Vietnamese line first, then the specific cause (English) on its own line.
    const vi = isXacminhError(error) ? OPERATOR_MESSAGES[error.code] : undefined;
    if (vi) printError(`xacminh: ${vi}`);
    printError(`xacminh: ${isXacminhError(error) ? `${error.message} [${error.code}]` : String(error)}`);
    return 1;
  } finally {
    systemd?.stopping(`stopping (${String(stop.signal.reason ?? 'start failed')})`);
    customers?.stop();
    // An essential part that failed has stopped the others already, the register included.
    const kept = agent.orchestrator.status.get('register')?.state === 'running' ? `${agent.register.search({ kinds: ['verification'], limit: 1 }).total} in the register, ${agent.register.outbox.count()} event(s) waiting for the broker` : 'register not open';
    await agent.stop();
    await subscriber?.stop();
    removeProcessPolicy();
    systemd?.close();
    print(`xacminh: stopped (${finished} verification${finished === 1 ? '' : 's'} this run; ${kept}).`);
  }
  return 0;
}

function summarise(record: VerificationRecord): string {
  const ms = (step: string) => record.steps.find((s) => s.step === step)?.ms ?? 0;
  const chip = record.chip ? `chip ${record.chip.accessProtocol} ${ms('read-chip').toFixed(0)} ms, ${record.chip.verdict} (PA ${record.chip.passive}, AA ${record.chip.active}, CA ${record.chip.chip})` : 'chip not read';
  const face = record.face
    ? `face ${record.face.decision}${record.face.similarity !== null ? ` ${record.face.similarity.toFixed(3)} vs ${record.face.threshold.toFixed(3)}` : ''} ${ms('face').toFixed(0)} ms`
    : 'face not checked';
  const total = Date.parse(record.finishedAt) - Date.parse(record.startedAt);
  const why = record.reasons.map((r) => r.messageVi).join(' ');
  return `   → ${record.decision.toUpperCase()} in ${total} ms · ${chip} · ${face}${why ? ` · ${why}` : ''}`;
}

async function waitForDeliveries(agent: Agent, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (agent.register && agent.register.outbox.count() > 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50));
}
