// The genesis entry and the register marker (FORMAT.md "Genesis and the register marker") on real SQLite files:
// first start, restart, a deleted, emptied or replaced database refused, a legacy register adopted, and
// --new-register keeping the old file aside.
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { dataDirPaths, keyIdOf, type DataDirPaths } from '../datadir.ts';
import { sampleRecord } from '../events/events-test-support.ts';
import { checkpointValid } from './chain.ts';
import { checkpointFromMessage, type CheckpointMessage } from './checkpoint-event.ts';
import { GENESIS_TOPIC, openWithGenesis, readMarker, type GenesisOptions, type GenesisPublic } from './genesis.ts';
import { Register } from './register.ts';

const device = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const dataKey = new Uint8Array(randomBytes(32));
const test = suite('register genesis');
let root = '';
test.before(() => {
  root = mkdtempSync(join(tmpdir(), 'xacminh-genesis-'));
});
test.after(() => rmSync(root, { recursive: true, force: true }));

interface Logged {
  level: 'warn' | 'info';
  msg: string;
}

function setup(name: string): { paths: DataDirPaths; logged: Logged[]; options: (more?: Partial<GenesisOptions>) => GenesisOptions; open: () => Register } {
  const paths = dataDirPaths(join(root, name));
  const logged: Logged[] = [];
  const log = { warn: (_: object, msg: string) => logged.push({ level: 'warn', msg }), info: (_: object, msg: string) => logged.push({ level: 'info', msg }) };
  return {
    paths,
    logged,
    options: (more = {}) => ({ paths, siteId: 'test-site', deviceId: 'quay-9', deviceKey: device.privateKey, keyId: keyIdOf(device.publicKey), log, ...more }),
    open: () => Register.open(paths.register, { deviceKey: device.privateKey, dataKey, outboxCapacity: 1000 }),
  };
}

function fill(register: Register, count: number): void {
  for (let i = 0; i < count; i++) {
    const record = sampleRecord();
    register.append(record, { events: [{ id: record.id, topic: 'event/verification', payload: 'x' }] });
  }
}

function announcements(register: Register): { registerId: string; hash: string; publicJson: string; checkpoint: CheckpointMessage | null }[] {
  return register.outbox
    .peek(10_000)
    .filter((m) => m.topic === GENESIS_TOPIC)
    .map((m) => JSON.parse(m.payload) as { registerId: string; hash: string; publicJson: string; checkpoint: CheckpointMessage | null });
}

function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (isXacminhError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the open to be refused');
}

test('first start: genesis at seq 1 bound to the device key, a checkpoint at 1, the announcement queued, the marker written 0600', () => {
  const { paths, options, open } = setup('first');
  const { register, marker, state } = openWithGenesis(options(), open);
  try {
    assert.is(state, 'created');
    const genesis = register.read(1)!;
    assert.is(genesis.kind, 'genesis');
    const pub = genesis.public as GenesisPublic;
    assert.equal([pub.reason, pub.previous, pub.siteId, pub.deviceId, pub.keyId], ['first-start', null, 'test-site', 'quay-9', keyIdOf(device.publicKey)]);
    assert.is(keyIdOf(createPublicKey({ key: Buffer.from(pub.publicKeySpki, 'base64'), format: 'der', type: 'spki' })), keyIdOf(device.publicKey));
    assert.equal(marker, { registerId: pub.registerId, genesisHash: genesis.hash, createdAt: pub.createdAt });
    assert.equal(readMarker(paths), marker);
    assert.is(statSync(paths.registerMarker).mode & 0o777, 0o600);

    const checkpoint = register.checkpoints().find((c) => c.seq === 1);
    assert.ok(checkpoint && checkpointValid(device.publicKey, checkpoint), 'entry 1 is signed at once');
    assert.is(Buffer.from(checkpoint.headHash).toString('hex'), genesis.hash);
    const [announced, ...more] = announcements(register);
    assert.is(more.length, 0);
    assert.is(announced!.registerId, pub.registerId);
    assert.is(announced!.hash, genesis.hash);
    assert.ok(announced!.checkpoint && checkpointValid(device.publicKey, checkpointFromMessage(announced!.checkpoint)), 'the announcement carries the signed checkpoint at 1');
    assert.ok(register.verify().ok);
  } finally {
    register.close();
  }
});

test('restart: the register is recognised, no second genesis, nothing announced again', () => {
  const { options, open } = setup('restart');
  const first = openWithGenesis(options(), open);
  fill(first.register, 3);
  first.register.close();
  const again = openWithGenesis(options(), open);
  try {
    assert.is(again.state, 'recognised');
    assert.equal(again.marker, first.marker);
    assert.is(again.register.count(), 4);
    assert.equal([...again.register.entries()].map((e) => (e as { kind?: string }).kind), ['genesis', 'verification', 'verification', 'verification']);
    assert.is(announcements(again.register).length, 1);
  } finally {
    again.register.close();
  }
});

test('the database deleted: refused with REGISTER_MISSING saying what to do, and nothing is created', () => {
  const { paths, options, open } = setup('deleted');
  openWithGenesis(options(), open).register.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${paths.register}${suffix}`, { force: true });
  const refused = refusal(() => openWithGenesis(options(), open));
  assert.is(refused.code, 'REGISTER_MISSING');
  assert.match(refused.message, /^Sổ đăng ký bị mất: .*tệp cơ sở dữ liệu không còn/);
  assert.match(refused.message, /Khôi phục register\.db .* từ bản sao lưu/);
  assert.match(refused.message, /xacminh start --new-register/);
  assert.not.ok(existsSync(paths.register), 'no new empty register was created in its place');
});

test('the database emptied (a fresh file in its place): refused with REGISTER_MISSING', () => {
  const { paths, options, open } = setup('emptied');
  openWithGenesis(options(), open).register.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${paths.register}${suffix}`, { force: true });
  open().close();
  const refused = refusal(() => openWithGenesis(options(), open));
  assert.is(refused.code, 'REGISTER_MISSING');
  assert.match(refused.message, /cơ sở dữ liệu trống/);
});

test('the database replaced by another register (same key, its own genesis): refused with REGISTER_REPLACED, the file left as found', () => {
  const { paths, options, open } = setup('replaced');
  openWithGenesis(options(), open).register.close();
  const other = setup('replacement');
  const forged = openWithGenesis(other.options(), other.open);
  fill(forged.register, 2);
  forged.register.close();
  for (const suffix of ['-wal', '-shm']) rmSync(`${paths.register}${suffix}`, { force: true });
  rmSync(paths.register);
  const db = new Database(other.paths.register);
  db.exec(`VACUUM INTO '${paths.register.replace(/'/g, "''")}'`);
  db.close();
  const refused = refusal(() => openWithGenesis(options(), open));
  assert.is(refused.code, 'REGISTER_REPLACED');
  assert.match(refused.message, /^Sổ đăng ký đã bị thay: /);
  assert.match(refused.message, /--new-register/);
  const check = Register.open(paths.register, { deviceKey: device.privateKey, outboxCapacity: 0, readOnly: true });
  assert.is(check.count(), 3, 'the replacement is not written to');
  check.close();
});

test('an edited entry 1 does not pass for the genesis the marker names', () => {
  const { paths, options, open } = setup('edited-genesis');
  openWithGenesis(options(), open).register.close();
  const db = new Database(paths.register);
  db.exec("DROP TRIGGER IF EXISTS entries_no_update; UPDATE entries SET record_json = replace(record_json, 'quay-9', 'quay-8') WHERE seq = 1");
  db.close();
  assert.is(refusal(() => openWithGenesis(options(), open)).code, 'REGISTER_REPLACED');
});

test('a register from before the genesis is accepted: the marker records entry 1 (legacy), and it is recognised after', () => {
  const { paths, options, open } = setup('legacy');
  const legacy = open();
  fill(legacy, 2);
  const entry1 = legacy.read(1)!;
  legacy.close();
  const adopted = openWithGenesis(options(), open);
  assert.is(adopted.state, 'legacy-adopted');
  assert.equal(adopted.marker, { registerId: null, genesisHash: entry1.hash, createdAt: entry1.recordedAt, legacy: true });
  assert.is(adopted.register.count(), 2, 'no genesis is slipped in after the fact');
  adopted.register.close();
  const recognised = openWithGenesis(options(), open);
  recognised.register.close();
  assert.is(recognised.state, 'recognised');
  assert.equal(readMarker(paths)?.legacy, true);
});

test('--new-register: the old database kept aside (still verifiable), the new genesis names the old head, logged at warn', () => {
  const { paths, logged, options, open } = setup('new-register');
  const old = openWithGenesis(options(), open);
  fill(old.register, 4);
  const oldHead = { seq: old.register.headSeq, hash: old.register.read(old.register.headSeq)!.hash };
  old.register.close();

  const fresh = openWithGenesis(options({ newRegister: true, now: () => new Date('2026-11-30T05:00:00.000Z') }), open);
  try {
    assert.is(fresh.state, 'created');
    assert.is(fresh.asideAt, `${paths.register}.replaced-2026-11-30T05-00-00-000Z`);
    const kept = Register.open(fresh.asideAt!, { deviceKey: device.privateKey, outboxCapacity: 0, readOnly: true });
    assert.is(kept.count(), 5, 'the old entries are all there');
    assert.ok(kept.verify().ok);
    kept.close();
    const pub = fresh.register.read(1)!.public as GenesisPublic;
    assert.is(pub.reason, 'new-register');
    assert.equal(pub.previous, { registerId: old.marker.registerId, genesisHash: old.marker.genesisHash, headSeq: oldHead.seq, headHash: oldHead.hash });
    assert.is.not(pub.registerId, old.marker.registerId);
    assert.is(fresh.register.count(), 1);
    assert.is(readMarker(paths)?.registerId, pub.registerId);
    assert.ok(readdirSync(paths.root).some((f) => f.startsWith('register.id.json.replaced-')), 'the old marker is kept aside too');
    assert.ok(logged.some((l) => l.level === 'warn' && /NEW register was started/.test(l.msg) && l.msg.includes(fresh.asideAt!)));
    assert.is(announcements(fresh.register)[0]?.registerId, pub.registerId);
  } finally {
    fresh.register.close();
  }
  const reopened = openWithGenesis(options(), open);
  reopened.register.close();
  assert.is(reopened.state, 'recognised');
});

test('--new-register after the database was lost: the previous register is named from the marker', () => {
  const { paths, options, open } = setup('new-after-loss');
  const old = openWithGenesis(options(), open);
  old.register.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${paths.register}${suffix}`, { force: true });
  const fresh = openWithGenesis(options({ newRegister: true }), open);
  const pub = fresh.register.read(1)!.public as GenesisPublic;
  assert.equal(pub.previous, { registerId: old.marker.registerId, genesisHash: old.marker.genesisHash, headSeq: null, headHash: null });
  assert.is(fresh.asideAt, undefined);
  fresh.register.close();
});

test('a genesis without its marker (a start cut short, or the marker removed): the marker is written again and the genesis announced again', () => {
  const { paths, logged, options, open } = setup('marker-lost');
  const first = openWithGenesis(options(), open);
  first.register.close();
  rmSync(paths.registerMarker);
  const again = openWithGenesis(options(), open);
  try {
    assert.is(again.state, 'marker-restored');
    assert.equal(again.marker, first.marker);
    assert.is(announcements(again.register).length, 2);
    assert.ok(logged.some((l) => l.level === 'warn' && /register\.id\.json was missing/.test(l.msg)));
  } finally {
    again.register.close();
  }
});

test('a damaged marker is an error saying to restore it, not a new register', () => {
  const { paths, options, open } = setup('marker-damaged');
  openWithGenesis(options(), open).register.close();
  writeFileSync(paths.registerMarker, '{"registerId": 1');
  const refused = refusal(() => openWithGenesis(options(), open));
  assert.is(refused.code, 'CONFIG_INVALID');
  assert.match(refused.message, /^Tệp nhận diện sổ đăng ký .* bị hỏng/);
});

test.run();
