// verify-export in slices on worker threads says exactly what one pass says: the same report, deep-equal, on
// a good export and on each kind of tampering, placed in the middle of a slice and right at a boundary (small
// slices forced with minSliceBytes 0 and cutAt). Exports are written by the real exporter from a real register.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isXacminhError } from '../../drivers/errors.ts';
import { sampleRecord } from '../events/events-test-support.ts';
import { readExportFile, writeRegisterExport, type ExportReport } from './export.ts';
import type { ExportHeader } from './export-format.ts';
import { readExportFileParallel, SLICES_PER_THREAD, type ParallelExportOptions } from './export-verify-parallel.ts';
import { Register } from './register.ts';

const device = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const DATA_KEY = new Uint8Array(randomBytes(32));
const ENTRIES = 240;
const trusted = { trustedPublicKeys: [device.publicKey] };

const test = suite('register verify-export in parallel slices');
let dir = '';
/** The good export's lines (header, entries with a checkpoint after every 7th, the export signature last). */
let good: string[] = [];
let forged: string[] = [];

/** A register of `count` entries (sealed personal data, a small frame each), exported with frames and the per-entry keys. */
function exportLines(name: string, key: typeof device, count: number): string[] {
  const path = join(dir, `${name}.db`);
  let i = 0;
  const register = Register.open(path, { deviceKey: key.privateKey, dataKey: DATA_KEY, outboxCapacity: 10_000, checkpointEvery: 7, now: () => new Date(Date.UTC(2026, 10, 22, 3, 0, 0, i * 1000 + 7)) });
  for (i = 0; i < count; i++) register.append(sampleRecord({ decision: i % 3 ? 'verified' : 'rejected' }), { frameJpeg: new Uint8Array(randomBytes(400)), events: [] });
  register.close();
  const reader = Register.open(path, { deviceKey: key.privateKey, dataKey: DATA_KEY, outboxCapacity: 0, readOnly: true });
  const out = join(dir, `${name}.jsonl`);
  try {
    writeRegisterExport(out, reader, { signingKey: key.privateKey, frames: true });
  } finally {
    reader.close();
  }
  return readFileSync(out, 'utf8').trimEnd().split('\n');
}

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'xacminh-export-parallel-'));
  good = exportLines('good', device, ENTRIES);
  forged = exportLines('forged', forger, 60);
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function fileOf(lines: string[], eol = '\n'): string {
  const path = join(dir, `case-${++files}.jsonl`);
  writeFileSync(path, `${lines.join(eol)}${eol}`);
  return path;
}

const parsed = (line: string) => JSON.parse(line) as { type: string; seq: number; [field: string]: unknown };
/** Index of the line of entry `seq` (or of its checkpoint). */
const lineOf = (lines: string[], seq: number, type = 'entry') => lines.findIndex((l) => parsed(l).type === type && parsed(l).seq === seq);
/** Byte offset of line `index` in the file fileOf writes. */
const offsetOf = (lines: string[], index: number) => lines.slice(0, index).reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
/** Offsets that cut right before the entry lines of these seqs. */
const cutsBefore = (lines: string[], ...seqs: number[]) => seqs.map((seq) => offsetOf(lines, lineOf(lines, seq)));

/** One character of a field's value changed to another of the same kind (digit, hex, base64): the line stays valid JSON, the same length. */
function changeByte(line: string, field: string, at = 0): string {
  const value = `"${field}":"`;
  const index = line.indexOf(value) + value.length + at;
  assert.ok(index >= value.length, `${field} in the line`);
  const c = line[index]!;
  const other = /[0-8]/.test(c) ? String(Number(c) + 1) : c === '9' ? '0' : c === 'a' ? 'b' : 'a';
  return `${line.slice(0, index)}${other}${line.slice(index + 1)}`;
}

function edited(seq: number, edit: (line: string) => string, lines = good): string[] {
  const copy = [...lines];
  const index = lineOf(copy, seq);
  copy[index] = edit(copy[index]!);
  return copy;
}

/** Checks the file both ways: the reports (and headers) must be deep-equal, and the slices as many as asked. */
async function bothWays(path: string, options: ParallelExportOptions & { slices: number }): Promise<ExportReport> {
  const one = await readExportFile(path, trusted);
  const { slices, ...rest } = options;
  const parallel = await readExportFileParallel(path, { ...trusted, minSliceBytes: 0, ...rest });
  assert.equal(parallel.report, one.report);
  assert.equal(parallel.header, one.header);
  assert.is(parallel.slices, slices, 'checked in slices, not in one pass');
  return one.report;
}

const keysOf = (report: ExportReport) => report.problems.map((p) => `${p.seq}:${p.kind}`);

test('a good export: 2, 3 and 4 threads (3 slices each) say what one pass says (LF and CRLF)', async () => {
  for (const threads of [2, 3, 4]) {
    const report = await bothWays(fileOf(good), { threads, slices: threads * SLICES_PER_THREAD });
    assert.ok(report.ok, JSON.stringify(report.problems));
    assert.equal([report.entries, report.signedThrough, report.checkpoints], [ENTRIES, ENTRIES, Math.floor(ENTRIES / 7) + (ENTRIES % 7 ? 1 : 0)]);
  }
  assert.ok((await bothWays(fileOf(good, '\r\n'), { threads: 3, slices: 3 * SLICES_PER_THREAD })).ok);
});

test('one changed byte: in the middle of a slice, in the entry a slice starts with, and in the stated hash of the entry before a boundary', async () => {
  const cuts = cutsBefore(good, 60, 120, 180);
  // Two threads for four slices: each takes the next slice when done with one.
  const middle = await bothWays(fileOf(edited(90, (l) => changeByte(l, 'recordedAt', 22))), { threads: 2, cutAt: cuts, slices: 4 });
  assert.equal(keysOf(middle), ['90:hash-mismatch']);
  assert.is(middle.signedThrough, 84, 'the last checkpoint before the change');

  const first = await bothWays(fileOf(edited(120, (l) => changeByte(l, 'recordedAt', 22))), { threads: 4, cutAt: cuts, slices: 4 });
  assert.equal(keysOf(first), ['120:hash-mismatch']);

  // Entry 119 has its checkpoint line after it: the slice at 120 reads back past it to 119's stated hash.
  assert.is(parsed(good[lineOf(good, 119) + 1]!).type, 'checkpoint');
  const before = await bothWays(fileOf(edited(119, (l) => changeByte(l, 'hash'))), { threads: 4, cutAt: cuts, slices: 4 });
  assert.equal(keysOf(before), ['119:hash-mismatch', '120:hash-mismatch']);
  assert.is(before.signedThrough, 112);
});

test('a deleted entry at a boundary, and an entry deleted before one leaving its checkpoint behind', async () => {
  const without120 = good.filter((_, i) => i !== lineOf(good, 120));
  const gap = await bothWays(fileOf(without120), { threads: 2, cutAt: cutsBefore(without120, 121), slices: 2 });
  assert.ok(keysOf(gap).includes('121:gap') && keysOf(gap).includes('121:hash-mismatch'), keysOf(gap).join(' '));

  const without119 = good.filter((_, i) => i !== lineOf(good, 119));
  const orphan = await bothWays(fileOf(without119), { threads: 3, cutAt: cutsBefore(without119, 120, 200), slices: 3 });
  assert.ok(keysOf(orphan).includes('119:gap') && keysOf(orphan).includes('120:gap'), keysOf(orphan).join(' '));
});

test('a pair of entries swapped across a boundary, the cut between them and before both', async () => {
  const swapped = [...good];
  const [a, b] = [lineOf(good, 120), lineOf(good, 121)];
  [swapped[a], swapped[b]] = [good[b]!, good[a]!];
  const between = await bothWays(fileOf(swapped), { threads: 2, cutAt: [offsetOf(swapped, b)], slices: 2 });
  assert.ok(keysOf(between).includes('120:gap') && keysOf(between).includes('121:gap'), keysOf(between).join(' '));
  await bothWays(fileOf(swapped), { threads: 2, cutAt: [offsetOf(swapped, a)], slices: 2 });
});

test('the head dropped and the header patched: only the header signature catches it, in slices too', async () => {
  const header = JSON.parse(good[0]!) as ExportHeader;
  const from = 50;
  const kept = good.slice(1).filter((l) => parsed(l).type === 'export-checkpoint' || parsed(l).seq >= from);
  header.range = { ...header.range, fromSeq: from, entries: ENTRIES - from + 1 };
  header.previousHash = String(parsed(good[lineOf(good, from - 1)]!).hash);
  const lines = [JSON.stringify(header), ...kept];
  const report = await bothWays(fileOf(lines), { threads: 3, slices: 3 * SLICES_PER_THREAD });
  assert.equal(keysOf(report), ['0:header-mismatch']);
});

test('a tail cut at a line, a tail cut inside a line, and no export signature', async () => {
  const cut = good.slice(0, lineOf(good, 200) + 1);
  const tail = await bothWays(fileOf(cut), { threads: 4, slices: 4 * SLICES_PER_THREAD });
  assert.ok(keysOf(tail).includes('200:gap') && keysOf(tail).includes(`${ENTRIES}:unsigned`), keysOf(tail).join(' '));

  const text = readFileSync(fileOf(good), 'utf8');
  const inside = join(dir, 'inside.jsonl');
  writeFileSync(inside, text.slice(0, offsetOf(good, lineOf(good, 200)) + 40));
  const failures = await Promise.all([readExportFile(inside, trusted), readExportFileParallel(inside, { ...trusted, threads: 4, minSliceBytes: 0 })].map((p) => p.then(() => null, (e: unknown) => e)));
  assert.ok(isXacminhError(failures[0], 'MALFORMED_DATA'), String(failures[0]));
  assert.equal(String(failures[1]), String(failures[0]), 'the same error, with the same line number');

  const unsigned = await bothWays(fileOf(good.slice(0, -1)), { threads: 4, slices: 4 * SLICES_PER_THREAD });
  assert.equal(keysOf(unsigned), [`${ENTRIES}:unsigned`]);
  assert.is(unsigned.signedThrough, ENTRIES, 'the checkpoint made when the register closed');
});

test('an export re-signed with another key: every signature is refused, in slices as in one pass', async () => {
  const report = await bothWays(fileOf(forged), { threads: 3, slices: 3 * SLICES_PER_THREAD });
  assert.is(keysOf(report)[0], '0:key-mismatch');
  assert.ok(keysOf(report).includes('7:bad-checkpoint') && keysOf(report).includes('60:bad-checkpoint'), keysOf(report).join(' '));
  assert.is(report.signedThrough, 0);
});

test('a wrong blob: a changed frame in a slice, a changed sealed part at a boundary, a key that does not open', async () => {
  let lines = edited(150, (l) => changeByte(l, 'frame', 10));
  lines = edited(180, (l) => changeByte(l, 'sealed', 10), lines);
  const otherKey = String(parsed(good[lineOf(good, 31)]!).sealedKey);
  lines = edited(30, (l) => l.replace(String(parsed(l).sealedKey), otherKey), lines);
  const report = await bothWays(fileOf(lines), { threads: 4, cutAt: cutsBefore(lines, 60, 120, 180), slices: 4 });
  assert.equal(keysOf(report), ['30:decrypt-failed', '150:frame-mismatch', '180:sealed-mismatch']);
});

test('what slices cannot say exactly is said by one pass: lines after the export signature, a damaged line; a small file is not cut', async () => {
  const moved = [...good.slice(0, lineOf(good, 100)), good.at(-1)!, ...good.slice(lineOf(good, 100), -1)];
  const after = await bothWays(fileOf(moved), { threads: 4, slices: 1 });
  assert.ok(keysOf(after).includes('100:format'), keysOf(after).join(' '));

  const damaged = [...good];
  damaged[lineOf(good, 150)] = '{"type":"entry",';
  const path = fileOf(damaged);
  const failures = await Promise.all([readExportFile(path, trusted), readExportFileParallel(path, { ...trusted, threads: 4, minSliceBytes: 0 })].map((p) => p.then(() => null, (e: unknown) => e)));
  assert.match(String(failures[0]), new RegExp(`line ${lineOf(good, 150) + 1} is not JSON`));
  assert.equal(String(failures[1]), String(failures[0]));
  const notAnExport = fileOf(['{"type":"entry"}', ...good.slice(1)]);
  const refused = await Promise.all([readExportFile(notAnExport, trusted), readExportFileParallel(notAnExport, { ...trusted, threads: 4, minSliceBytes: 0 })].map((p) => p.then(() => null, (e: unknown) => e)));
  assert.match(String(refused[0]), /line 1 must be/);
  assert.equal(String(refused[1]), String(refused[0]));

  const small = await readExportFileParallel(fileOf(good), { ...trusted, threads: 4 });
  assert.equal([small.slices, small.report.ok], [1, true], 'a file under the default slice size is read in one pass');
});

test.run();
