/**
 * The inspection page's search on a large register (issue 17: goal ≤ 200 ms on 1,000,000 entries): each
 * query as the inspector's browser sends it (HTTPS GET /api/search with a session: the inspection entry is
 * appended, the blind-index search runs, the page of 50 and the counts for the range are sent), and the
 * same query on Register.search alone. Median and p95 over --runs queries, a different person each time.
 *
 *   node --import tsx bench/inspection-search.ts [--entries 1000000] [--runs 30] [--db /tmp/f.db] [--reuse]
 *
 * --reuse keeps the fixture (and its data key beside it, 0600) for the next run.
 */
import { generateKeyPairSync, createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAccounts } from '../agent/accounts/accounts.ts';
import { dataDirPaths } from '../agent/datadir.ts';
import { ChainStateCache } from '../agent/inspection/chain-state.ts';
import { registerPort } from '../agent/inspection/port.ts';
import { startInspectionServer } from '../agent/inspection/server.ts';
import { loadInspectionTls } from '../agent/inspection/tls.ts';
import { Register } from '../agent/register/register.ts';
import { buildRegisterFixture, fixturePerson } from './register-fixture.ts';
import { arg, f1, quantile } from './support.ts';

const entries = Number(arg('entries', '1000000'));
const runs = Number(arg('runs', '30'));
const db = arg('db', join(tmpdir(), `xacminh-inspection-bench-${entries}.db`));
const reuse = process.argv.includes('--reuse');
const keyFile = `${db}.keys.json`;

let dataKey: Uint8Array;
let deviceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
if (reuse && existsSync(db) && existsSync(keyFile)) {
  const saved = JSON.parse(readFileSync(keyFile, 'utf8')) as { dataKey: string; deviceKey: string };
  dataKey = new Uint8Array(Buffer.from(saved.dataKey, 'base64'));
  deviceKey = createPrivateKey(saved.deviceKey);
  console.log(`fixture: reusing ${db}`);
} else {
  const started = performance.now();
  const fixture = buildRegisterFixture(db, entries, { deviceKey, progress: (n) => process.stderr.write(`\rbuilding fixture: ${n} entries`) });
  process.stderr.write('\n');
  dataKey = fixture.dataKey;
  writeFileSync(keyFile, JSON.stringify({ dataKey: Buffer.from(dataKey).toString('base64'), deviceKey: deviceKey.export({ type: 'pkcs8', format: 'pem' }) }), { mode: 0o600 });
  console.log(`fixture: ${entries} entries built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

const dir = mkdtempSync(join(tmpdir(), 'xacminh-inspection-bench-'));
const register = Register.open(db, { deviceKey, dataKey, outboxCapacity: 10_000_000 });
const [change] = await ensureAccounts(dir, [{ username: 'canbo.bench', role: 'inspector' }]);
const tls = await loadInspectionTls(dataDirPaths(dir));
const chain = new ChainStateCache({ verify: () => new Promise(() => {}), unsentAnchors: () => 0, now: Date.now });
const server = await startInspectionServer({ register: registerPort(register, () => deviceKey), dataDir: dir, tls, host: '127.0.0.1', port: 0, timeZone: 'Asia/Ho_Chi_Minh', chain, exportDir: join(dir, 'exports') });
const agent = new https.Agent({ ca: tls.cert, keepAlive: true });

function get(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<{ status: number; text: string; cookie?: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, server.url), { method, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, ...(res.headers['set-cookie'] ? { cookie: res.headers['set-cookie'][0]!.split(';')[0]! } : {}) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const login = await get('/api/login', { 'Content-Type': 'application/json', Origin: server.url }, 'POST', JSON.stringify({ username: 'canbo.bench', password: change!.password }));
if (login.status !== 200 || !login.cookie) throw new Error(`login failed: ${login.status} ${login.text}`);
const cookie = login.cookie;

const day = (i: number) => new Date(Date.UTC(2025, 0, 2 + ((i * 37) % 300))).toISOString().slice(0, 10);
const cases: { name: string; params: (i: number) => Record<string, string> }[] = [
  { name: 'ID number', params: (i) => ({ idNumber: fixturePerson(i * 7919).idNumber }) },
  { name: 'full name', params: (i) => ({ name: fixturePerson(i * 7919).fullName }) },
  { name: 'one day + decision', params: (i) => ({ from: day(i), to: day(i), decision: 'rejected' }) },
  { name: 'one month, no filter', params: (i) => ({ from: `2025-${String(2 + (i % 10)).padStart(2, '0')}-01`, to: `2025-${String(2 + (i % 10)).padStart(2, '0')}-28` }) },
];

console.log(`\ninspection search on ${register.headSeq} entries, ${runs} queries per case (ms)`);
console.log('| query | HTTPS /api/search median | p95 | Register.search + counts median | p95 | hits (median) |');
console.log('|---|---|---|---|---|---|');
for (const c of cases) {
  const http: number[] = [];
  const direct: number[] = [];
  const hits: number[] = [];
  await get(`/api/search?${new URLSearchParams(c.params(0))}`, { Cookie: cookie }); // warm the statement cache
  for (let i = 1; i <= runs; i++) {
    const params = c.params(i);
    let t = performance.now();
    const answer = await get(`/api/search?${new URLSearchParams(params)}`, { Cookie: cookie });
    http.push(performance.now() - t);
    if (answer.status !== 200) throw new Error(`${c.name}: ${answer.status} ${answer.text}`);
    hits.push((JSON.parse(answer.text) as { total: number }).total);
    const range = params.from ? { from: new Date(`${params.from}T00:00:00+07:00`).toISOString(), to: new Date(Date.parse(`${params.to}T00:00:00+07:00`) + 86_400_000).toISOString() } : {};
    t = performance.now();
    register.search({ ...range, kinds: ['verification'], ...(params.idNumber ? { idNumber: params.idNumber } : {}), ...(params.name ? { name: params.name } : {}), ...(params.decision ? { decision: params.decision } : {}), limit: 50 });
    if (params.from) register.countsByDecision({ ...range, kinds: ['verification'] }); // as the page: counts for a day range
    direct.push(performance.now() - t);
  }
  console.log(`| ${c.name} | ${f1(quantile(http, 0.5))} | ${f1(quantile(http, 0.95))} | ${f1(quantile(direct, 0.5))} | ${f1(quantile(direct, 0.95))} | ${quantile(hits, 0.5)} |`);
}

agent.destroy();
await server.close();
register.close();
rmSync(dir, { recursive: true, force: true });
if (!reuse) for (const suffix of ['', '-wal', '-shm', '.keys.json']) rmSync(`${db}${suffix}`, { force: true });
