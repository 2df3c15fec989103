/**
 * For the inspection tests: a real register with verifications of obviously fake people, the page served
 * over real HTTPS on 127.0.0.1 with its self-signed certificate, real accounts, and a client that trusts
 * that certificate. The page reads the register through registerPort, the path the agent uses.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import https from 'node:https';
import { join } from 'node:path';
import { drawnPortrait } from '../../drivers/sim/portrait.ts';
import { ensureAccounts } from '../accounts/accounts.ts';
import { dataDirPaths } from '../datadir.ts';
import { sampleRecord } from '../events/events-test-support.ts';
import { verifierPageHtml } from '../register/verifier-page/html.ts';
import { Register } from '../register/register.ts';
import { verifyRegisterOffThread } from '../register/verify-off-thread.ts';
import type { VerificationRecord } from '../session/record.ts';
import { ChainStateCache } from './chain-state.ts';
import { registerPort, type InspectionAction, type InspectionRegister } from './port.ts';
import { startInspectionServer, type InspectionServer } from './server.ts';
import { loadInspectionTls } from './tls.ts';

export const PEOPLE = [
  { fullName: 'Nguyễn Văn Thử', idNumber: '079203001234', decision: 'verified' as const },
  { fullName: 'Trần Thị Mẫu', idNumber: '001199000001', decision: 'rejected' as const },
  { fullName: 'Lê Văn Giả', idNumber: '001199000002', decision: 'verified' as const },
];

export function fillRegister(register: Register): void {
  PEOPLE.forEach((person, i) => {
    const base = sampleRecord({ decision: person.decision });
    const record: VerificationRecord = {
      ...base,
      identity: { ...base.identity!, fullName: person.fullName, idNumber: person.idNumber, placeOfResidence: `${i + 1} Đường Thử Nghiệm, Quận 1, TP. Hồ Chí Minh` },
      reasons: person.decision === 'verified' ? base.reasons : [{ code: 'face-no-match', messageVi: 'Khuôn mặt không khớp với ảnh trong chip' }],
    };
    register.append(record, { frameJpeg: drawnPortrait(i + 1), events: [] });
  });
}

export interface TestPage {
  server: InspectionServer;
  register: Register;
  port: InspectionRegister;
  deviceKey: KeyObject;
  ca: string;
  password: string;
  technicianPassword: string;
  dataDir: string;
  /** The inspection entries written so far, oldest first. */
  inspections(): InspectionAction[];
  clock: { now: number };
  close(): Promise<void>;
}

export const INSPECTOR = 'canbo.thu';

export async function startTestPage(dir: string, options: { lockoutFile?: string } = {}): Promise<TestPage> {
  const deviceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const register = Register.open(join(dir, 'register.db'), { deviceKey, outboxCapacity: 1000, dataKey: new Uint8Array(randomBytes(32)) });
  fillRegister(register);
  const port = registerPort(register, () => deviceKey);
  const inspections = () =>
    Array.from({ length: register.headSeq }, (_, i) => register.read(i + 1))
      .filter((e) => e?.kind === 'inspection')
      .map((e) => e!.public as InspectionAction);
  const changes = await ensureAccounts(dir, [
    { username: INSPECTOR, role: 'inspector' },
    { username: 'kythuat', role: 'technician' },
  ]);
  const tls = await loadInspectionTls(dataDirPaths(dir));
  const clock = { now: Date.parse('2026-11-30T03:00:00Z') };
  const chain = new ChainStateCache({ verify: (signal) => verifyRegisterOffThread(register.path, register.verificationKeys, { signal }), unsentAnchors: () => 0, now: () => clock.now });
  const server = await startInspectionServer({ register: port, dataDir: dir, tls, host: '127.0.0.1', port: 0, timeZone: 'Asia/Ho_Chi_Minh', chain, exportDir: join(dir, 'exports'), verifierPage: verifierPageHtml, now: () => clock.now, ...options });
  return {
    server,
    register,
    port,
    deviceKey,
    ca: tls.cert,
    password: changes.find((c) => c.username === INSPECTOR)!.password!,
    technicianPassword: changes.find((c) => c.username === 'kythuat')!.password!,
    dataDir: dir,
    inspections,
    clock,
    async close() {
      chain.stop();
      await server.close();
      register.close();
    },
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json(): Record<string, unknown>;
}

/** One HTTPS request that trusts the page's own certificate (the inspector compared its fingerprint). */
export function request(page: TestPage, method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const url = new URL(path, page.server.url);
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca: page.ca, headers: init.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) as Record<string, unknown> });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Logs in as a browser on the page would (JSON, same Origin); returns the answer and the session cookie. */
export async function login(page: TestPage, username: string, password: string): Promise<{ answer: Answer; cookie: string }> {
  const answer = await request(page, 'POST', '/api/login', { headers: { 'Content-Type': 'application/json', Origin: page.server.url }, body: JSON.stringify({ username, password }) });
  const set = answer.headers['set-cookie'];
  const cookie = (Array.isArray(set) ? set[0] : set)?.split(';')[0] ?? '';
  return { answer, cookie };
}
