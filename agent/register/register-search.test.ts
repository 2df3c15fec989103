// Register search (the inspection page's queries) on a real register: blind terms for ID numbers and names,
// decisions, time ranges, paging; entries whose personal data was purged are no longer found by it.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { sampleRecord } from '../events/events-test-support.ts';
import type { Decision, VerificationRecord } from '../session/record.ts';
import { Register } from './register.ts';

const deviceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const dataKey = new Uint8Array(randomBytes(32));
const test = suite('register search');
let dir = '';
let path = '';
/** Obviously fake people: [full name, ID number, decision], recorded one hour apart from 2026-11-01T00:00Z. */
const PEOPLE: [string, string, Decision][] = [
  ['Nguyễn Văn Thử', '079200000001', 'verified'],
  ['Trần Thị Mẫu', '079200000002', 'rejected'],
  ['Nguyễn Thị Thử', '079200000003', 'verified'],
  ['Lê Đức Giả', '079200000004', 'error'],
  ['Nguyễn Văn Thử', '079200000001', 'verified'],
  ['Phạm Văn Mẫu', '079200000006', 'rejected'],
];
const HOUR = 3_600_000;
const START = Date.parse('2026-11-01T00:00:00.000Z');
const at = (hour: number) => new Date(START + hour * HOUR).toISOString();

function person(name: string, idNumber: string, decision: Decision): VerificationRecord {
  const base = sampleRecord({ decision });
  return { ...base, identity: { ...base.identity!, fullName: name, idNumber, documentNumber: `C${idNumber.slice(-7)}` } };
}

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-register-search-'));
  path = join(dir, 'register.db');
  let hour = 0;
  const register = Register.open(path, { deviceKey, dataKey, outboxCapacity: 100, now: () => new Date(START + hour * HOUR) });
  for (const [i, [name, id, decision]] of PEOPLE.entries()) {
    hour = i;
    register.append(person(name, id, decision), { events: [] });
  }
  hour = PEOPLE.length;
  register.appendEntry('inspection', { inspector: 'canbo1', action: 'search' }, { query: { name: 'Thử' } });
  register.close();
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

const open = (withKey = true) => Register.open(path, { deviceKey, ...(withKey ? { dataKey } : {}), outboxCapacity: 0, readOnly: true });
const seqs = (result: { items: { seq: number }[] }) => result.items.map((item) => item.seq);

test('by ID number (and by document number), newest first, with the name and number opened for display', () => {
  const register = open();
  const found = register.search({ idNumber: '079200000001' });
  assert.equal(seqs(found), [5, 1]);
  assert.is(found.total, 2);
  assert.equal({ name: found.items[0]!.fullName, id: found.items[0]!.idNumber, kind: found.items[0]!.kind, purged: found.items[0]!.purged }, { name: 'Nguyễn Văn Thử', id: '079200000001', kind: 'verification', purged: false });
  assert.equal(seqs(register.search({ idNumber: '0792 0000 0002' })), [2], 'spaces typed in the number do not matter');
  assert.equal(seqs(register.search({ idNumber: 'c0000003' })), [3], 'the document number, any case');
  assert.equal(seqs(register.search({ idNumber: '079299999999' })), []);
  register.close();
});

test('by name words, with or without diacritics; every word searched must be in the name', () => {
  const register = open();
  assert.equal(seqs(register.search({ name: 'Nguyễn Văn Thử' })), [5, 1]);
  assert.equal(seqs(register.search({ name: 'nguyen van thu' })), [5, 1]);
  assert.equal(seqs(register.search({ name: 'THỬ' })), [5, 3, 1]);
  assert.equal(seqs(register.search({ name: 'duc' })), [4], 'đ is searched as d');
  assert.equal(seqs(register.search({ name: 'mau tran' })), [2], 'word order does not matter');
  assert.equal(seqs(register.search({ name: 'nguyen mau' })), [], 'both words must match');
  assert.equal(seqs(register.search({ name: 'Nguyễn', idNumber: '079200000003' })), [3], 'conditions combine');
  register.close();
});

test('by decision, kind and time range [from, to); counts by decision', () => {
  const register = open();
  assert.equal(seqs(register.search({ decision: 'rejected' })), [6, 2]);
  assert.equal(seqs(register.search({ kinds: ['inspection'] })), [7]);
  assert.equal(seqs(register.search({ from: at(1), to: at(3), order: 'asc' })), [2, 3], 'from is included, to is not');
  assert.equal(seqs(register.search({ from: '2026-11-01T07:00:00+07:00', to: at(2) })), [2, 1], 'any ISO offset is understood');
  assert.equal(register.countsByDecision({}), { verified: 3, rejected: 2, error: 1, inspection: 1 });
  assert.equal(register.countsByDecision({ from: at(1), to: at(4), kinds: ['verification'] }), { rejected: 1, verified: 1, error: 1 });
  register.close();
});

test('paging: limit and offset with the total; bad queries are clear errors', () => {
  const register = open();
  const first = register.search({ limit: 3 });
  const second = register.search({ limit: 3, offset: 3 });
  const third = register.search({ limit: 3, offset: 6 });
  assert.equal([seqs(first), seqs(second), seqs(third)], [[7, 6, 5], [4, 3, 2], [1]]);
  assert.equal([first.total, third.total], [7, 7]);
  for (const bad of [{ limit: 501 }, { offset: -1 }, { from: 'yesterday' }]) {
    assert.throws(() => register.search(bad), (e: unknown) => isXacminhError(e, 'INVALID_INPUT'), JSON.stringify(bad));
  }
  register.close();
  const locked = open(false);
  assert.throws(() => locked.search({ name: 'thu' }), /data key/);
  assert.equal(seqs(locked.search({ decision: 'verified' })), [5, 3, 1], 'public fields are searchable without the key');
  assert.is(locked.search({ decision: 'verified' }).items[0]!.fullName, null);
  locked.close();
});

test('an entry whose personal data was removed is no longer found by ID number or name, but by its decision and time', () => {
  const writer = Register.open(path, { deviceKey, dataKey, outboxCapacity: 100, now: () => new Date(START + 100 * HOUR) });
  const result = writer.purge(at(1), 30);
  assert.is(result.purged, 1, 'only entry 1 was recorded before hour 1');
  const after = writer.search({ idNumber: '079200000001' });
  assert.equal(seqs(after), [5]);
  assert.equal(seqs(writer.search({ name: 'nguyen van thu' })), [5]);
  const one = writer.search({ from: at(0), to: at(1) }).items[0]!;
  assert.equal({ seq: one.seq, decision: one.decision, purged: one.purged, fullName: one.fullName }, { seq: 1, decision: 'verified', purged: true, fullName: null });
  assert.ok(writer.verify().ok);
  writer.close();
});

test.run();
