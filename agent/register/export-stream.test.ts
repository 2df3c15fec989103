// The export's signed header, its seq and date ranges (with a clock that went back), and writing and reading
// it as a stream. Registers are real SQLite files written by Register.append (format 2) with an injected clock.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs, { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { sampleRecord } from '../events/events-test-support.ts';
import { exportRegister, headerDigest, parseExport, readExportFile, serializeExport, verifyExport, writeRegisterExport, type ExportBundle, type ExportOptions } from './export.ts';
import { Register } from './register.ts';

/** The register's data key, made for this run (FORMAT.md "Sealing"). */
const TEST_DATA_KEY = new Uint8Array(randomBytes(32));

const device = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const test = suite('register export: signed header, ranges, streaming');
let dir = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-export-stream-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A register whose entries carry the given recordedAt times (in seq order; the register's clock is injected,
 * so times may go back), a frame each, a checkpoint every 4 and one on close; written by Register.append (format 2).
 */
function handBuilt(name: string, times: string[], frame: (i: number) => Uint8Array = (i) => new Uint8Array([0xff, 0xd8, i & 0xff, 0xff, 0xd9])): string {
  const path = join(dir, name);
  let index = 0;
  const register = Register.open(path, { deviceKey: device.privateKey, dataKey: TEST_DATA_KEY, outboxCapacity: 1_000_000, checkpointEvery: 4, now: () => new Date(times[index]!) });
  for (index = 0; index < times.length; index++) register.append(sampleRecord({}), { frameJpeg: frame(index), events: [] });
  register.close();
  return path;
}

const readOnly = (path: string) => Register.open(path, { deviceKey: device.privateKey, outboxCapacity: 0, readOnly: true });
const minutes = (...values: number[]) => values.map((m) => new Date(Date.UTC(2026, 10, 22, 3, 0) + m * 60_000).toISOString());
const problemKeys = (bundle: ExportBundle) => verifyExport(bundle, { trustedPublicKey: device.publicKey }).problems.map((p) => `${p.seq}:${p.kind}`);

function exported(path: string, options: Omit<ExportOptions, 'signingKey'> = {}): ExportBundle {
  const register = readOnly(path);
  try {
    return parseExport(serializeExport(exportRegister(register, { signingKey: device.privateKey, ...options })));
  } finally {
    register.close();
  }
}

test('dropping the first entries and patching the header (fromSeq, previousHash, count) is caught by the export signature', () => {
  const bundle = exported(handBuilt('head.db', minutes(0, 1, 2, 3, 4, 5, 6, 7, 8)));
  assert.equal(problemKeys(bundle), []);

  const forged = structuredClone(bundle);
  forged.entries = forged.entries.filter((e) => e.seq > 3);
  forged.header.range = { ...forged.header.range, fromSeq: 4, entries: 6 };
  forged.header.previousHash = bundle.entries[2]!.hash;
  // Everything the chain and the register's own checkpoints can see is consistent; only the signed header is not.
  assert.equal(problemKeys(forged), ['0:header-mismatch']);
  assert.match(verifyExport(forged, { trustedPublicKey: device.publicKey }).problems[0]!.message, /changed after export/);

  const redigested = structuredClone(forged);
  redigested.exportCheckpoint!.headerSha256 = headerDigest(redigested.header);
  assert.equal(problemKeys(redigested), ['0:header-mismatch'], 'a recomputed digest does not carry the signature');
  assert.match(verifyExport(redigested, { trustedPublicKey: device.publicKey }).problems[0]!.message, /signature over the header/);

  const backdated = structuredClone(bundle);
  backdated.header.createdAt = '2026-01-01T00:00:00.000Z';
  assert.equal(problemKeys(backdated), ['0:header-mismatch'], 'the creation time is signed');
  const widened = structuredClone(bundle);
  widened.header.range.to = '2027-01-01T00:00:00.000Z';
  assert.equal(problemKeys(widened), ['0:header-mismatch'], 'the range asked for is signed');

  // Key order is not signed, the content is: a tool that rewrites the header's keys in another order is harmless.
  const reordered = structuredClone(bundle);
  reordered.header = Object.fromEntries(Object.entries(bundle.header).reverse()) as typeof bundle.header;
  assert.equal(problemKeys(reordered), []);
});

test("an inserted line, and an older export's signature put on a cut export, are found where they happen", () => {
  const path = handBuilt('replay.db', minutes(0, 1, 2, 3, 4, 5, 6, 7, 8));
  const full = exported(path);
  const inserted = structuredClone(full);
  inserted.entries.splice(5, 0, { ...inserted.entries[5]!, id: '01JFORGEDFORGEDFORGEDFORGE' });
  const insertedReport = verifyExport(inserted, { trustedPublicKey: device.publicKey });
  assert.not.ok(insertedReport.ok);
  assert.is(insertedReport.problems[0]?.seq, 6, JSON.stringify(insertedReport.problems));

  // The tail 6..9 cut, and the genuine signature of an earlier export of 1..5 put in its place.
  const older = exported(path, { toSeq: 5 });
  const cut = structuredClone(full);
  cut.entries = cut.entries.filter((e) => e.seq <= 5);
  cut.checkpoints = cut.checkpoints.filter((c) => c.seq <= 5);
  cut.exportCheckpoint = older.exportCheckpoint;
  const keys = problemKeys(cut);
  assert.ok(keys.includes('0:header-mismatch') && keys.includes('6:gap'), keys.join(' '));
  assert.equal(problemKeys(older), [], 'the older export itself is genuine for its own range');
});

test('an export by seq range: its own anchor and checkpoints; bad ranges are INVALID_INPUT', () => {
  const path = handBuilt('seq.db', minutes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
  const bundle = exported(path, { fromSeq: 3, toSeq: 7 });
  assert.equal([bundle.header.range.fromSeq, bundle.header.range.toSeq, bundle.header.range.entries], [3, 7, 5]);
  assert.equal([bundle.header.range.from, bundle.header.range.to], [null, null]);
  assert.equal(bundle.checkpoints.map((c) => c.seq), [4]);
  const stored = new Database(path, { readonly: true });
  const hashOf = (seq: number) => (stored.prepare('SELECT hash FROM entries WHERE seq = ?').get(seq) as { hash: Buffer }).hash.toString('hex');
  assert.is(bundle.header.previousHash, hashOf(2));
  assert.equal(bundle.entries.map((e) => e.hash), [3, 4, 5, 6, 7].map(hashOf));
  stored.close();
  assert.equal(problemKeys(bundle), []);
  assert.is(verifyExport(bundle, { trustedPublicKey: device.publicKey }).signedThrough, 7);

  assert.is(exported(path, { fromSeq: 8, toSeq: 99 }).header.range.toSeq, 10, 'past the head is the head');
  assert.is(exported(path, { toSeq: 2 }).header.range.fromSeq, 1);
  const register = readOnly(path);
  for (const bad of [{ fromSeq: 0 }, { fromSeq: 1.5 }, { fromSeq: 6, toSeq: 5 }, { fromSeq: 11 }, { fromSeq: 2, from: minutes(0)[0]! }]) {
    assert.throws(() => exportRegister(register, { signingKey: device.privateKey, ...bad }), (e: unknown) => isXacminhError(e, 'INVALID_INPUT'), JSON.stringify(bad));
  }
  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  assert.throws(() => exportRegister(register, { signingKey: stranger }), /is not the register's device key/);
  register.close();
});

test('a date range after the clock went back: resolved once to a seq slice, hashes and entries match and verify', () => {
  // 10:00 10:05 10:10, the clock is set back an hour: 09:12 09:20, then 10:02 10:30 11:00.
  const times = minutes(60, 65, 70, 12, 20, 62, 90, 120);
  const path = handBuilt('clock.db', times);
  const morning = exported(path, { from: minutes(60)[0]!, to: minutes(80)[0]! });
  // Recorded in [10:00, 10:20): seqs 1, 2, 3 and 6; the slice is 1..6, with 4 and 5 (stamped 09:xx) between them.
  assert.equal(morning.entries.map((e) => e.seq), [1, 2, 3, 4, 5, 6]);
  assert.equal(morning.entries.map((e) => e.recordedAt), times.slice(0, 6));
  assert.equal(problemKeys(morning), []);

  const early = exported(path, { from: minutes(0)[0]!, to: minutes(30)[0]! });
  assert.equal(early.entries.map((e) => e.seq), [4, 5]);
  assert.is(early.header.previousHash, morning.entries[2]!.hash, 'the anchor is entry 3, the row before the slice');
  assert.equal(problemKeys(early), []);

  const late = exported(path, { from: minutes(85)[0]! });
  assert.equal(late.entries.map((e) => e.seq), [7, 8]);
  assert.equal(problemKeys(late), []);
});

test('the file: each checkpoint right after its entry, the export signature last; verify-export reads it as a stream', async () => {
  const path = handBuilt('lines.db', minutes(0, 1, 2, 3, 4, 5, 6, 7, 8));
  const out = join(dir, 'lines.jsonl');
  const register = readOnly(path);
  writeRegisterExport(out, register, { signingKey: device.privateKey, frames: true });
  register.close();
  const kinds = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => {
    const v = JSON.parse(l) as { type: string; seq?: number };
    return v.type === 'header' ? 'h' : `${{ entry: 'e', checkpoint: 'c', 'export-checkpoint': 'x' }[v.type]}${v.seq}`;
  });
  assert.equal(kinds, ['h', 'e1', 'e2', 'e3', 'e4', 'c4', 'e5', 'e6', 'e7', 'e8', 'c8', 'e9', 'c9', 'x9']);
  const { report } = await readExportFile(out, { trustedPublicKeys: [device.publicKey] });
  assert.ok(report.ok, JSON.stringify(report.problems));
  assert.is(report.checkpoints, 3);

  const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
  writeFileSync(out, [...lines.slice(0, 5), ...lines.slice(6)].join('\n'));
  const moved = await readExportFile(out, { trustedPublicKeys: [device.publicKey] });
  assert.ok(moved.report.ok, 'a register checkpoint line may be dropped: the export signature still covers the slice');
  writeFileSync(out, [lines[0], ...lines.slice(1, 5).reverse(), ...lines.slice(5)].join('\n'));
  const reordered = await readExportFile(out, { trustedPublicKeys: [device.publicKey] });
  assert.ok(reordered.report.problems.some((p) => p.kind === 'gap' && p.seq === 4), JSON.stringify(reordered.report.problems));
});

test('a failed export leaves the previous file and no temp file behind; an unreadable export is a clear error', async () => {
  const path = handBuilt('fail.db', minutes(0, 1));
  const folder = join(dir, 'keep');
  fs.mkdirSync(folder);
  const out = join(folder, 'x.jsonl');
  writeFileSync(out, 'old\n');
  const register = readOnly(path);
  assert.throws(() => writeRegisterExport(out, register, { signingKey: device.privateKey, fromSeq: 5 }), (e: unknown) => isXacminhError(e, 'INVALID_INPUT'));
  register.close();
  assert.is(readFileSync(out, 'utf8'), 'old\n');
  assert.equal(readdirSync(folder), ['x.jsonl']);
  const failure = (path: string) => readExportFile(path, { trustedPublicKeys: [device.publicKey] }).then(() => null, (e: unknown) => e);
  const notAFile = await failure(folder);
  assert.ok(isXacminhError(notAFile, 'INVALID_INPUT') && /EISDIR/.test(notAFile.message), String(notAFile));
  assert.match(String(await failure(out)), /line 1 is not JSON/);
});

test('a large export with frames is written in bounded chunks, never as one string, and verifies as a stream', async () => {
  const count = 2000;
  const frame = randomBytes(16 * 1024);
  const path = handBuilt('large.db', Array.from({ length: count }, (_, i) => new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString()), (i) => {
    const copy = new Uint8Array(frame);
    copy.set([i & 0xff, i >> 8], 0);
    return copy;
  });
  const out = join(dir, 'large.jsonl');
  const realWrite = fs.writeSync;
  let writes = 0;
  let largest = 0;
  fs.writeSync = ((fd: number, data: NodeJS.ArrayBufferView, ...rest: unknown[]) => {
    writes++;
    largest = Math.max(largest, data.byteLength);
    return (realWrite as (...a: unknown[]) => number)(fd, data, ...rest);
  }) as typeof fs.writeSync;
  const register = readOnly(path);
  try {
    writeRegisterExport(out, register, { signingKey: device.privateKey, frames: true });
  } finally {
    fs.writeSync = realWrite;
    register.close();
  }
  const size = statSync(out).size;
  assert.ok(size > count * 16 * 1024 * 1.3, `the frames are in the file (${size} bytes)`);
  // One chunk is the 64 KiB buffer plus at most one line (a 16 KiB frame in base64 and its record).
  assert.ok(largest < 96 * 1024, `largest write ${largest} bytes`);
  assert.ok(writes > size / (96 * 1024), `${writes} writes for ${size} bytes`);
  assert.is(statSync(out).mode & 0o777, 0o600);
  const { header, report } = await readExportFile(out, { trustedPublicKeys: [device.publicKey] });
  assert.ok(report.ok, JSON.stringify(report.problems.slice(0, 3)));
  assert.equal([header.range.entries, report.signedThrough, header.frames], [count, count, true]);
  assert.not.ok(existsSync(`${out}.tmp`));
});

test.run();
