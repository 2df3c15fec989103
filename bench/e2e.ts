/**
 * bench/e2e: the whole agent in-process, card on the reader → event received by a subscriber (issue 5).
 *
 *   node --expose-gc --import tsx bench/e2e.ts [--runs 50] [--warmup 3] [--brokers embedded,mosquitto] [--face off,on] [--settle 250]
 *       [--overlap on,off] [--read-ms 0]
 *
 * Issue 18 (faster at the counter): --read-ms 1500 makes the simulated reader as slow as a real one (each APDU
 * waits its share of 1.5 s, bench/slow-reader.ts); with face on, each --overlap value is a phase: on = the face
 * tracked from the card on (face.overlap true, the default), off = the face step after the read (the order
 * before). "read end → decision" runs from the session's 'checking-authenticity' update (the read returned)
 * to its 'recording' update (the decision taken), over the runs in which the face step ran.
 *
 * One Agent per phase (fresh temp data dir, demo keys, the demo's test CSCA trusted, kiosk off), simulated
 * reader, card and camera. The DemoCustomers scenarios cycle: the holder with her card (verified), someone
 * else with her card (face does not match), a cloned chip (not genuine; the face step is skipped). Each run:
 * the person steps up to the simulated camera (show(), then --settle ms so the camera's one-frame mailbox
 * holds a frame of them: not timed), t0, the card is placed, the QR text submitted, the session's 'done'
 * record, the card lifted, the subscriber's receipt of the event with that id (JWS verified, personal data
 * decrypted with the demo authority key, as DemoSubscriber does), the session no longer busy.
 *
 * The face step runs with activeLiveness false, as `xacminh start` does for the simulated camera (a still
 * picture cannot blink). The baseline is the same loop with face {enabled: false, required: false}: the chip
 * alone (the holder/impostor runs end "verified, face not checked"); ratio = full / chip-only, same broker.
 *
 * Brokers: (a) the embedded aedes broker (mqtt kind 'embedded', MQTT 3.1.1 as the agent uses it), (b) a real
 * Mosquitto via MosquittoHarness (kind 'broker', protocolVersion 5, username = device id, passwordFile in the
 * data dir; the subscriber is the harness's observer account, MQTT 5) — skipped when Mosquitto is missing.
 *
 * Steps are the record's own timings (record.steps). "record → PUBACK" and "record → event at subscriber"
 * start when the record step ends (the session's 'recording' update + the record step's ms): the event is in
 * the outbox then. "other" is card → end of record minus the timed steps (card detection, state updates).
 * RSS/heap are of this whole process (agent + broker when embedded + subscriber + bench), after gc when
 * --expose-gc is given; phases run one after the other, so later phases include what earlier ones left.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import type { SimulatedCamera } from '../drivers/sim/sim-camera.ts';
import { parseConfig } from '../agent/config/load.ts';
import { openVerificationEvent } from '../agent/events/event.ts';
import { MosquittoHarness, mosquittoMissing } from '../agent/events/mosquitto-harness.ts';
import type { VerificationRecord } from '../agent/session/record.ts';
import type { SimulatedCardPort } from '../agent/session/sim-card-port.ts';
import { Agent } from '../agent/run/agent.ts';
import { DemoCustomers, qrText, type DemoScenario } from '../agent/run/demo.ts';
import { arg, f1, quantile, sleep, until } from './support.ts';
import { apdusPerRead, slowDown } from './slow-reader.ts';

const runs = Number(arg('runs', '50'));
const warmup = Number(arg('warmup', '3'));
const settleMs = Number(arg('settle', '250'));
const brokers = arg('brokers', 'embedded,mosquitto').split(',') as ('embedded' | 'mosquitto')[];
const faceModes = arg('face', 'off,on').split(',').map((f) => f === 'on');
const overlapModes = arg('overlap', 'on,off').split(',').map((f) => f === 'on');
const readMs = Number(arg('read-ms', '0'));

const SITE = 'bench-site';
const DEVICE = 'bench-terminal';
const quiet = { info() {}, warn() {}, error() {} };
const gc = (globalThis as { gc?: () => void }).gc;
const memory = () => {
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss / 2 ** 20, heap: m.heapUsed / 2 ** 20 };
};

interface Run {
  scenario: number;
  decision: string;
  reasons: string;
  steps: Record<string, number>;
  cardToDone: number;
  cardToRecordEnd: number;
  recordToPuback: number;
  recordToArrival: number;
  cardToArrival: number;
  open: number;
  /** The face step's own stage timings (record.face.timings), frames seen, and the rest: waiting for frames. */
  face: Record<string, number> | undefined;
  /** The read returned → the decision taken / the record stored (NaN when the face step did not run). */
  readToDecision: number;
  readToDone: number;
}

interface PhaseResult {
  label: string;
  broker: 'embedded' | 'mosquitto';
  face: boolean;
  overlap: boolean;
  runs: Run[];
  memStart: { rss: number; heap: number };
  memEnd: { rss: number; heap: number };
  duplicates: number;
  faceLine: string;
  startMs: number;
}

const customers = await DemoCustomers.create();
const scenarios: DemoScenario[] = customers.scenarios;
const SHORT = ['holder', 'impostor', 'cloned chip'];
const perApduMs = readMs > 0 ? readMs / (await apdusPerRead(scenarios[0]!.card)) : 0;

async function phase(broker: 'embedded' | 'mosquitto', face: boolean, overlap: boolean, harness: MosquittoHarness | undefined): Promise<PhaseResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'xacminh-bench-e2e-'));
  const mqttConfig =
    broker === 'embedded'
      ? { kind: 'embedded', port: 0 }
      : { kind: 'broker', url: harness!.url, protocolVersion: 5, username: DEVICE, passwordFile: 'mqtt-password' };
  if (broker === 'mosquitto') writeFileSync(join(dataDir, 'mqtt-password'), 'pw-device\n', { mode: 0o600 });
  const config = parseConfig({
    siteId: SITE,
    deviceId: DEVICE,
    mqtt: mqttConfig,
    ui: { enabled: false }, inspection: { enabled: false },
    // As `xacminh start` does for the simulated camera: a still picture cannot pass an active challenge.
    face: face ? { enabled: true, activeLiveness: false, overlap } : { enabled: false, required: false },
  });
  const agent = new Agent({ config, dataDir, demo: true, log: quiet, trustAnchors: [customers.trustAnchor] });
  let subscriber: MqttClient | undefined;
  try {
    const startAt = performance.now();
    await agent.start();
    const startMs = performance.now() - startAt;
    const failed = agent.orchestrator.failed().map((p) => `${p.name}: ${p.error?.message ?? ''}`);
    if (failed.length) throw new Error(`parts not running: ${failed.join('; ')}`);
    const faceLine = agent.face ? `on — active liveness challenge OFF (simulated camera shows a still picture)` : 'off (chip only, face not required)';

    // The subscriber: arrival time on the wire, then the JWS checked and the personal data opened to get the id.
    const arrivals = new Map<string, { at: number; open: number }>();
    let duplicates = 0;
    subscriber = await mqtt.connectAsync(broker === 'embedded' ? agent.brokerUrl : harness!.url, {
      clientId: `bench-e2e-sub-${broker}-${face ? 'face' : 'chip'}`,
      reconnectPeriod: 0,
      clean: true,
      ...(broker === 'mosquitto' ? { username: 'central', password: 'pw-central', protocolVersion: 5 as const } : {}),
    });
    subscriber.on('message', (_topic, payload) => {
      const at = performance.now();
      void openVerificationEvent(payload.toString('utf8'), { devicePublicKey: agent.identity.publicKey, authorityPrivateKey: agent.authority.demoPrivateKey! }).then(
        (opened) => {
          if (arrivals.has(opened.event.id)) duplicates++;
          else arrivals.set(opened.event.id, { at, open: performance.now() - at });
        },
        (error: unknown) => console.log(`  ! subscriber: ${(error as Error).message}`),
      );
    });
    await subscriber.subscribeAsync(`xacminh/v1/${SITE}/+/event/verification`, { qos: 1 });
    await until(() => agent.publisher.isConnected, 10_000, 'the publisher to connect');

    const pubacks = new Map<string, number>();
    agent.publisher.on('delivered', ({ id }: { id: string }) => pubacks.set(id, performance.now()));
    const recordingAt = new Map<string, number>();
    const readEndAt = new Map<string, number>();
    agent.session.on('update', (update) => {
      if (update.state === 'recording' && update.verificationId) recordingAt.set(update.verificationId, performance.now());
      if (update.state === 'checking-authenticity' && update.verificationId) readEndAt.set(update.verificationId, performance.now());
    });

    const memStart = memory();
    const cards = agent.cards as SimulatedCardPort;
    const camera = agent.camera as SimulatedCamera | null;
    const results: Run[] = [];
    let shown = -1;
    for (let n = 0; n < warmup + runs; n++) {
      const index = n % scenarios.length;
      const scenario = scenarios[index]!;
      if (camera && shown !== index) {
        await camera.show(scenario.atCamera);
        shown = index;
        await sleep(settleMs); // the camera's mailbox now holds a frame of this person
      }
      const done = new Promise<VerificationRecord>((resolve) => agent.session.once('done', resolve));
      const t0 = performance.now();
      slowDown(cards.place(scenario.card).transport, perApduMs);
      agent.session.submitAccessKey(qrText(scenario.card));
      const record = await done;
      const doneAt = performance.now();
      cards.lift();
      await until(() => arrivals.has(record.id), 10_000, `event ${record.id} at the subscriber`);
      await until(() => !agent.session.busy, 5000, 'the session to be ready again');
      if (n < warmup) continue;
      const steps = Object.fromEntries(record.steps.filter((s) => s.outcome !== 'skipped').map((s) => [s.step, s.ms]));
      const recordEnd = recordingAt.get(record.id)! + (steps.record ?? 0);
      const arrival = arrivals.get(record.id)!;
      const stepSum = record.steps.reduce((sum, s) => sum + s.ms, 0);
      const faceStages = record.face && steps.face !== undefined && record.face.framesSeen > 0 ? record.face.timings : undefined;
      // With overlap the stage times include work done during the read, so "rest" goes negative by that much.
      const staged = faceStages ? Object.entries(faceStages).reduce((a, [k, v]) => (k === 'total' || k === 'tracked-before-photo' ? a : a + v), 0) : 0;
      results.push({
        scenario: index,
        decision: record.decision,
        reasons: record.reasons.map((r) => r.code).join(','),
        steps: { ...steps, other: recordEnd - t0 - stepSum },
        cardToDone: doneAt - t0,
        cardToRecordEnd: recordEnd - t0,
        recordToPuback: (pubacks.get(record.id) ?? NaN) - recordEnd,
        recordToArrival: arrival.at - recordEnd,
        cardToArrival: arrival.at - t0,
        open: arrival.open,
        face: faceStages ? { ...faceStages, 'frames seen': record.face!.framesSeen, 'rest: frame waits, glue (step − stages)': steps.face! - staged } : undefined,
        readToDecision: faceStages ? recordingAt.get(record.id)! - readEndAt.get(record.id)! : NaN,
        readToDone: faceStages ? doneAt - readEndAt.get(record.id)! : NaN,
      });
    }
    await until(() => agent.register.outbox.count() === 0, 10_000, 'the outbox to empty');
    const faceLabel = face ? `on${overlapModes.length > 1 || !overlap ? (overlap ? ' (overlap)' : ' (after the read)') : ''}` : 'off';
    return { label: `${broker === 'embedded' ? 'aedes (embedded)' : 'Mosquitto'} · face ${faceLabel}`, broker, face, overlap, runs: results, memStart, memEnd: memory(), duplicates, faceLine, startMs };
  } finally {
    await agent.stop();
    await subscriber?.endAsync();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const out = (line = '') => console.log(line);
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
const loadAtStart = load();

const results: PhaseResult[] = [];
let harness: MosquittoHarness | undefined;
const missing = brokers.includes('mosquitto') ? mosquittoMissing() : null;
try {
  for (const broker of brokers) {
    if (broker === 'mosquitto') {
      if (missing) {
        out(missing);
        continue;
      }
      harness = new MosquittoHarness({ siteId: SITE, devices: [{ id: DEVICE, password: 'pw-device' }], observer: { username: 'central', password: 'pw-central' } });
      await harness.start();
    }
    for (const [face, overlap] of faceModes.flatMap((f): [boolean, boolean][] => (f ? overlapModes.map((o): [boolean, boolean] => [true, o]) : [[false, false]]))) {
      const started = performance.now();
      const result = await phase(broker, face, overlap, harness);
      results.push(result);
      console.log(`  (${result.label}: ${runs} runs + ${warmup} warm-up in ${((performance.now() - started) / 1000).toFixed(1)} s; face step ${result.faceLine})`);
    }
    await harness?.dispose();
    harness = undefined;
  }
} finally {
  await harness?.dispose();
}

out(`${runs} verifications per phase after ${warmup} warm-up, scenarios cycled ${SHORT.join(' / ')}; node ${process.version}; gc ${gc ? 'on' : 'off'}; load average ${loadAtStart} at start, ${load()} at end (${cpus().length} CPUs)`);
out('Face step: on = activeLiveness false, as `xacminh start` sets for the simulated camera (a still picture cannot blink); off = face {enabled: false, required: false}.');
out(readMs > 0 ? `Reader: ${readMs} ms per full read (${perApduMs.toFixed(1)} ms before each APDU).` : 'Reader: in process, no added latency.');
out();
const faceRuns = results.filter((r) => r.face);
if (faceRuns.length) {
  out('Decision after the read ends (runs in which the face step ran: holder and impostor):');
  out();
  out('| phase | read-chip median ms | read end → decision, median ms | p95 ms | max ms | read end → recorded, median ms | p95 ms | face tracked before the photo, median ms | n |');
  out('|---|---|---|---|---|---|---|---|---|');
  for (const r of faceRuns) {
    const ran = r.runs.filter((x) => Number.isFinite(x.readToDecision));
    const pick = (f: (x: Run) => number, q: number) => f1(quantile(ran.map(f), q));
    out(
      `| ${r.label} | ${pick((x) => x.steps['read-chip'] ?? NaN, 0.5)} | ${pick((x) => x.readToDecision, 0.5)} | ${pick((x) => x.readToDecision, 0.95)} | ${pick((x) => x.readToDecision, 1)} | ${pick((x) => x.readToDone, 0.5)} | ${pick((x) => x.readToDone, 0.95)} | ${pick((x) => x.face?.['tracked-before-photo'] ?? NaN, 0.5)} | ${ran.length} |`,
    );
  }
  out();
}
out('| phase | card → event at subscriber, median ms | p95 ms | ratio to chip-only (median) | card → done, median ms | record → event at subscriber, median ms | p95 ms |');
out('|---|---|---|---|---|---|---|');
for (const r of results) {
  const base = results.find((b) => b.broker === r.broker && !b.face);
  const median = quantile(r.runs.map((x) => x.cardToArrival), 0.5);
  const ratio = base ? median / quantile(base.runs.map((x) => x.cardToArrival), 0.5) : NaN;
  out(
    `| ${r.label} | ${f1(median)} | ${f1(quantile(r.runs.map((x) => x.cardToArrival), 0.95))} | ${Number.isFinite(ratio) ? ratio.toFixed(2) : '–'} | ${f1(quantile(r.runs.map((x) => x.cardToDone), 0.5))} | ${f1(quantile(r.runs.map((x) => x.recordToArrival), 0.5))} | ${f1(quantile(r.runs.map((x) => x.recordToArrival), 0.95))} |`,
  );
}
out();
out('Split by step (median / p95 ms; n = runs in which the step ran — the cloned chip skips the face):');
out();
const stepRows: [string, (x: Run) => number | undefined][] = [
  ['access-key (QR text submitted right after the card)', (x) => x.steps['access-key']],
  ['read-chip', (x) => x.steps['read-chip']],
  ['authenticity', (x) => x.steps.authenticity],
  ['face', (x) => x.steps.face],
  ['record (event built + register transaction)', (x) => x.steps.record],
  ['other (card detection, state updates)', (x) => x.steps.other],
  ['record → PUBACK at the agent', (x) => x.recordToPuback],
  ['event: record → event at subscriber', (x) => x.recordToArrival],
  ['subscriber: verify JWS + decrypt JWE', (x) => x.open],
  ['total: card → event at subscriber', (x) => x.cardToArrival],
];
const faceKeys = [...new Set(results.flatMap((r) => r.runs.flatMap((x) => Object.keys(x.face ?? {}))))];
stepRows.splice(4, 0, ...faceKeys.map((key): [string, (x: Run) => number | undefined] => [`  face · ${key}`, (x) => x.face?.[key]]));
out(`| step | ${results.map((r) => r.label).join(' | ')} |`);
out(`|---|${results.map(() => '---').join('|')}|`);
for (const [name, pick] of stepRows) {
  const cells = results.map((r) => {
    const values = r.runs.map(pick).filter((v): v is number => v !== undefined && Number.isFinite(v));
    return values.length ? `${f1(quantile(values, 0.5))} / ${f1(quantile(values, 0.95))} (n ${values.length})` : '–';
  });
  out(`| ${name} | ${cells.join(' | ')} |`);
}
out();
out('By scenario: card → event at subscriber, median / p95 ms, and decisions:');
out();
out(`| scenario | ${results.map((r) => r.label).join(' | ')} |`);
out(`|---|${results.map(() => '---').join('|')}|`);
for (let s = 0; s < scenarios.length; s++) {
  const cells = results.map((r) => {
    const mine = r.runs.filter((x) => x.scenario === s);
    const decisions = new Map<string, number>();
    for (const x of mine) decisions.set(`${x.decision}${x.reasons ? ` (${x.reasons})` : ''}`, (decisions.get(`${x.decision}${x.reasons ? ` (${x.reasons})` : ''}`) ?? 0) + 1);
    const what = [...decisions].map(([d, c]) => `${c}× ${d}`).join(', ');
    return `${f1(quantile(mine.map((x) => x.cardToArrival), 0.5))} / ${f1(quantile(mine.map((x) => x.cardToArrival), 0.95))} — ${what}`;
  });
  out(`| ${SHORT[s]} | ${cells.join(' | ')} |`);
}
out();
out('Process memory (MiB):');
out();
out('| phase | agent start ms | RSS after start | heap after start | RSS after the runs | heap after the runs | duplicates at subscriber |');
out('|---|---|---|---|---|---|---|');
for (const r of results) out(`| ${r.label} | ${r.startMs.toFixed(0)} | ${r.memStart.rss.toFixed(0)} | ${r.memStart.heap.toFixed(0)} | ${r.memEnd.rss.toFixed(0)} | ${r.memEnd.heap.toFixed(0)} | ${r.duplicates} |`);
