/**
 * The register's birth certificate (FORMAT.md "Genesis and the register marker"). A new register starts with a
 * genesis entry naming the device key, signed at once by a checkpoint at seq 1 and announced to the central
 * side; `register.id.json` beside it remembers which register this data dir holds. A database that went
 * missing, came back empty or was swapped for another is then refused at start instead of silently re-created:
 * only an explicit `--new-register` (logged, announced, the old file kept aside) starts a new history.
 */
import { createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { writeFileAtomicSync } from '../../drivers/atomic-file.ts';
import { XacminhError } from '../../drivers/errors.ts';
import type { DataDirPaths } from '../datadir.ts';
import { GENESIS_HASH, entryHash } from './chain.ts';
import { checkpointEvent } from './checkpoint-event.ts';
import { Register } from './register.ts';
import type { PendingEvent } from './sqlite-outbox.ts';

export const GENESIS_TOPIC = 'register/genesis';

export const registerMarkerSchema = z.strictObject({
  /** null for a register from before format 2 (no genesis entry): then genesisHash is entry 1's hash. */
  registerId: z.string().min(1).nullable(),
  genesisHash: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.string().min(1),
  legacy: z.literal(true).optional(),
});
export type RegisterMarker = z.infer<typeof registerMarkerSchema>;

/** What a new genesis says about the register it follows (`--new-register`), as far as it could be read. */
export interface PreviousRegister {
  registerId: string | null;
  genesisHash: string | null;
  /** null when the old database is gone or unreadable (then only the marker told what it was). */
  headSeq: number | null;
  headHash: string | null;
}

export interface GenesisPublic {
  registerId: string;
  createdAt: string;
  siteId: string;
  deviceId: string;
  keyId: string;
  /** The device's public key, base64 SPKI DER: the register is bound to it from its first entry. */
  publicKeySpki: string;
  reason: 'first-start' | 'new-register';
  previous: PreviousRegister | null;
}

export interface GenesisOptions {
  paths: DataDirPaths;
  siteId: string;
  deviceId: string;
  /** The device's signing key (its public half goes into the genesis). */
  deviceKey: KeyObject;
  /** The device's key id (keyIdOf its public key). */
  keyId: string;
  /** `xacminh start --new-register`: set the current database aside and start a new history. */
  newRegister?: boolean;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  now?: () => Date;
}

export interface GenesisOutcome {
  register: Register;
  marker: RegisterMarker;
  /** What happened at this open: a genesis written now, an existing register recognised, or a legacy one adopted. */
  state: 'created' | 'recognised' | 'legacy-adopted' | 'marker-restored';
  /** Where the previous database was moved (`--new-register` only). */
  asideAt?: string;
}

/**
 * Opens the register through `open` (Register.open with the agent's options) with the checks above. Throws
 * REGISTER_MISSING / REGISTER_REPLACED (never creating anything) when the data dir's register is not the one
 * its marker names.
 */
export function openWithGenesis(options: GenesisOptions, open: () => Register): GenesisOutcome {
  const { paths } = options;
  const now = options.now ?? (() => new Date());
  if (options.newRegister) return startNewRegister(options, open, now);
  const marker = readMarker(paths);
  if (marker && !existsSync(paths.register)) throw missing(paths, marker, 'the database file is gone');
  const register = open();
  try {
    const first = firstEntry(register);
    if (!first) {
      if (marker) throw missing(paths, marker, 'the database is empty');
      return { register, marker: createGenesis(register, options, now, 'first-start', null), state: 'created' };
    }
    if (marker) {
      if (marker.genesisHash !== first.hash) throw replaced(paths, marker, first.hash);
      return { register, marker, state: 'recognised' };
    }
    if (first.kind !== 'genesis') {
      // Written before the genesis existed: entry 1 identifies it from now on.
      const adopted: RegisterMarker = { registerId: null, genesisHash: first.hash, createdAt: first.recordedAt, legacy: true };
      writeMarker(paths, adopted);
      options.log.info({ genesisHash: first.hash }, 'register: a register from before the genesis entry; register.id.json now records its entry 1');
      return { register, marker: adopted, state: 'legacy-adopted' };
    }
    // A genesis but no marker: a start interrupted between the two, or the marker was removed. The genesis is
    // announced again (the central side keeps one per registerId), so a swap done this way is still seen there.
    const restored = finishGenesis(register, options, first, now);
    options.log.warn({ registerId: restored.registerId }, 'register: register.id.json was missing; written again from the genesis entry and the genesis announced again');
    return { register, marker: restored, state: 'marker-restored' };
  } catch (error) {
    register.close();
    throw error;
  }
}

interface FirstEntry {
  kind: string;
  /** Recomputed from the stored fields, not read from the hash column: an edited entry 1 does not pass for the genesis. */
  hash: string;
  id: string;
  recordedAt: string;
  publicJson: string;
}

function firstEntry(register: Register): FirstEntry | null {
  for (const view of register.entries(1, 1)) {
    const hash = Buffer.from(entryHash(GENESIS_HASH, view)).toString('hex');
    return { kind: (view as { kind?: string }).kind ?? 'verification', hash, id: view.id, recordedAt: view.recordedAt, publicJson: view.recordJson };
  }
  return null;
}

function createGenesis(register: Register, options: GenesisOptions, now: () => Date, reason: GenesisPublic['reason'], previous: PreviousRegister | null): RegisterMarker {
  const publicPart: GenesisPublic = {
    registerId: randomUUID(),
    createdAt: now().toISOString(),
    siteId: options.siteId,
    deviceId: options.deviceId,
    keyId: options.keyId,
    publicKeySpki: publicSpki(options.deviceKey),
    reason,
    previous,
  };
  register.appendEntry('genesis', publicPart);
  const first = firstEntry(register);
  if (!first || first.kind !== 'genesis') throw new XacminhError('STORAGE_FAILED', `The genesis entry was not written as entry 1 of ${register.path}`, { path: register.path });
  return finishGenesis(register, options, first, now);
}

/** Checkpoint at seq 1, announcement on register/genesis, then the marker (last: until it exists, the next start finishes this). */
function finishGenesis(register: Register, options: GenesisOptions, first: FirstEntry, now: () => Date): RegisterMarker {
  const publicPart = JSON.parse(first.publicJson) as GenesisPublic;
  if (register.headSeq === 1) register.checkpoint();
  const checkpoint = register.checkpoints().find((c) => c.seq === 1 && Buffer.from(c.headHash).toString('hex') === first.hash);
  const announcement: PendingEvent = {
    id: `genesis-${publicPart.registerId}-${now().getTime()}`,
    topic: GENESIS_TOPIC,
    payload: JSON.stringify({
      registerId: publicPart.registerId,
      seq: 1,
      id: first.id,
      kind: 'genesis',
      recordedAt: first.recordedAt,
      publicJson: first.publicJson,
      hash: first.hash,
      checkpoint: checkpoint ? JSON.parse(checkpointEvent(checkpoint).payload) : null,
    }),
  };
  // One short write transaction (snapshot() is the register's transaction wrapper): queued like every event, QoS 1.
  const queued = register.snapshot(() => register.outbox.enqueue([announcement], first.recordedAt));
  register.outbox.committed(queued);
  const marker: RegisterMarker = { registerId: publicPart.registerId, genesisHash: first.hash, createdAt: publicPart.createdAt };
  writeMarker(options.paths, marker);
  return marker;
}

function startNewRegister(options: GenesisOptions, open: () => Register, now: () => Date): GenesisOutcome {
  const { paths } = options;
  const marker = readMarkerLenient(paths);
  let previous: PreviousRegister | null = marker ? { registerId: marker.registerId, genesisHash: marker.genesisHash, headSeq: null, headHash: null } : null;
  const stamp = now().toISOString().replace(/[:.]/g, '-');
  let asideAt: string | undefined;
  if (existsSync(paths.register)) {
    previous = describe(paths, options.deviceKey) ?? previous;
    asideAt = `${paths.register}.replaced-${stamp}`;
    flushWal(paths.register);
    // Whatever -wal and -shm are left follow under the same new name, so SQLite still opens the old register there
    // (and a new register.db never meets a stale WAL).
    for (const suffix of ['-wal', '-shm']) if (existsSync(`${paths.register}${suffix}`)) renameSync(`${paths.register}${suffix}`, `${asideAt}${suffix}`);
    renameSync(paths.register, asideAt);
  }
  // Set aside before the new genesis: a start interrupted in between finds a genesis and no marker, and finishes it.
  if (existsSync(paths.registerMarker)) renameSync(paths.registerMarker, `${paths.registerMarker}.replaced-${stamp}`);
  const register = open();
  try {
    if (firstEntry(register)) throw new XacminhError('STORAGE_FAILED', `${paths.register} still has entries after it was set aside: another process holds it; stop it and start again`, { path: paths.register });
    const created = createGenesis(register, options, now, 'new-register', previous);
    options.log.warn(
      { registerId: created.registerId, previous, asideAt: asideAt ?? null },
      `register: a NEW register was started (--new-register)${asideAt ? `; the previous database is kept at ${asideAt}` : ''}; the genesis is announced on ${GENESIS_TOPIC}`,
    );
    return { register, marker: created, state: 'created', ...(asideAt ? { asideAt } : {}) };
  } catch (error) {
    register.close();
    throw error;
  }
}

/** Folds the WAL into the database file so it moves as one file; a file SQLite cannot open is moved as it is. */
function flushWal(path: string): void {
  try {
    const db = new Database(path, { fileMustExist: true });
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
  } catch {
    // Damaged or not a database: kept aside untouched, with its -wal and -shm beside it.
  }
}

/** The old register's identity and head, read-only; null when it cannot be read at all. */
function describe(paths: DataDirPaths, deviceKey: KeyObject): PreviousRegister | null {
  let old: Register | undefined;
  try {
    old = Register.open(paths.register, { deviceKey, outboxCapacity: 0, readOnly: true });
    const first = firstEntry(old);
    if (!first) return { registerId: null, genesisHash: null, headSeq: 0, headHash: null };
    const registerId = first.kind === 'genesis' ? ((JSON.parse(first.publicJson) as Partial<GenesisPublic>).registerId ?? null) : null;
    const headSeq = old.headSeq;
    const headHash = Buffer.from(old.previousHash(headSeq + 1)).toString('hex');
    return { registerId, genesisHash: first.hash, headSeq, headHash };
  } catch {
    return null;
  } finally {
    old?.close();
  }
}

export interface MarkerCheck {
  /** none: no marker in the data dir; matches / differs: entry 1 against the marker; damaged: the marker does not parse. */
  state: 'none' | 'matches' | 'differs' | 'damaged';
  registerId: string | null;
  /** Vietnamese first, English after: for `register verify`. */
  line: string;
}

/** For `register verify`: is this database the register the data dir's marker names (read-only, changes nothing)? */
export function checkMarker(paths: DataDirPaths, register: Register): MarkerCheck {
  let marker: RegisterMarker | null;
  try {
    marker = readMarker(paths);
  } catch (error) {
    return { state: 'damaged', registerId: null, line: `Tệp nhận diện sổ ${paths.registerMarker} bị hỏng: ${(error as Error).message}` };
  }
  const first = firstEntry(register);
  if (!marker) return { state: 'none', registerId: null, line: 'Tệp nhận diện sổ (register.id.json): chưa có — agent chưa mở sổ này lần nào từ khi có mục khởi tạo (no register marker yet)' };
  if (first?.hash !== marker.genesisHash) {
    return {
      state: 'differs',
      registerId: marker.registerId,
      line: `SỔ NÀY KHÔNG PHẢI SỔ ${marker.registerId ?? '(cũ)'} MÀ register.id.json GHI NHẬN: mục 1 khác — sổ đã bị thay hoặc bị xóa rồi tạo lại. This is not the register the marker names (entry 1 differs): it was replaced`,
    };
  }
  return { state: 'matches', registerId: marker.registerId, line: `Mã sổ / register id: ${marker.registerId ?? '(sổ cũ, trước mục khởi tạo / legacy)'} — mục 1 khớp register.id.json (entry 1 matches the marker)` };
}

function publicSpki(key: KeyObject): string {
  return (createPublicKey(key).export({ type: 'spki', format: 'der' }) as Buffer).toString('base64');
}

export function readMarker(paths: DataDirPaths): RegisterMarker | null {
  if (!existsSync(paths.registerMarker)) return null;
  try {
    return registerMarkerSchema.parse(JSON.parse(readFileSync(paths.registerMarker, 'utf8')));
  } catch (error) {
    throw new XacminhError(
      'CONFIG_INVALID',
      `Tệp nhận diện sổ đăng ký ${paths.registerMarker} bị hỏng (${(error as Error).message}): khôi phục từ bản sao lưu. The register marker is damaged: restore it from a backup`,
      { path: paths.registerMarker },
      { cause: error },
    );
  }
}

function readMarkerLenient(paths: DataDirPaths): RegisterMarker | null {
  try {
    return readMarker(paths);
  } catch {
    return null;
  }
}

function writeMarker(paths: DataDirPaths, marker: RegisterMarker): void {
  writeFileAtomicSync(paths.registerMarker, `${JSON.stringify(marker, null, 2)}\n`, 0o600, { keepMode: false });
}

const WHAT_TO_DO_VI = 'Khôi phục register.db (cùng các tệp -wal, -shm nếu có) từ bản sao lưu rồi khởi động lại; nếu sổ đã mất hẳn, khởi động với `xacminh start --new-register` (việc này được ghi lại và báo về trung tâm).';
const WHAT_TO_DO_EN = 'Restore register.db (with its -wal and -shm files, if any) from the backup and start again; if it is lost for good, start with `xacminh start --new-register` (logged and announced to the central side).';

function missing(paths: DataDirPaths, marker: RegisterMarker, why: string): XacminhError {
  const whyVi = why === 'the database is empty' ? 'cơ sở dữ liệu trống' : 'tệp cơ sở dữ liệu không còn';
  return new XacminhError(
    'REGISTER_MISSING',
    `Sổ đăng ký bị mất: ${paths.register} — ${whyVi}, nhưng máy này đã có sổ ${marker.registerId ?? '(cũ)'} lập lúc ${marker.createdAt}. Không tạo sổ mới một cách lặng lẽ. ${WHAT_TO_DO_VI}\n` +
      `  The register is missing: ${why} (${paths.register}), but this data dir holds register ${marker.registerId ?? '(legacy)'} created ${marker.createdAt}. ${WHAT_TO_DO_EN}`,
    { path: paths.register, marker: paths.registerMarker, registerId: marker.registerId, genesisHash: marker.genesisHash },
  );
}

function replaced(paths: DataDirPaths, marker: RegisterMarker, found: string): XacminhError {
  return new XacminhError(
    'REGISTER_REPLACED',
    `Sổ đăng ký đã bị thay: ${paths.register} không phải sổ ${marker.registerId ?? '(cũ)'} của máy này (mục đầu tiên khác với tệp nhận diện register.id.json). Không dùng sổ này. ${WHAT_TO_DO_VI}\n` +
      `  The register was replaced: ${paths.register} is not register ${marker.registerId ?? '(legacy)'} (its entry 1 hashes to ${found.slice(0, 16)}…, the marker says ${marker.genesisHash.slice(0, 16)}…). ${WHAT_TO_DO_EN}`,
    { path: paths.register, marker: paths.registerMarker, registerId: marker.registerId, expected: marker.genesisHash, found },
  );
}
