/**
 * Register benchmarks (issue 17): `register verify` and `verify-export` on a large register (goal ≤ 10 s
 * for 1,000,000 entries), and the append rate with personal data sealed vs with nothing to seal, in the
 * same run. Prints figures; bench/RESULTS.md records them with the command.
 *
 *   npm run bench:register -- [entries=1000000] [fixture path=/tmp/xacminh-register-bench.db]
 *
 * XACMINH_BENCH_VERIFY_ONLY=1: only `register verify`; XACMINH_BENCH_SKIP_VERIFY=1: only the append rates;
 * XACMINH_BENCH_EXPORT_ONLY=1: only the export and verify-export (one pass, then in slices on worker threads).
 * The fixture (bench/register-fixture.ts) is reused when its file and key sidecar (<path>.keys.json) are
 * there with the same number of entries: building a million entries takes minutes.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readExportFile, writeRegisterExport } from '../agent/register/export.ts';
import { readExportFileParallel } from '../agent/register/export-verify-parallel.ts';
import { Register } from '../agent/register/register.ts';
import { verifyRegisterOffThread } from '../agent/register/verify-off-thread.ts';
import type { VerificationRecord } from '../agent/session/record.ts';
import { buildRegisterFixture, fixturePerson } from './register-fixture.ts';

const entries = Number(process.argv[2] ?? 1_000_000);
const path = process.argv[3] ?? '/tmp/xacminh-register-bench.db';
const keysPath = `${path}.keys.json`;
const seconds = (from: number) => (performance.now() - from) / 1000;
/** CPU seconds (user + system) of this process: on a machine shared with other work, wall time says more about the neighbours. */
const cpuNow = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};
const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en-US')}/s`;

function fixture(): { dataKey: Uint8Array; deviceKey: ReturnType<typeof createPrivateKey> } {
  if (existsSync(path) && existsSync(keysPath)) {
    const keys = JSON.parse(readFileSync(keysPath, 'utf8')) as { entries: number; dataKey: string; deviceKey: string };
    if (keys.entries === entries) {
      console.log(`fixture: reusing ${path} (${entries.toLocaleString('en-US')} entries, ${(statSync(path).size / 2 ** 20).toFixed(0)} MiB)`);
      return { dataKey: new Uint8Array(Buffer.from(keys.dataKey, 'base64')), deviceKey: createPrivateKey(keys.deviceKey) };
    }
  }
  const started = performance.now();
  const built = buildRegisterFixture(path, entries, { progress: (n) => process.stderr.write(`\rfixture: ${n} entries`) });
  process.stderr.write('\n');
  writeFileSync(keysPath, JSON.stringify({ entries, dataKey: Buffer.from(built.dataKey).toString('base64'), deviceKey: built.deviceKey.export({ type: 'pkcs8', format: 'pem' }) }), { mode: 0o600 });
  console.log(`fixture: built ${entries.toLocaleString('en-US')} entries in ${seconds(started).toFixed(1)} s (${rate(entries, seconds(started))}, batched transactions)`);
  return built;
}

async function verifyBench(keys: { dataKey: Uint8Array; deviceKey: ReturnType<typeof createPrivateKey> }): Promise<void> {
  const register = Register.open(path, { deviceKey: keys.deviceKey, dataKey: keys.dataKey, outboxCapacity: 0, readOnly: true });
  const out = join(mkdtempSync(join(tmpdir(), 'xacminh-bench-export-')), 'export.jsonl');
  const exportOnly = process.env.XACMINH_BENCH_EXPORT_ONLY === '1';
  try {
    if (!exportOnly) await registerVerifyBench(register);
    if (process.env.XACMINH_BENCH_VERIFY_ONLY === '1') return;

    const exportStarted = performance.now();
    writeRegisterExport(out, register, { signingKey: keys.deviceKey });
    const exportTook = seconds(exportStarted);
    console.log(`register export: ${(statSync(out).size / 2 ** 20).toFixed(0)} MiB in ${exportTook.toFixed(2)} s (${rate(entries, exportTook)})`);
    const checkStarted = performance.now();
    let cpu = cpuNow();
    const { report: checked } = await readExportFile(out, { trustedPublicKey: register.publicKey });
    const checkTook = seconds(checkStarted);
    console.log(`verify-export, one pass: ${checked.entries.toLocaleString('en-US')} entries, ok=${checked.ok}, ${checkTook.toFixed(2)} s wall, ${(cpuNow() - cpu).toFixed(2)} s CPU (${rate(checked.entries, checkTook)}); goal ≤ 10 s for 1,000,000`);
    const threads = Math.min(4, availableParallelism());
    const parallelStarted = performance.now();
    cpu = cpuNow();
    const parallel = await readExportFileParallel(out, { trustedPublicKey: register.publicKey, threads });
    const parallelTook = seconds(parallelStarted);
    const same = JSON.stringify(parallel.report) === JSON.stringify(checked);
    console.log(
      `verify-export, ${parallel.slices} slices on ${threads} worker threads (what the CLI runs): ${parallel.report.entries.toLocaleString('en-US')} entries, ok=${parallel.report.ok}, same report as one pass=${same}, ` +
        `${parallelTook.toFixed(2)} s wall, ${(cpuNow() - cpu).toFixed(2)} s CPU, all threads (${rate(parallel.report.entries, parallelTook)}); goal ≤ 10 s for 1,000,000`,
    );
  } finally {
    register.close();
    rmSync(out, { force: true });
  }
}

async function registerVerifyBench(register: Register): Promise<void> {
  const started = performance.now();
  const cpu = cpuNow();
  const report = register.snapshot(() => register.verify());
  const took = seconds(started);
  console.log(`register verify: ${report.entries.toLocaleString('en-US')} entries, ok=${report.ok}, ${took.toFixed(2)} s wall, ${(cpuNow() - cpu).toFixed(2)} s CPU (${rate(report.entries, took)}); goal ≤ 10 s for 1,000,000`);
  const threads = Math.min(4, availableParallelism());
  const parallelStarted = performance.now();
  const parallel = await verifyRegisterOffThread(path, register.verificationKeys, { threads });
  const parallelTook = seconds(parallelStarted);
  console.log(`register verify, ${threads} worker threads (what the CLI runs): ${parallel.entries.toLocaleString('en-US')} entries, ok=${parallel.ok}, ${parallelTook.toFixed(2)} s wall (${rate(parallel.entries, parallelTook)})`);
}

/**
 * Appends one at a time, each its own transaction (fsync), as the agent does: verifications with an
 * identity and a 20 KB frame to seal, against the same records with nothing to seal (identity null, no
 * frame), interleaved in rounds so disk and CPU contention hit both alike.
 */
function appendBench(): void {
  const dir = mkdtempSync(join(tmpdir(), 'xacminh-bench-append-'));
  const deviceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const open = (name: string) => Register.open(join(dir, name), { deviceKey, dataKey: new Uint8Array(randomBytes(32)), outboxCapacity: 10_000_000 });
  const sealed = open('sealed.db');
  const plain = open('plain.db');
  const frame = new Uint8Array(randomBytes(20_000));
  const total = { sealed: 0, plain: 0 };
  const perRound = 100;
  const rounds = Number(process.env.XACMINH_BENCH_APPEND_ROUNDS ?? 10);
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [register, withData] of [[sealed, true], [plain, false]] as const) {
        const started = performance.now();
        for (let i = 0; i < perRound; i++) {
          const record = benchRecord(round * perRound + i, withData);
          register.append(record, { ...(withData ? { frameJpeg: frame } : {}), events: [{ id: record.id, topic: 'event/verification', payload: 'x'.repeat(2000) }] });
        }
        total[withData ? 'sealed' : 'plain'] += performance.now() - started;
      }
    }
    const n = rounds * perRound;
    const sealedRate = n / (total.sealed / 1000);
    const plainRate = n / (total.plain / 1000);
    console.log(`append (one transaction each, synchronous=FULL), ${n} each, interleaved:`);
    console.log(`  sealed (identity + 20 KB frame encrypted, search terms): ${sealedRate.toFixed(0)}/s, ${(total.sealed / n).toFixed(2)} ms each`);
    console.log(`  nothing to seal (identity null, no frame):             ${plainRate.toFixed(0)}/s, ${(total.plain / n).toFixed(2)} ms each`);
    console.log(`  ratio sealed/plain time: ${(total.sealed / total.plain).toFixed(2)}`);
  } finally {
    sealed.close();
    plain.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function benchRecord(i: number, withData: boolean): VerificationRecord {
  const person = fixturePerson(i);
  return {
    schemaVersion: 1,
    id: `01BENCH${String(i).padStart(19, '0')}`.slice(0, 26),
    siteId: 'bench-site',
    deviceId: 'bench-device',
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    decision: 'verified',
    reasons: [],
    accessKeySource: 'id-number',
    identity: withData
      ? { ...person, dateOfBirth: '1990-01-01', sex: 'Nam', nationality: 'Việt Nam', placeOfOrigin: 'Xã Thử', placeOfResidence: 'Đường Giả Định', dateOfIssue: '2021-01-01', dateOfExpiry: '2035-01-01', documentNumber: `C${i}` }
      : null,
    chip: null,
    face: null,
    steps: [],
    operatorReference: null,
  };
}

console.log(`node ${process.version}, ${process.platform}/${process.arch}, load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
if (process.env.XACMINH_BENCH_SKIP_VERIFY !== '1') await verifyBench(fixture());
if (process.env.XACMINH_BENCH_VERIFY_ONLY !== '1' && process.env.XACMINH_BENCH_EXPORT_ONLY !== '1') appendBench();
