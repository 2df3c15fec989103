/**
 * A large register for benchmarks, built through the real code (Register.append: format-2 public part,
 * AES-256-GCM sealing, blind terms, entry hash, checkpoints) in big transactions, so a million entries take
 * minutes, not the hours one fsync per entry would. People are obviously fake: names made of "Thử", "Mẫu",
 * "Giả" words and a number, ID numbers starting 000.
 *
 *   import { buildRegisterFixture } from './register-fixture.ts';
 *   const fixture = buildRegisterFixture('/tmp/r.db', 1_000_000, { frames: false });
 *
 * or from the command line: node --import tsx bench/register-fixture.ts <path> <n>
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ulid } from 'ulid';
import { Register } from '../agent/register/register.ts';
import type { Decision, VerificationRecord } from '../agent/session/record.ts';

export interface FixtureOptions {
  /** Data key (32 bytes); default a fresh random one (returned). */
  dataKey?: Uint8Array;
  /** Device private key; default a fresh P-256 key (returned). */
  deviceKey?: KeyObject;
  /** Seal a small frame with every entry (default false: frames make the file large and say little about speed). */
  frames?: boolean;
  /** Time of entry 1 (ISO; default 2025-01-01T00:00:00Z) and the time between entries (default 30 s). */
  start?: string;
  stepMs?: number;
  /** Entries per transaction (default 20 000). */
  batch?: number;
  checkpointEvery?: number;
  /** Called after each batch with the entries written so far. */
  progress?: (written: number) => void;
  /** Delete an existing file at `path` first (default true). */
  fresh?: boolean;
}

export interface Fixture {
  path: string;
  entries: number;
  dataKey: Uint8Array;
  deviceKey: KeyObject;
  publicKey: KeyObject;
  /** Fixture person i's name and ID number (what a search bench looks for). */
  person: (i: number) => { fullName: string; idNumber: string };
  /** recordedAt of entry seq (1-based). */
  timeOf: (seq: number) => string;
}

const SURNAMES = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Phan', 'Vũ', 'Đặng', 'Bùi', 'Đỗ'];
const MIDDLES = ['Văn', 'Thị', 'Đức', 'Minh', 'Ngọc'];
const GIVEN = ['Thử', 'Mẫu', 'Giả'];
const DECISIONS: Decision[] = ['verified', 'verified', 'verified', 'verified', 'rejected', 'error'];

/** 50 000 distinct fake people, so an ID number matches ~n/50 000 entries (a regular customer) and a name fewer. */
export function fixturePerson(i: number): { fullName: string; idNumber: string } {
  const p = i % 50_000;
  return {
    fullName: `${SURNAMES[p % 10]} ${MIDDLES[Math.floor(p / 10) % 5]} ${GIVEN[Math.floor(p / 50) % 3]} ${Math.floor(p / 150)}`,
    idNumber: `000${String(p).padStart(9, '0')}`,
  };
}

function fixtureRecord(i: number, startedAt: string): VerificationRecord {
  const person = fixturePerson(i);
  const decision = DECISIONS[i % DECISIONS.length]!;
  return {
    schemaVersion: 1,
    id: ulid(Date.parse(startedAt)),
    siteId: 'bench-site',
    deviceId: 'bench-device',
    startedAt,
    finishedAt: startedAt,
    decision,
    reasons: decision === 'verified' ? [] : [{ code: decision === 'rejected' ? 'face-no-match' : 'CARD_REMOVED', messageVi: decision === 'rejected' ? 'Khuôn mặt không khớp với ảnh trong chip.' : 'Thẻ bị rút ra.' }],
    accessKeySource: 'id-number',
    identity: {
      idNumber: person.idNumber,
      fullName: person.fullName,
      dateOfBirth: '1990-01-01',
      sex: i % 2 ? 'Nữ' : 'Nam',
      nationality: 'Việt Nam',
      placeOfOrigin: 'Xã Thử Nghiệm, Tỉnh Mẫu',
      placeOfResidence: `Số ${i % 500} Đường Giả Định, Phường Thử`,
      dateOfIssue: '2021-01-01',
      dateOfExpiry: '2035-01-01',
      documentNumber: `C${String(i % 50_000).padStart(7, '0')}`,
    },
    chip: { accessProtocol: 'BAC', verdict: 'genuine', passive: 'passed', active: 'passed', chip: 'not-checked', photoSha256: 'ab'.repeat(32) },
    face: null,
    steps: [
      { step: 'access-key', ms: 5, outcome: 'ok' },
      { step: 'read-chip', ms: 2100, outcome: 'ok' },
    ],
    operatorReference: null,
  };
}

export function buildRegisterFixture(path: string, n: number, options: FixtureOptions = {}): Fixture {
  if (options.fresh !== false) for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  const dataKey = options.dataKey ?? new Uint8Array(randomBytes(32));
  const deviceKey = options.deviceKey ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const start = Date.parse(options.start ?? '2025-01-01T00:00:00.000Z');
  const stepMs = options.stepMs ?? 30_000;
  const timeOf = (seq: number) => new Date(start + (seq - 1) * stepMs).toISOString();
  let seq = 0;
  const register = Register.open(path, { deviceKey, dataKey, outboxCapacity: 10_000_000, checkpointEvery: options.checkpointEvery ?? 1000, now: () => new Date(start + (seq - 1) * stepMs) });
  const frame = new Uint8Array(2048).fill(0x42);
  try {
    seq = register.headSeq;
    const batch = options.batch ?? 20_000;
    while (seq < n) {
      register.batch(() => {
        for (let k = 0; k < batch && seq < n; k++) {
          seq++;
          register.append(fixtureRecord(seq, timeOf(seq)), { ...(options.frames ? { frameJpeg: frame } : {}), events: [] });
        }
      });
      options.progress?.(seq);
    }
  } finally {
    register.close();
  }
  return { path, entries: n, dataKey, deviceKey, publicKey: register.publicKey, person: fixturePerson, timeOf };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [path = '/tmp/xacminh-register-fixture.db', count = '100000'] = process.argv.slice(2);
  const started = performance.now();
  const fixture = buildRegisterFixture(path, Number(count), { progress: (written) => process.stderr.write(`\r${written} entries`) });
  process.stderr.write('\n');
  console.log(`${fixture.entries} entries in ${((performance.now() - started) / 1000).toFixed(1)} s at ${path}`);
}
